// npm run bench:marts [-- --events N --batches B --increments K] [--keep] [--reuse [--queries-only]] : the lake and the warehouse at scale, in one run:
// files before and after compaction, the full build and every named query's p95 before and after it, the
// full build against one plain scan, an incremental build after one more batch against the full build, and
// the per-build timings of K more incremental builds (their slope), the warehouse's size against the lake's.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { batchIdOf, hashFile } from '../activities/ingest/inbox.ts';
import { commitBatch, compactLake, lakeSnapshot, lakeStatus, loadContracts, stageBatch, vacuumLake } from '../lake/index.ts';
import { openDb, sqlLiteral } from '../lake/duckdb.ts';
import { simulateEvents } from '../sim/events/simulate.ts';
import { buildWarehouse, referencedLakeFiles, type BuildReport } from '../warehouse/build.ts';
import { bindParams, listQueries, runSql } from '../warehouse/queries.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    batches: { type: 'string', default: '100' },
    increments: { type: 'string', default: '20' },
    runs: { type: 'string', default: '20' },
    dir: { type: 'string' },
    keep: { type: 'boolean' },
    reuse: { type: 'boolean' },
    'queries-only': { type: 'boolean' },
    'fixed-cost-only': { type: 'boolean' },
  },
});
const target = Number(values.events);
const batches = Number(values.batches);
const increments = Number(values.increments);
const runs = Number(values.runs);
const dir = values.dir ?? path.join(os.tmpdir(), 'gamelake-bench-marts');
const log = (line: string) => process.stderr.write(`${line}\n`);
const lakeDir = path.join(dir, 'lake');
const workDir = path.join(dir, 'work');
const warehousePath = path.join(dir, 'warehouse.duckdb');
const registry = loadContracts();
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const s = (ms: number) => (ms / 1000).toFixed(1);

// 1. The lake: `batches` batches of about target/batches events, and `increments + 1` more of the same size
//    for the incremental builds (contiguous slices of one simulated timeline), through the real stage and commit.
// --reuse: the lake a run kept (--keep, or one that stopped) is the base; its remaining simulated files are the increments.
let files: string[];
let events = 0;
async function ingest(file: string): Promise<number> {
  const sha256 = await hashFile(file);
  const input = { file, sha256, batchId: batchIdOf(sha256) };
  await stageBatch(input, { workDir, lakeDir, registry });
  const m = await commitBatch(input, { lakeDir, workDir, registry });
  rmSync(path.join(workDir, input.batchId), { recursive: true, force: true });
  rmSync(file, { force: true });
  events += m.accepted;
  return m.accepted;
}
if (values.reuse) {
  const simDir = path.join(dir, 'sim');
  const left = existsSync(simDir)
    ? readdirSync(simDir)
        .filter((f) => f.endsWith('.ndjson'))
        .sort()
        .map((f) => path.join(simDir, f))
    : [];
  files = [...Array.from({ length: batches }, () => ''), ...left];
  for (const m of lakeSnapshot(lakeDir).batches.values()) events += m.accepted;
  log(`reusing the lake in ${lakeDir}: ${fmt(events)} events; ${left.length} simulated batches left for the incremental builds`);
} else {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const all = batches + increments + 1;
  log(`simulating ~${fmt(target * (all / batches))} events in ${all} batches`);
  const truth = await simulateEvents({
    game: 'all',
    players: 20000,
    events: Math.round((target * all) / batches / 4.86),
    seed: 'marts',
    badRate: 0.001,
    cheatRate: 0.02,
    batches: all,
    outDir: path.join(dir, 'sim'),
    progress: log,
  });
  files = truth.batches.map((b) => path.join(dir, 'sim', b.file));
  const t0 = Date.now();
  for (const [i, f] of files.slice(0, batches).entries()) {
    await ingest(f);
    if ((i + 1) % 10 === 0) log(`  ingested ${i + 1}/${batches} batches (${fmt(events)} events, ${s(Date.now() - t0)} s)`);
  }
}
const baseEvents = events;

