// npm run bench:ingest [-- --events N] [--memory-check] : ingestion throughput and memory against baselines
// measured in the same run (see README, "Benchmark: npm run bench:ingest").
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000000' },
    dir: { type: 'string' },
    keep: { type: 'boolean' },
    'memory-check': { type: 'boolean' },
    'skip-baselines': { type: 'boolean' },
  },
});
const dir = values.dir ?? path.join(os.tmpdir(), 'gamelake-bench-ingest');
const log = (line: string) => process.stderr.write(`${line}\n`);
const here = path.dirname(new URL(import.meta.url).pathname);
const out = (s: string) => process.stdout.write(`${s}\n`);

function child(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

/** One file of about `target` events from all three games (trade-engine: ~2.9 events per trade). */
async function generate(target: number, name: string): Promise<string> {
  const simDir = path.join(dir, name);
  log(`generating ~${target.toLocaleString('en-US')} events (all games, seed bench) in ${simDir}`);
  await child([
    path.join(here, '../bin/gamelake.js'),
    'simulate',
    'events',
    '--game',
    'all',
    '--players',
    '10000',
    '--events',
    String(Math.round(target / 4.86)),
    '--seed',
    'bench',
    '--out',
    simDir,
  ]);
  return path.join(simDir, 'all-bench-001.ndjson');
}

interface GamelakeRun {
  events: number;
  ms: number;
  maxRssMb: number;
  rssBeforeMb: number;
  accepted: number;
  quarantined: number;
  duplicates: number;
  files: number;
  pairs: number;
  rowGroups: { count: number; min: number; median: number; filesWithSmallGroups: number };
}

/** gamelake end to end: the ingest-batch workflow on a real dev server, its worker in its own process. */
async function gamelake(file: string, name: string): Promise<GamelakeRun> {
  log(`gamelake: ingesting ${path.basename(file)} through the ingest-batch workflow`);
  return JSON.parse(await child([path.join(here, 'ingest-run.ts'), file, path.join(dir, name)])) as GamelakeRun;
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const target = Number(values.events);
const file = await generate(target, 'sim');
const bytes = statSync(file).size;
const g = await gamelake(file, 'run');

let duck: { rows: number; ms: number; maxRssMb: number } | undefined;
let naive: typeof duck;
if (!values['skip-baselines']) {
  log('DuckDB: COPY (SELECT * FROM read_json(file)) TO parquet');
  duck = JSON.parse(await child([path.join(here, 'ingest-baselines.ts'), 'duckdb', file, path.join(dir, 'duckdb.parquet')]));
  log('naive: readline + JSON.parse + parquetjs-lite');
  naive = JSON.parse(await child([path.join(here, 'ingest-baselines.ts'), 'naive', file, path.join(dir, 'naive.parquet')]));
}

const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
const fmt = (n: number) => n.toLocaleString('en-US');
out(`\ningest benchmark: ${fmt(g.events)} events, ${(bytes / 2 ** 20).toFixed(0)} MiB NDJSON, ${os.availableParallelism()} cores, Node ${process.version}`);
out(`accepted ${fmt(g.accepted)}, quarantined ${fmt(g.quarantined)}, duplicates ${fmt(g.duplicates)}; ${g.files} Parquet files for ${g.pairs} (table, partition) pairs`);
out(
  `row groups: ${g.rowGroups.count}, rows per group min ${fmt(g.rowGroups.min)} / median ${fmt(g.rowGroups.median)}; files with a group under 100k rows that have more rows to give: ${g.rowGroups.filesWithSmallGroups}\n`,
);
out('| run | seconds | events/s | peak RSS MiB |');
out('|---|---:|---:|---:|');
out(
  `| gamelake (workflow: validate, dedup, flatten, Parquet) | ${(g.ms / 1000).toFixed(1)} | ${fmt(rate(g.events, g.ms))} | ${Math.round(g.maxRssMb)} (worker ${Math.round(g.rssBeforeMb)} before the batch) |`,
);
if (duck && naive) {
  out(`| DuckDB read_json -> Parquet (no validation) | ${(duck.ms / 1000).toFixed(1)} | ${fmt(rate(duck.rows, duck.ms))} | ${Math.round(duck.maxRssMb)} |`);
  out(`| naive JSON.parse + parquetjs-lite | ${(naive.ms / 1000).toFixed(1)} | ${fmt(rate(naive.rows, naive.ms))} | ${Math.round(naive.maxRssMb)} |`);
}
out('');
out('| target | measured | met |');
out('|---|---:|:---:|');
if (duck && naive) {
  const vsDuck = rate(g.events, g.ms) / rate(duck.rows, duck.ms);
  out(`| >= 0.5x DuckDB's raw rate | ${vsDuck.toFixed(2)}x | ${vsDuck >= 0.5 ? 'yes' : 'no'} |`);
  out(
    `| about 3x the naive writer | ${(rate(g.events, g.ms) / rate(naive.rows, naive.ms)).toFixed(1)}x | ${rate(g.events, g.ms) / rate(naive.rows, naive.ms) >= 3 ? 'yes' : 'no'} |`,
  );
}
out(`| peak RSS <= 1 GiB (input ${(bytes / 2 ** 30).toFixed(2)} GiB) | ${Math.round(g.maxRssMb)} MiB | ${g.maxRssMb <= 1024 ? 'yes' : 'no'} |`);
out(`| Parquet files per batch <= (table, partition) pairs | ${g.files} <= ${g.pairs} | ${g.files <= g.pairs ? 'yes' : 'no'} |`);

if (values['memory-check']) {
  // Memory is bounded by configuration, not input: twice the events may not cost more than 10% more memory.
  const file2 = await generate(target * 2, 'sim2x');
  const g2 = await gamelake(file2, 'run2x');
  const growth = g2.maxRssMb / g.maxRssMb - 1;
  out(
    `| peak RSS at ${fmt(g2.events)} events <= 1.1x the ${fmt(g.events)} figure | ${Math.round(g2.maxRssMb)} MiB (${(growth * 100).toFixed(1)}% more) | ${growth <= 0.1 ? 'yes' : 'no'} |`,
  );
}
if (!values.keep) rmSync(dir, { recursive: true, force: true });
