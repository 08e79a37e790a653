import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchIdOf, hashFile } from '../../activities/ingest/inbox.ts';
import { createSteamClient, createSteamFetchActivities } from '../../activities/steam/index.ts';
import { commitBatch, compactLake, lakeSnapshot, loadContracts, stageBatch } from '../../lake/index.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { startSteamSim } from '../../sim/steam/server.ts';
import { scoreProduct, type ScoringSettings } from '../../transforms/scoring.ts';
import { buildWarehouse, ModelCheckError, type BuildReport } from '../../warehouse/build.ts';
import { runSql } from '../../warehouse/queries.ts';
import { warehouseResults } from '../fixtures/warehouse.ts';

const registry = loadContracts();
/** ELO for exrps: the order of results matters, so late events must re-score from their own time. */
const scoring: ScoringSettings = { default: { method: 'wins' }, products: { exrps: { method: 'elo', k: 32, initial: 1500 } } };

function lake() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'incremental-'));
  const lakeDir = path.join(dir, 'lake');
  const workDir = path.join(dir, 'work');
  const warehouse = path.join(dir, 'warehouse.duckdb');
  const ingest = async (file: string) => {
    const sha256 = await hashFile(file);
    const input = { file, sha256, batchId: batchIdOf(sha256) };
    await stageBatch(input, { workDir, lakeDir, registry });
    return commitBatch(input, { lakeDir, workDir, registry });
  };
  const build = (options: { full?: boolean; warehousePath?: string } = {}) =>
    buildWarehouse({ lakeDir, warehousePath: options.warehousePath ?? warehouse, registry, scoring, full: options.full });
  return { dir, lakeDir, warehouse, ingest, build };
}