// 2. One plain scan: every live Parquet file read once into a file-backed DuckDB (the build's footing).
async function plainScan(): Promise<number> {
  const snapshot = lakeSnapshot(lakeDir);
  const scanPath = path.join(dir, 'scan.duckdb');
  rmSync(scanPath, { force: true });
  const db = await openDb({ path: scanPath, threads: 2, memoryLimit: '1GB' });
  const t = Date.now();
  for (const table of [...new Set(snapshot.files.map((f) => f.table))]) {
    const list = snapshot.files.filter((f) => f.table === table).map((f) => sqlLiteral(path.join(lakeDir, f.path)));
    await db.run(`CREATE TABLE "scan_${table}" AS SELECT * FROM read_parquet([${list.join(', ')}], hive_partitioning = true, union_by_name = true)`);
  }
  const ms = Date.now() - t;
  db.close();
  rmSync(scanPath, { force: true });
  return ms;
}

async function build(full: boolean): Promise<BuildReport> {
  const r = await buildWarehouse({ lakeDir, warehousePath, registry, full });
  await vacuumLake(lakeDir, { referenced: await referencedLakeFiles(warehousePath, lakeDir), minAgeMs: 0 });
  return r;
}

// Every named query, `runs` times, each opening the warehouse read-only as `gamelake query` does.
async function queries(): Promise<Array<{ name: string; p50: number; p95: number; rows: number }>> {
  const [player] = (await runSql(warehousePath, "SELECT player_id FROM mart_player_stats WHERE product_id = 'exrps' ORDER BY games DESC LIMIT 1")).rows;
  const [account] = (await runSql(warehousePath, 'SELECT account_id FROM mart_dota_player_stats ORDER BY matches DESC LIMIT 1')).rows;
  const [rich] = (await runSql(warehousePath, "SELECT player_id FROM mart_wealth WHERE product_id = 'trade-engine' ORDER BY wealth DESC LIMIT 1")).rows;
  const given: Record<string, Record<string, string>> = {
    player_stats: { player: String(player?.player_id ?? 'u1') },
    player_matches: { account_id: String(account?.account_id ?? 0) },
    player_wealth_over_time: { player: String(rich?.player_id ?? '1') },
    hero_benchmarks: { hero_id: '1' },
  };
  const out: Array<{ name: string; p50: number; p95: number; rows: number }> = [];
  for (const q of listQueries()) {
    const missing = q.params.filter((p) => p.default === undefined && given[q.name]?.[p.name] === undefined);
    if (missing.length > 0) {
      log(`  (skipping ${q.name}: no value for ${missing.map((p) => p.name).join(', ')} in this benchmark)`);
      continue;
    }
    const params = bindParams(q, given[q.name] ?? {});
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      rows = (await runSql(warehousePath, q.sql, params)).rows.length;
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
    out.push({ name: q.name, p50: pct(0.5), p95: pct(0.95), rows });
  }
  return out;
}

const filesOf = async () => (await lakeStatus(lakeDir)).tables.reduce((n, t) => n + t.files, 0);
const lakeBytes = async () => (await lakeStatus(lakeDir)).tables.reduce((n, t) => n + t.bytes, 0);

