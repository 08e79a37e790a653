// npm run bench:marts [-- --events N] : warehouse build time against one plain scan of the same Parquet,
// and p50/p95 latency of every named query (each run opens the warehouse read-only, as `gamelake query` does).
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { batchIdOf, hashFile } from '../activities/ingest/inbox.ts';
import { commitBatch, committedBatches, loadContracts, readManifest, stageBatch } from '../lake/index.ts';
import { simulateEvents } from '../sim/events/simulate.ts';
import { buildWarehouse } from '../warehouse/build.ts';
import { openDb, sqlLiteral } from '../lake/duckdb.ts';
import { bindParams, listQueries, runSql } from '../warehouse/queries.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '10000000' }, runs: { type: 'string', default: '20' }, dir: { type: 'string' }, keep: { type: 'boolean' }, reuse: { type: 'boolean' } } });
const target = Number(values.events);
const runs = Number(values.runs);
const dir = values.dir ?? path.join(os.tmpdir(), 'gamelake-bench-marts');
const log = (line: string) => process.stderr.write(`${line}\n`);
const lakeDir = path.join(dir, 'lake');
const workDir = path.join(dir, 'work');
const warehousePath = path.join(dir, 'warehouse.duckdb');
const registry = loadContracts();

// 1. A lake of about `target` events in 10 batches, through the real staging and commit
//    (--reuse: measure the lake a previous run left in --dir, kept with --keep).
let events = 0;
const batches = values.reuse ? [] : await simulateLake();
async function simulateLake() {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`simulating ~${target.toLocaleString('en-US')} events in 10 batches`);
  const truth = await simulateEvents({ game: 'all', players: 20000, events: Math.round(target / 4.86), seed: 'marts', badRate: 0.001, cheatRate: 0.02, batches: 10, outDir: path.join(dir, 'sim'), progress: log });
  return truth.batches;
}
for (const b of batches) {
  const file = path.join(dir, 'sim', b.file);
  const sha256 = await hashFile(file);
  const input = { file, sha256, batchId: batchIdOf(sha256) };
  await stageBatch(input, { workDir, lakeDir, registry });
  const m = await commitBatch(input, { lakeDir, workDir, registry });
  log(`  committed ${b.file}: ${m.accepted.toLocaleString('en-US')} events`);
  rmSync(path.join(workDir, input.batchId), { recursive: true, force: true });
}
const committed = committedBatches(lakeDir).map((id) => readManifest(lakeDir, id)!);
for (const m of committed) events += m.accepted;

// 2. One plain scan: every committed Parquet file read once into DuckDB, nothing computed.
const files = committed.flatMap((m) => m.files.filter((f) => !f.startsWith('_')).map((f) => path.join(lakeDir, f)));
const tables = [...new Set(files.map((f) => path.relative(lakeDir, f).split(path.sep)[0]!))];
// File-backed, like the build's own database, so both are measured on the same footing.
const scanPath = path.join(dir, 'scan.duckdb');
rmSync(scanPath, { force: true });
const scanDb = await openDb({ path: scanPath, threads: 2, memoryLimit: '1GB' });
let t = Date.now();
for (const table of tables) {
  const list = files.filter((f) => path.relative(lakeDir, f).startsWith(`${table}${path.sep}`));
  await scanDb.run(`CREATE TABLE scan_${table} AS SELECT * FROM read_parquet([${list.map(sqlLiteral).join(', ')}], hive_partitioning = true, union_by_name = true)`);
}
const scanMs = Date.now() - t;
scanDb.close();
rmSync(scanPath, { force: true });

// 3. The full build.
log('building the warehouse');
t = Date.now();
const report = await buildWarehouse({ lakeDir, warehousePath, registry });
const buildMs = Date.now() - t;

// 4. Every named query, `runs` times each.
// Queries with a required parameter get a value that exists in the data (or one that matches nothing).
const [player] = (await runSql(warehousePath, "SELECT player_id FROM mart_player_stats WHERE product_id = 'exrps' ORDER BY games DESC LIMIT 1")).rows;
const [account] = (await runSql(warehousePath, 'SELECT account_id FROM mart_dota_player_stats ORDER BY matches DESC LIMIT 1')).rows;
const given: Record<string, Record<string, string>> = {
  player_stats: { player: String(player?.player_id ?? 'u1') },
  player_matches: { account_id: String(account?.account_id ?? 0) },
};
const latencies: Array<{ name: string; p50: number; p95: number; rows: number }> = [];
for (const q of listQueries()) {
  const params = bindParams(q, given[q.name] ?? {});
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    rows = (await runSql(warehousePath, q.sql, params)).rows.length;
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
  latencies.push({ name: q.name, p50: pct(0.5), p95: pct(0.95), rows });
}

const out = (s: string) => process.stdout.write(`${s}\n`);
out(`\nmarts benchmark: ${events.toLocaleString('en-US')} events in ${committed.length} batches, ${files.length} Parquet files, ${os.availableParallelism()} cores, Node ${process.version}\n`);
out('| step | seconds |');
out('|---|---:|');
out(`| one plain scan of the lake's Parquet | ${(scanMs / 1000).toFixed(1)} |`);
out(`| full warehouse build (${report.checks} checks) | ${(buildMs / 1000).toFixed(1)} |`);
out(`| ratio build / scan (target <= 3) | ${(buildMs / scanMs).toFixed(2)} ${buildMs / scanMs <= 3 ? '(met)' : '(not met)'} |\n`);
out('| named query | rows | p50 ms | p95 ms | p95 < 100 ms |');
out('|---|---:|---:|---:|:---:|');
for (const l of latencies) out(`| ${l.name} | ${l.rows} | ${l.p50.toFixed(1)} | ${l.p95.toFixed(1)} | ${l.p95 < 100 ? 'yes' : 'no'} |`);
if (!values.keep) rmSync(dir, { recursive: true, force: true });