describe('the incremental warehouse', () => {
  it('equals a full rebuild, mart for mart and row for row, after incremental builds with duplicates, late events, a compaction and a Steam sweep', async () => {
    const l = lake();
    const sim = path.join(l.dir, 'sim');
    const truth = await simulateEvents({ game: 'all', players: 120, events: 1500, seed: 'incr', badRate: 0.02, cheatRate: 0.05, batches: 4, outDir: sim });
    const files = truth.batches.map((b) => path.join(sim, b.file));
    // A batch of late and repeated events: game results and snapshots with the timestamps of the first
    // batch under new event ids (late), and lines of the second batch as they were (duplicates).
    const first = readFileSync(files[0]!, 'utf8')
      .split('\n')
      .filter((line) => /"game_over"|"player_state"|"buy_sword"/.test(line))
      .slice(0, 60);
    const late = first.map((line) => line.replace(/"event_id":"([^"]+)"/, '"event_id":"late-$1"'));
    const again = readFileSync(files[1]!, 'utf8').split('\n').filter(Boolean).slice(0, 40);
    const lateFile = path.join(sim, 'late.ndjson');
    writeFileSync(lateFile, `${[...late, ...again].join('\n')}\n`);

    const reports: BuildReport[] = [];
    await l.ingest(files[0]!);
    reports.push(await l.build());
    // Nothing new: the warehouse is left as it is (the same file, not a copy), and says what it holds.
    const held = statSync(l.warehouse);
    const idle = await l.build();
    expect(idle.unchanged).toBe(true);
    expect([idle.newBatches, idle.checks, idle.batches]).toEqual([0, 0, 1]);
    expect(idle.tables).toEqual(reports[0]!.tables);
    expect([statSync(l.warehouse).ino, statSync(l.warehouse).mtimeMs]).toEqual([held.ino, held.mtimeMs]);
    await l.ingest(files[2]!);
    reports.push(await l.build());
    const lateManifest = await l.ingest(lateFile);
    reports.push(await l.build());
    // Compaction in between: the warehouse's views move to the merged files.
    const compaction = await compactLake({ lakeDir: l.lakeDir });
    expect(compaction.written).toBeGreaterThan(0);
    reports.push(await l.build());
    // A Steam sweep's worth of files: feed pages and the catalogues, fetched from the simulator over HTTP.
    const steam = await startSteamSim({ world: { seed: 'incr', players: 40, matches: 150 } });
    const client = createSteamClient({ baseUrl: steam.url, leagueBaseUrl: steam.url, apiKey: undefined });
    try {
      const fetch = createSteamFetchActivities({ lakeDir: l.lakeDir, client });
      await fetch.steamHeroes();
      await fetch.steamItems();
      await fetch.steamSequencePage({ startSeq: 0, count: 100, by: 'sweep' });
      await fetch.steamSequencePage({ startSeq: 100, count: 100, by: 'sweep' });
    } finally {
      await client.close();
      await steam.close();
    }
    reports.push(await l.build());
    // The second batch arrives last: every event in it is older than the third batch's, and the events the
    // late batch copied from it are duplicates now.
    const copied = (await runSql(l.warehouse, "SELECT count(*) AS n FROM lake_events WHERE batch_id = $b AND NOT starts_with(event_id, 'late-')", { b: lateManifest.batchId }))
      .rows[0]!.n;
    const second = await l.ingest(files[1]!);
    expect(Number(copied)).toBeGreaterThan(0);
    // Those, and the simulator's own repeated lines.
    expect(second.duplicates).toBe(Number(copied) + truth.batches[1]!.duplicates);
    expect(second.duplicatesAcrossBatches).toBeGreaterThanOrEqual(Number(copied));
    reports.push(await l.build());
    await l.ingest(files[3]!);
    reports.push(await l.build());

    expect(reports.map((r) => r.kind)).toEqual(['full', 'incremental', 'incremental', 'incremental', 'incremental', 'incremental', 'incremental']);
    expect(reports.map((r) => r.newBatches)).toEqual([1, 1, 1, 0, 0, 1, 1]);
    // A compaction (new files, no new batch) and a Steam sweep are work: none of these left the file as it was.
    expect(reports.map((r) => r.unchanged ?? false)).toEqual([false, false, false, false, false, false, false]);
    expect(reports[4]!.newSteamFiles).toBeGreaterThan(0);
    expect(reports[6]!.batches).toBe(5);

    const full = path.join(l.dir, 'full.duckdb');
    const rebuilt = await l.build({ full: true, warehousePath: full });
    expect(rebuilt.kind).toBe('full');
    const a = await warehouseResults(l.warehouse);
    const b = await warehouseResults(full);
    expect(Object.keys(a)).toEqual(Object.keys(b));
    expect(Object.keys(a)).toEqual(expect.arrayContaining(['mart_leaderboard', 'mart_trade_anomalies', 'mart_wealth', 'mart_dota_hero_stats', 'leaderboard_trail']));
    for (const table of Object.keys(b)) expect([table, a[table]]).toEqual([table, b[table]]);
    expect(a.mart_dota_matches!.length).toBeGreaterThan(0);

    // ELO from the incremental builds equals ELO over every result in event order.
    const games = (await runSql(full, "SELECT event_id, epoch_ms(occurred_at) AS ms, winner_id, loser_id FROM stg_game_results WHERE product_id = 'exrps'")).rows;
    const expected = scoreProduct(
      games.map((g) => ({ eventId: g.event_id as string, occurredMs: Number(g.ms), winnerId: g.winner_id as string, loserId: g.loser_id as string })),
      scoring.products.exrps!,
    );
    const got = (await runSql(l.warehouse, "SELECT player_id, score, games FROM mart_leaderboard WHERE product_id = 'exrps'")).rows;
    expect(got.length).toBe(expected.length);
    const byPlayer = new Map(expected.map((s) => [s.playerId, s]));
    for (const r of got) {
      expect(r.score as number).toBeCloseTo(byPlayer.get(r.player_id as string)!.score, 9);
      expect(Number(r.games)).toBe(byPlayer.get(r.player_id as string)!.games);
    }
  }, 120_000);

  it("re-scores ELO from a late result's own time, and gives what results in order give", async () => {
    const l = lake();
    const ev = (id: string, minute: number, winner: string, loser: string) =>
      JSON.stringify({
        event_id: id,
        event_type: 'game_over',
        product_id: 'exrps',
        occurred_at: `2026-03-01T10:${String(minute).padStart(2, '0')}:00Z`,
        game_id: `g-${id}`,
        winner_id: winner,
        loser_id: loser,
      });
    const write = (name: string, lines: string[]) => {
      const f = path.join(l.dir, name);
      writeFileSync(f, `${lines.join('\n')}\n`);
      return f;
    };
    await l.ingest(write('b1.ndjson', [ev('e1', 1, 'A', 'B'), ev('e3', 3, 'B', 'C'), ev('e4', 4, 'A', 'C')]));
    await l.build();
    const before = (await runSql(l.warehouse, "SELECT player_id, score FROM mart_leaderboard WHERE product_id = 'exrps' ORDER BY player_id")).rows;
    // A result that happened at 10:02, between e1 and e3, arrives afterwards.
    await l.ingest(write('b2.ndjson', [ev('e2', 2, 'C', 'A')]));
    const report = await l.build();
    expect(report.kind).toBe('incremental');
    const after = (await runSql(l.warehouse, "SELECT player_id, score FROM mart_leaderboard WHERE product_id = 'exrps' ORDER BY player_id")).rows;
    const inOrder = scoreProduct(
      [
        ['e1', 1, 'A', 'B'],
        ['e2', 2, 'C', 'A'],
        ['e3', 3, 'B', 'C'],
        ['e4', 4, 'A', 'C'],
      ].map(([eventId, m, winnerId, loserId]) => ({ eventId: eventId as string, occurredMs: (m as number) * 60_000, winnerId: winnerId as string, loserId: loserId as string })),
      { method: 'elo' },
    );
    const appended = scoreProduct(
      [
        ['e1', 1, 'A', 'B'],
        ['e3', 3, 'B', 'C'],
        ['e4', 4, 'A', 'C'],
        ['e2', 5, 'C', 'A'],
      ].map(([eventId, m, winnerId, loserId]) => ({ eventId: eventId as string, occurredMs: (m as number) * 60_000, winnerId: winnerId as string, loserId: loserId as string })),
      { method: 'elo' },
    );
    const score = (list: typeof inOrder, id: string) => list.find((s) => s.playerId === id)!.score;
    for (const r of after) expect(r.score as number).toBeCloseTo(score(inOrder, r.player_id as string), 9);
    // Applying the late result last would give other ratings: the re-scoring is what made them right.
    expect(Math.abs(score(inOrder, 'C') - score(appended, 'C'))).toBeGreaterThan(0.1);
    expect(before.find((r) => r.player_id === 'C')!.score).not.toBeCloseTo(after.find((r) => r.player_id === 'C')!.score as number, 3);
  });

  it('keeps answering queries while builds replace the warehouse: the old answer or the new, never an error', async () => {
    const l = lake();
    const sim = path.join(l.dir, 'sim');
    const truth = await simulateEvents({ game: 'trade-engine', players: 100, events: 1200, seed: 'readers', badRate: 0, cheatRate: 0.05, batches: 4, outDir: sim });
    const files = truth.batches.map((b) => path.join(sim, b.file));
    await l.ingest(files[0]!);
    await l.build();
    const answers = [Number((await runSql(l.warehouse, 'SELECT count(*) AS n FROM mart_trade_anomalies')).rows[0]!.n)];
    const reader = spawn(process.execPath, [path.resolve(import.meta.dirname, '../fixtures/query-loop.ts'), l.warehouse], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    reader.stdout.on('data', (d) => (out += d));
    const lines = () => out.split('\n').filter(Boolean);
    let duringBuilds = 0;
    try {
      while (lines().length < 5) await new Promise((r) => setTimeout(r, 20));
      for (const f of files.slice(1)) {
        await l.ingest(f);
        const before = lines().length;
        await l.build();
        duringBuilds += lines().length - before;
        answers.push(Number((await runSql(l.warehouse, 'SELECT count(*) AS n FROM mart_trade_anomalies')).rows[0]!.n));
      }
      // The reader went on during the builds (counted over all three: a stall of the reader's process on a
      // busy machine may cover one short build, and proves nothing about the warehouse).
      expect(duringBuilds).toBeGreaterThanOrEqual(3);
      const seen = lines().length;
      while (lines().length < seen + 5) await new Promise((r) => setTimeout(r, 20));
    } finally {
      reader.kill('SIGKILL');
    }
    const results = lines().map((line) => JSON.parse(line) as { ok: boolean; trades?: number; error?: string });
    expect(results.filter((r) => !r.ok)).toEqual([]);
    // Every answer is one of the complete warehouses', in order: never a half-built one.
    const got = results.map((r) => r.trades!);
    expect(new Set(got).size).toBeGreaterThan(1);
    expect(got.every((n) => answers.includes(n))).toBe(true);
    expect([...got].sort((a, b) => a - b)).toEqual(got);
    expect(got.at(-1)).toBe(answers.at(-1));
  }, 120_000);

  it('keeps the previous warehouse when a check fails, and reports which check and how many rows', async () => {
    const l = lake();
    const trade = (id: string, tradeId: string) =>
      JSON.stringify({
        event_id: id,
        event_type: 'trade',
        product_id: 'trade-engine',
        occurred_at: '2026-03-01T10:00:00Z',
        trade_id: tradeId,
        valid: true,
        fail_reason: null,
        sides: [
          { player_id: 1, items: [], gold: 5 },
          { player_id: 2, items: [], gold: 1 },
        ],
      });
    const b1 = path.join(l.dir, 'b1.ndjson');
    writeFileSync(b1, `${trade('x1', 't1')}\n`);
    await l.ingest(b1);
    await l.build();
    const saved = path.join(l.dir, 'saved.duckdb');
    copyFileSync(l.warehouse, saved);
    // Another event (another event id) with the same trade id: mart_trade_anomalies' unique(trade_id) fails.
    const b2 = path.join(l.dir, 'b2.ndjson');
    writeFileSync(b2, `${trade('x2', 't1')}\n`);
    await l.ingest(b2);
    await expect(l.build()).rejects.toThrow(ModelCheckError);
    await expect(l.build()).rejects.toThrow(/mart_trade_anomalies: check unique\(trade_id\) failed for 1 rows/);
    expect(readFileSync(l.warehouse).equals(readFileSync(saved))).toBe(true);
    expect((await runSql(l.warehouse, 'SELECT count(*) AS n FROM batches')).rows).toEqual([{ n: 1n }]);
    expect(lakeSnapshot(l.lakeDir).batches.size).toBe(2);
  });
});