// The build's fixed cost: builds with nothing new, and builds after one 10,000-line segment (as a collector
// ships every few seconds), `k` of each, medians; their targets at 10M events: <= 0.5 s and <= 1.5 s.
async function fixedCost(k = 5): Promise<{ idle: number[]; segment: number[]; segmentLines: number; idleKind: string }> {
  const idle: number[] = [];
  await build(false);
  let idleKind = '';
  for (let i = 0; i < k; i++) {
    const r = await build(false);
    idle.push(r.ms);
    idleKind = r.unchanged ? 'unchanged' : r.kind;
  }
  const segment: number[] = [];
  let segmentLines = 0;
  // The simulator writes a line per player and about five per event (`events` is per game): two probes
  // give the line, and so the events for a 10,000-line segment.
  const simulate = (events: number, seed: string, outDir: string) =>
    simulateEvents({ game: 'all', players: 500, events, seed, badRate: 0.001, cheatRate: 0.02, batches: 1, outDir });
  const probeLines = async (events: number) => {
    const probeDir = path.join(dir, `segment-probe-${events}`);
    const lines = (await simulate(events, 'segment-probe', probeDir)).batches[0]!.lines;
    rmSync(probeDir, { recursive: true, force: true });
    return lines;
  };
  const [l1, l2] = [await probeLines(1000), await probeLines(2000)];
  const perSegment = Math.max(1, Math.round(1000 + ((10_000 - l1) * 1000) / (l2 - l1)));
  for (let i = 0; i < k; i++) {
    const segDir = path.join(dir, `segment-${i}`);
    const truth = await simulate(perSegment, `segment-${i}-${Date.now()}`, segDir);
    segmentLines = truth.batches[0]!.lines;
    await ingest(path.join(segDir, truth.batches[0]!.file));
    rmSync(segDir, { recursive: true, force: true });
    segment.push((await build(false)).ms);
  }
  return { idle, segment, segmentLines, idleKind };
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
function fixedCostLines(f: Awaited<ReturnType<typeof fixedCost>>): string[] {
  const mark = (v: number, t: number) => (v <= t ? 'met' : 'MISSED');
  return [
    `\nbuild fixed cost at ${fmt(events)} events (warehouse ${(statSync(warehousePath).size / 2 ** 20).toFixed(1)} MiB), ${f.idle.length} builds each, median (min-max)`,
    '| build | seconds | target |',
    '|---|---:|---|',
    `| nothing new (${f.idleKind}) | ${s(median(f.idle))} (${s(Math.min(...f.idle))}-${s(Math.max(...f.idle))}) | <= 0.5 s at 10M: ${mark(median(f.idle), 500)} |`,
    `| after one ${fmt(f.segmentLines)}-line segment | ${s(median(f.segment))} (${s(Math.min(...f.segment))}-${s(Math.max(...f.segment))}) | <= 1.5 s at 10M: ${mark(median(f.segment), 1500)} |`,
  ];
}

// --reuse --queries-only: every named query's p50/p95 on the kept warehouse, and nothing else.
if (values['queries-only']) {
  if (!values.reuse) throw new Error('--queries-only measures a kept warehouse: use it with --reuse');
  const qs = await queries();
  process.stdout.write(`\nnamed queries on ${warehousePath}, ${runs} runs each\n| named query | rows | p50 ms | p95 ms | p95 < 50 ms |\n|---|---:|---:|---:|:---:|\n`);
  for (const q of qs) process.stdout.write(`| ${q.name} | ${q.rows} | ${q.p50.toFixed(1)} | ${q.p95.toFixed(1)} | ${q.p95 < 50 ? 'yes' : 'no'} |\n`);
  process.exit(0);
}

// --reuse --fixed-cost-only: the build's fixed cost on the kept lake and warehouse, and nothing else.
if (values['fixed-cost-only']) {
  if (!values.reuse) throw new Error('--fixed-cost-only measures a kept lake: use it with --reuse');
  for (const line of fixedCostLines(await fixedCost())) process.stdout.write(`${line}\n`);
  process.exit(0);
}

// Each figure is logged as soon as it is measured (a long run that stops still tells what it measured).
log('plain scan (before compaction)');
const scanBefore = await plainScan();
const filesBefore = await filesOf();
log(`  ${s(scanBefore)} s over ${fmt(filesBefore)} files; full build (before compaction)`);
const fullBefore = await build(true);
log(`  ${s(fullBefore.ms)} s; named queries`);
const queriesBefore = await queries();
log(`  slowest p95 ${Math.max(...queriesBefore.map((q) => q.p95)).toFixed(1)} ms; compacting`);
const compaction = await compactLake({ lakeDir });
const filesAfter = await filesOf();
log(`  ${s(compaction.ms)} s, ${fmt(filesBefore)} -> ${fmt(filesAfter)} files; full build (after compaction)`);
const fullAfter = await build(true);
log(`  ${s(fullAfter.ms)} s; plain scan (after compaction)`);
const scanAfter = await plainScan();
log(`  ${s(scanAfter)} s; named queries`);
const queriesAfter = await queries();
log(`  slowest p95 ${Math.max(...queriesAfter.map((q) => q.p95)).toFixed(1)} ms`);
const sizes = { warehouse: statSync(warehousePath).size, lake: await lakeBytes() };

// 3. Incremental builds: one more batch, then `increments` more, one build each.
const nextBatch = files[batches]!;
const added = await ingest(nextBatch);
const firstIncremental = await build(false);
log(`incremental build after one more batch: ${s(firstIncremental.ms)} s (${firstIncremental.kind})`);
const series: Array<{ events: number; ms: number; kind: string }> = [];
for (const f of files.slice(batches + 1)) {
  await ingest(f);
  const r = await build(false);
  series.push({ events, ms: r.ms, kind: r.kind });
  log(`  incremental build ${series.length}/${increments}: ${s(r.ms)} s at ${fmt(events)} events`);
}
// Least-squares slope of build time against builds (ms per build): flat means the cost follows the new data.
const n = series.length;
const xs = series.map((_, i) => i + 1);
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
const mx = mean(xs);
const my = mean(series.map((p) => p.ms));
const slope = n > 1 ? xs.reduce((acc, x, i) => acc + (x - mx) * (series[i]!.ms - my), 0) / xs.reduce((acc, x) => acc + (x - mx) ** 2, 0) : 0;

log('build fixed cost: builds with nothing new, then after one 10,000-line segment');
const fixed = await fixedCost();
const out = (line: string) => process.stdout.write(`${line}\n`);
out(
  `\nmarts benchmark: ${fmt(baseEvents)} events in ${batches} batches (then ${increments + 1} more, ${fmt(events)} in all), ${os.availableParallelism()} cores, Node ${process.version}\n`,
);
out('| step | before compaction | after compaction |');
out('|---|---:|---:|');
out(`| live Parquet files | ${fmt(filesBefore)} | ${fmt(filesAfter)} |`);
out(`| one plain scan of the lake, s | ${s(scanBefore)} | ${s(scanAfter)} |`);
out(`| full warehouse build, s (${fullAfter.checks} checks) | ${s(fullBefore.ms)} | ${s(fullAfter.ms)} |`);
out(`| full build / plain scan (target <= 1) | ${(fullBefore.ms / scanBefore).toFixed(2)} | ${(fullAfter.ms / scanAfter).toFixed(2)} |`);
out(`| slowest named query p95, ms (target < 50) | ${Math.max(...queriesBefore.map((q) => q.p95)).toFixed(1)} | ${Math.max(...queriesAfter.map((q) => q.p95)).toFixed(1)} |`);
out(`\ncompaction: ${s(compaction.ms)} s, ${compaction.merged} files merged into ${compaction.written}, ${(compaction.bytesRewritten / 2 ** 20).toFixed(0)} MiB written`);
out(
  `warehouse file ${(sizes.warehouse / 2 ** 20).toFixed(1)} MiB against the lake's Parquet ${(sizes.lake / 2 ** 20).toFixed(1)} MiB (${((100 * sizes.warehouse) / sizes.lake).toFixed(1)}%)`,
);
out(
  `incremental build after one more batch (${fmt(added)} events): ${s(firstIncremental.ms)} s = ${((100 * firstIncremental.ms) / fullAfter.ms).toFixed(1)}% of the full build (target <= 5%)`,
);
out(`\n| incremental build | events in the lake | seconds |`);
out('|---:|---:|---:|');
series.forEach((p, i) => out(`| ${i + 1} | ${fmt(p.events)} | ${s(p.ms)} |`));
out(`slope: ${slope >= 0 ? '+' : ''}${slope.toFixed(1)} ms per build (mean ${s(my)} s; ${series.filter((p) => p.kind !== 'incremental').length} were not incremental)`);
for (const line of fixedCostLines(fixed)) out(line);
out('');
out('| named query | rows | p95 ms before compaction | p95 ms after | p95 < 50 ms |');
out('|---|---:|---:|---:|:---:|');
for (const [i, q] of queriesAfter.entries()) out(`| ${q.name} | ${q.rows} | ${queriesBefore[i]!.p95.toFixed(1)} | ${q.p95.toFixed(1)} | ${q.p95 < 50 ? 'yes' : 'no'} |`);
if (!values.keep) rmSync(dir, { recursive: true, force: true });
