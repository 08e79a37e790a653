// npm run bench:ui [-- --data DIR] [--runs N] : p50/p95 of every gamelake UI page, served in this process
// against a data directory (default: a small one made here; pass the one `npm run bench:marts -- --keep`
// leaves, /tmp/gamelake-bench-marts, for 10 million events), with a real Temporal dev server for the
// Pipeline page's failed batches and Schedules.
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { batchIdOf, hashFile } from '../activities/ingest/inbox.ts';
import { commitBatch, lakeSnapshot, loadContracts, stageBatch } from '../lake/index.ts';
import { simulateEvents } from '../sim/events/simulate.ts';
import { serveUi } from '../ui/index.ts';
import { buildWarehouse, defaultScoring } from '../warehouse/build.ts';
import { runSql } from '../warehouse/queries.ts';
import { startBenchTemporal } from './temporal.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, runs: { type: 'string', default: '20' }, events: { type: 'string', default: '200000' } } });
const runs = Number(values.runs);
const log = (line: string) => process.stderr.write(`${line}\n`);
const registry = loadContracts();

let dataDir = values.data;
const own = !dataDir;
if (!dataDir) {
  dataDir = path.join(os.tmpdir(), 'gamelake-bench-ui');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  log(`simulating ~${Number(values.events).toLocaleString('en-US')} events in 4 batches`);
  const truth = await simulateEvents({
    game: 'all',
    players: 5000,
    events: Math.round(Number(values.events) / 4.86),
    seed: 'ui-bench',
    badRate: 0.01,
    cheatRate: 0.02,
    batches: 4,
    outDir: path.join(dataDir, 'sim'),
  });
  for (const b of truth.batches) {
    const file = path.join(dataDir, 'sim', b.file);
    const sha256 = await hashFile(file);
    const input = { file, sha256, batchId: batchIdOf(sha256) };
    await stageBatch(input, { workDir: path.join(dataDir, 'work'), lakeDir: path.join(dataDir, 'lake'), registry });
    await commitBatch(input, { lakeDir: path.join(dataDir, 'lake'), workDir: path.join(dataDir, 'work'), registry });
  }
  await buildWarehouse({ lakeDir: path.join(dataDir, 'lake'), warehousePath: path.join(dataDir, 'warehouse.duckdb'), registry });
}
const warehousePath = path.join(dataDir, 'warehouse.duckdb');
const lakeDir = path.join(dataDir, 'lake');
const events = lakeSnapshot(lakeDir);
const accepted = [...events.batches.values()].reduce((n, m) => n + m.accepted, 0);

const temporalDir = path.join(os.tmpdir(), 'gamelake-bench-ui-temporal');
rmSync(temporalDir, { recursive: true, force: true });
mkdirSync(temporalDir, { recursive: true });
const { server, connection, client } = await startBenchTemporal(temporalDir, log);
const ui = await serveUi(
  { warehousePath, lakeDir, temporalUiUrl: 'http://localhost:8233', namespace: 'default', taskQueue: 'bench', registry, scoring: defaultScoring, temporal: async () => client },
  { port: 0 },
);

// Pages with the parameters a person would use: the biggest leaderboard's top player, a Dota account.
const [player] = (await runSql(warehousePath, "SELECT player_id FROM mart_leaderboard WHERE product_id = 'exrps' ORDER BY rank LIMIT 1")).rows;
const [account] = (await runSql(warehousePath, 'SELECT account_id FROM mart_dota_player_stats ORDER BY matches DESC LIMIT 1')).rows;
const pages = [
  '/pipeline',
  '/leaderboards?product=exrps',
  '/leaderboards?product=exrps&offset=500',
  `/players/exrps/${encodeURIComponent(String(player?.player_id ?? 'u1'))}`,
  '/players/trade-engine/1',
  '/economy?product=trade-engine',
  '/economy?product=placebo',
  '/trades',
  '/trades?offset=1000',
  `/dota${account ? `?account_id=${account.account_id}` : ''}`,
  '/catalog',
  '/queries',
  '/queries/leaderboard?run=1',
  `/sql?q=${encodeURIComponent('SELECT * FROM mart_trade_anomalies ORDER BY imbalance_ratio DESC LIMIT 100')}`,
];
const results: Array<{ page: string; p50: number; p95: number; bytes: number }> = [];
for (const p of pages) {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    const res = await fetch(`${ui.url}${p}`);
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${p} answered ${res.status}: ${body.slice(0, 200)}`);
    if (i >= 2) times.push(performance.now() - t);
    bytes = body.length;
  }
  times.sort((a, b) => a - b);
  const pct = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  results.push({ page: p.length > 60 ? `${p.slice(0, 57)}...` : p, p50: pct(0.5), p95: pct(0.95), bytes });
  log(`  ${p}: p95 ${pct(0.95).toFixed(0)} ms`);
}
await ui.close();
await connection.close();
await server.stop();

const out = (line: string) => process.stdout.write(`${line}\n`);
out(
  `\nui benchmark: ${accepted.toLocaleString('en-US')} events in ${events.batches.size} batches (${events.files.length} live lake files), ${runs} runs per page, ${os.availableParallelism()} cores, Node ${process.version}\n`,
);
out('| page | p50 ms | p95 ms | KiB | p95 < 300 ms |');
out('|---|---:|---:|---:|:---:|');
for (const r of results) out(`| \`${r.page}\` | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} | ${(r.bytes / 1024).toFixed(0)} | ${r.p95 < 300 ? 'yes' : 'no'} |`);
if (own) rmSync(dataDir, { recursive: true, force: true });
rmSync(temporalDir, { recursive: true, force: true });
