// ELO scoring end to end: simulated exrps batches ingested by a real worker, warehouses built with ELO
// configured (full, then incremental with a late batch), and every player's rating compared with ratings
// computed here from the simulator's results, by the textbook formula, without transforms/scoring.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadContracts } from '../../lake/index.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { buildWarehouse } from '../../warehouse/build.ts';
import { bindParams, loadQuery, runSql } from '../../warehouse/queries.ts';
import { runCli, tempDataDir, uniqueTaskQueue, withWorker } from './helpers.ts';

const K = 24;
const INITIAL = 1200;

interface Result {
  eventId: string;
  occurredAt: string;
  winnerId: string;
  loserId: string;
}

/** Ratings after every result, applied in time order (ties by event id): E = 1 / (1 + 10^((Rb - Ra) / 400)), R += K (S - E). */
function elo(results: readonly Result[]): Map<string, { rating: number; wins: number; losses: number }> {
  const ordered = [...results].sort((a, b) => (a.occurredAt === b.occurredAt ? (a.eventId < b.eventId ? -1 : 1) : Date.parse(a.occurredAt) - Date.parse(b.occurredAt)));
  const players = new Map<string, { rating: number; wins: number; losses: number }>();
  const get = (id: string) => players.get(id) ?? players.set(id, { rating: INITIAL, wins: 0, losses: 0 }).get(id)!;
  for (const r of ordered) {
    const w = get(r.winnerId);
    const l = get(r.loserId);
    const expectedWin = 1 / (1 + 10 ** ((l.rating - w.rating) / 400));
    const change = K * (1 - expectedWin);
    w.rating += change;
    l.rating -= change;
    w.wins += 1;
    l.losses += 1;
  }
  return players;
}

describe('ELO leaderboards', () => {
  it("rate every player as the textbook formula does from the simulator's results, full and incremental", async () => {
    const dataDir = tempDataDir('gamelake-elo-');
    const queue = uniqueTaskQueue('elo');
    const sim = path.join(dataDir, 'sim');
    const truth = await simulateEvents({ game: 'exrps', players: 60, events: 6000, seed: 'elo', badRate: 0, cheatRate: 0, batches: 3, outDir: sim });
    const results = truth.games.exrps!.results;
    expect(results.length).toBe(truth.games.exrps!.finishedGames);
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue };
    const files = truth.batches.map((b) => path.join(sim, b.file));
    const options = {
      lakeDir: path.join(dataDir, 'lake'),
      // A warehouse of its own: the worker's builds after each ingest (scored as warehouse/scoring.json says) keep to theirs.
      warehousePath: path.join(dataDir, 'elo.duckdb'),
      registry: loadContracts(),
      scoring: { default: { method: 'wins' }, products: { exrps: { method: 'elo', k: K, initial: INITIAL } } },
    };
    const board = async () => {
      const q = loadQuery('leaderboard');
      return (await runSql(options.warehousePath, q.sql, bindParams(q, { product: 'exrps', limit: '100000' }))).rows;
    };
    const check = async (upTo: readonly Result[]) => {
      const expected = elo(upTo);
      const rows = await board();
      expect(rows.map((r) => r.player_id as string).sort()).toEqual([...expected.keys()].sort());
      for (const r of rows) {
        const e = expected.get(r.player_id as string)!;
        expect(r.score as number, r.player_id as string).toBeCloseTo(e.rating, 6);
        expect([Number(r.wins), Number(r.losses)]).toEqual([e.wins, e.losses]);
      }
      // Ranks follow the ratings: the best rated is first.
      const best = Math.max(...[...expected.values()].map((p) => p.rating));
      expect(rows[0]!.score as number).toBeCloseTo(best, 6);
    };

    await withWorker(dataDir, queue, async () => {
      // The first two batches, then a full ELO build.
      expect((await runCli(['ingest', '--wait', ...files.slice(0, 2)], env)).status).toBe(0);
    });
    const first = await buildWarehouse({ ...options, full: true });
    expect(first.kind).toBe('full');
    const ids = (f: string) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { event_id: string }).event_id);
    const firstIds = new Set([...ids(files[0]!), ...ids(files[1]!)]);
    await check(results.filter((r) => firstIds.has(r.eventId)));

    // The third batch, then an incremental build: it resumes the ratings from where they stood.
    await withWorker(dataDir, queue, async () => {
      expect((await runCli(['ingest', '--wait', files[2]!], env)).status).toBe(0);
    });
    const second = await buildWarehouse(options);
    expect([second.kind, second.fullBecause]).toEqual(['incremental', '']);
    await check(results);
  });
});
