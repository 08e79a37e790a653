// npm run bench:ingest [-- --events N] : ingestion throughput and memory against baselines measured in the same run.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { batchIdOf, hashFile } from '../activities/ingest/inbox.ts';
import { dataLayout } from '../platform/env.ts';
import { createGamelakeWorker } from '../platform/worker.ts';
import { ingestBatchWorkflow, ingestWorkflowId } from '../workflows/index.ts';
import { startBenchTemporal } from './temporal.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '2000000' }, dir: { type: 'string' }, keep: { type: 'boolean' } } });
const target = Number(values.events);
const dir = values.dir ?? path.join(os.tmpdir(), 'gamelake-bench-ingest');
const log = (line: string) => process.stderr.write(`${line}\n`);
const here = path.dirname(new URL(import.meta.url).pathname);

function child(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

// 1. One file of about `target` events from all three games (trade-engine: ~2.9 events per trade).
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const perGame = Math.round(target / 4.86);
log(`generating ~${target.toLocaleString('en-US')} events (all games, seed bench) in ${dir}`);
await child([path.join(here, '../bin/gamelake.js'), 'simulate', 'events', '--game', 'all', '--players', '10000', '--events', String(perGame), '--seed', 'bench', '--out', path.join(dir, 'sim')]);
const file = path.join(dir, 'sim', 'all-bench-001.ndjson');
const bytes = statSync(file).size;

// 2. gamelake: the real workflow on a real dev server, worker in this process.
const { server, connection, client } = await startBenchTemporal(dir, log);
const dataDir = path.join(dir, 'data');
const { worker, close } = await createGamelakeWorker({ address: server.address, namespace: 'default', taskQueue: 'bench', deps: { layout: dataLayout(dataDir) } });
const rssBefore = process.resourceUsage().maxRSS / 1024;
log('gamelake: ingesting through the ingest-batch workflow');
const t0 = Date.now();
const result = await worker.runUntil(async () => {
  const sha256 = await hashFile(file);
  const batchId = batchIdOf(sha256);
  return client.workflow.execute(ingestBatchWorkflow, { args: [{ file, sha256, batchId }], taskQueue: 'bench', workflowId: ingestWorkflowId(batchId) });
});
const gamelakeMs = Date.now() - t0;
const gamelakeRss = process.resourceUsage().maxRSS / 1024;
await close();
await connection.close();
await server.stop();
const events = result.linesIn;

// 3. Baselines on the same file, each in its own process.
log('DuckDB: COPY (SELECT * FROM read_json(file)) TO parquet');
const duck = JSON.parse(await child([path.join(here, 'ingest-baselines.ts'), 'duckdb', file, path.join(dir, 'duckdb.parquet')])) as { rows: number; ms: number; maxRssMb: number };
log('naive: readline + JSON.parse + parquetjs-lite');
const naive = JSON.parse(await child([path.join(here, 'ingest-baselines.ts'), 'naive', file, path.join(dir, 'naive.parquet')])) as { rows: number; ms: number; maxRssMb: number };

const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
const g = rate(events, gamelakeMs);
const d = rate(duck.rows, duck.ms);
const n = rate(naive.rows, naive.ms);
const rows: Array<[string, string, string, string, string]> = [
  ['gamelake (workflow: validate, dedup, flatten, Parquet)', (gamelakeMs / 1000).toFixed(1), g.toLocaleString('en-US'), `${Math.round(gamelakeRss)} (worker ${Math.round(rssBefore)} before)`, '-'],
  ['DuckDB read_json -> Parquet (no validation)', (duck.ms / 1000).toFixed(1), d.toLocaleString('en-US'), String(Math.round(duck.maxRssMb)), '-'],
  ['naive JSON.parse + parquetjs-lite', (naive.ms / 1000).toFixed(1), n.toLocaleString('en-US'), String(Math.round(naive.maxRssMb)), '-'],
];
const out = (s: string) => process.stdout.write(`${s}\n`);
out(`\ningest benchmark: ${events.toLocaleString('en-US')} events, ${(bytes / 2 ** 20).toFixed(0)} MiB NDJSON, ${os.availableParallelism()} cores, Node ${process.version}`);
out(`accepted ${result.accepted}, quarantined ${result.quarantined}, duplicates ${result.duplicates}, ${result.files.length} Parquet files\n`);
out(`| run | seconds | events/s | peak RSS MiB |`);
out(`|---|---:|---:|---:|`);
for (const r of rows) out(`| ${r[0]} | ${r[1]} | ${r[2]} | ${r[3]} |`);
out('');
out(`| target | measured | met |`);
out(`|---|---:|:---:|`);
out(`| >= 0.5x DuckDB's raw rate | ${(g / d).toFixed(2)}x | ${g / d >= 0.5 ? 'yes' : 'no'} |`);
out(`| >= 15x the naive writer | ${(g / n).toFixed(1)}x | ${g / n >= 15 ? 'yes' : 'no'} |`);
out(`| peak RSS < 1 GiB (input ${(bytes / 2 ** 30).toFixed(2)} GiB) | ${Math.round(gamelakeRss)} MiB | ${gamelakeRss < 1024 ? 'yes' : 'no'} |`);
if (!values.keep) rmSync(dir, { recursive: true, force: true });
