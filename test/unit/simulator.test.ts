import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContracts } from '../../lake/contracts.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { validateLine } from '../../transforms/validate.ts';

const latestMs = Date.parse('2030-01-01T00:00:00Z');
const readEvents = (dir: string, file: string) =>
  readFileSync(path.join(dir, file), 'utf8')
    .trimEnd()
    .split('\n')
    // biome-ignore lint/suspicious/noExplicitAny: the tests read nested fields of simulated events
    .map((l) => JSON.parse(l) as Record<string, any>);

const registry = loadContracts();

describe('simulate events', () => {
  it('writes exactly --events trades for trade-engine, deterministic for a seed', async () => {
    const run = async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'sim-'));
      const truth = await simulateEvents({ game: 'trade-engine', players: 1000, events: 10000, seed: '7', badRate: 0, cheatRate: 0.01, batches: 1, outDir: dir });
      return { dir, truth, text: readFileSync(path.join(dir, truth.batches[0]!.file), 'utf8') };
    };
    const a = await run();
    const b = await run();
    expect(a.text).toBe(b.text);
    const events = a.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.filter((e) => e.event_type === 'trade')).toHaveLength(10000);
    expect(events.filter((e) => e.event_type === 'player_created')).toHaveLength(1000);
    expect(a.truth.games['trade-engine']!.trades).toBe(10000);
    // A valid trade is followed by both players' new state; a failed one names a reason from the original.
    const valid = events.filter((e) => e.event_type === 'trade' && e.valid);
    expect(events.filter((e) => e.event_type === 'player_state')).toHaveLength(valid.length * 2);
    for (const t of events.filter((e) => e.event_type === 'trade' && !e.valid)) {
      expect(['state mismatch', 'not enough gold', 'not enough inventory space', 'does not have the items']).toContain(t.fail_reason);
    }
    // Starting inventories come from the class catalogue: 899 items, capacity 999.
    for (const p of events.filter((e) => e.event_type === 'player_created')) {
      expect(p.inventory.current_capacity).toBe(899);
      expect(p.inventory.max_capacity).toBe(999);
    }
  });

  it("follows Placebo's rules: a purchase succeeds only when wealth > cost; a join always deducts", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sim-'));
    const truth = await simulateEvents({ game: 'placebo', players: 20, events: 3000, seed: 'p', badRate: 0, cheatRate: 0, batches: 1, outDir: dir });
    const events = readEvents(dir, truth.batches[0]!.file);
    const purchases = events.filter((e) => e.event_type === 'buy_sword' || e.event_type === 'buy_spell');
    expect(purchases.length).toBeGreaterThan(100);
    for (const p of purchases) expect(p.status).toBe(p.player.wealth > p.cost ? 'approved_purchase' : 'insufficient_funds');
    expect(purchases.some((p) => p.status === 'insufficient_funds')).toBe(true);
    const joins = events.filter((e) => e.event_type === 'join_guild' || e.event_type === 'join_team');
    expect(joins.every((j) => j.status === 'approved_join')).toBe(true);
    expect(events.filter((e) => e.event_type === 'create_user')).toHaveLength(20);
  });

  it('plays exrps games to a game_over whose winner won two rounds or whose opponent left', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sim-'));
    const truth = await simulateEvents({ game: 'exrps', players: 10, events: 2000, seed: 'x', badRate: 0, cheatRate: 0, batches: 1, outDir: dir });
    const events = readEvents(dir, truth.batches[0]!.file);
    expect(events).toHaveLength(2000);
    for (const over of events.filter((e) => e.event_type === 'game_over')) {
      const rounds = events.filter((e) => e.game_id === over.game_id && e.progress_event === 'round_finished' && e.round_winner_id === over.winner_id);
      const left = events.some((e) => e.game_id === over.game_id && e.event_type === 'player_disconnect');
      expect(rounds.length === 2 || left).toBe(true);
    }
    expect(truth.games.exrps!.finishedGames).toBe(events.filter((e) => e.event_type === 'game_over').length);
  });

  it('mixes bad lines whose reasons are the ones validation gives', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sim-'));
    const truth = await simulateEvents({ game: 'all', players: 50, events: 1500, seed: 'bad', badRate: 0.1, cheatRate: 0, batches: 1, outDir: dir, maxLineBytes: 4096 });
    const batch = truth.batches[0]!;
    const lines = readFileSync(path.join(dir, batch.file), 'utf8').split('\n').slice(0, -1);
    expect(lines).toHaveLength(batch.lines);
    const reasons: Record<string, number> = {};
    const seen = new Set<string>();
    let duplicates = 0;
    for (const line of lines) {
      const v = validateLine(line, registry, { latestMs, maxLineBytes: 4096 });
      if (!v.ok) reasons[v.reason] = (reasons[v.reason] ?? 0) + 1;
      else if (seen.has(v.eventId)) duplicates += 1;
      else seen.add(v.eventId);
    }
    expect(reasons).toEqual(batch.rejected);
    expect(duplicates).toBe(batch.duplicates);
    expect(Object.keys(batch.rejected).length).toBeGreaterThan(8);
  });
});
