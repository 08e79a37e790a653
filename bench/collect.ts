// npm run bench:collect [-- --seconds 60] [--connections 16] [--lake-events 1000000] [--stream-events 1000000] [--probes 12] [--only ack,freshness,consumer]
//
// The live front door on loopback, each part in its own process as deployed:
//  1. acknowledgement: autocannon POSTs bodies of 100 simulated events from N connections for S seconds, to
//     the baseline (bench/collect-baseline.ts: append + fdatasync, nothing else: this machine's limit for a
//     durable 202) and then to `gamelake collect` (no Temporal reachable: segments wait in the spool, so the
//     figure is the collector's own); events/s acknowledged, p50/p99 of the 202, the collector's RSS.
//  2. freshness: a lake of 1M events and its warehouse, a Temporal dev server, `gamelake worker` and
//     `gamelake collect`; under a steady background of other events, probes each POST one trade and time
//     the 202 until `trades_count` counts it.
//  3. consumer: a stream of 1M simulated events pre-filled in a real redis-server, read by
//     `gamelake consume redis` until every entry is stored and acknowledged (XINFO GROUPS).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createClient } from 'redis';
import { batchIdOf, hashFile } from '../activities/ingest/inbox.ts';
import { consumerStatus } from '../collector/index.ts';
import { commitBatch, loadContracts, stageBatch } from '../lake/index.ts';
import { freePort } from '../platform/server/dev-server.ts';
import { startRedisServer } from '../platform/server/redis-server.ts';
import { simulateEvents } from '../sim/events/simulate.ts';
import { buildWarehouse } from '../warehouse/build.ts';
import { runSql } from '../warehouse/queries.ts';
import { startBenchTemporal } from './temporal.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    connections: { type: 'string', default: '16' },
    'lake-events': { type: 'string', default: '1000000' },
    'stream-events': { type: 'string', default: '1000000' },
    probes: { type: 'string', default: '12' },
    only: { type: 'string', default: 'ack,freshness,consumer' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const phases = new Set(values.only.split(','));
const log = (line: string) => process.stderr.write(`${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GAMELAKE = path.resolve(import.meta.dirname, '../bin/gamelake.js');
const root = path.join(os.tmpdir(), 'gamelake-bench-collect');
rmSync(root, { recursive: true, force: true });
mkdirSync(root, { recursive: true });
const registry = loadContracts();
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

/** RSS of a process from /proc, sampled every second: the samples and the peak (VmHWM). */
function sampleRss(pid: number) {
  const samples: number[] = [];
  let peak = 0;
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
      samples.push(kb('VmRSS'));
      peak = Math.max(peak, kb('VmHWM'));
    } catch {
      // gone
    }
  };
  const timer = setInterval(read, 1000);
  return {
    stop() {
      read();
      clearInterval(timer);
      return { samples, peak };
    },
  };
}

const exited = (p: ChildProcess) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', r)));
async function kill(p: ChildProcess, signal: NodeJS.Signals = 'SIGKILL') {
  p.kill(signal);
  await exited(p);
}

async function waitForHttp(url: string, what: string) {
  for (let i = 0; i < 300; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${what} did not answer at ${url}`);
}

// ---------------------------------------------------------------------------------------------------
log('simulating the request bodies (100 events each)');
const bodyDir = path.join(root, 'bodies');
const bodySim = await simulateEvents({ game: 'all', players: 2000, events: 12_000, seed: 'collect-bench', badRate: 0, cheatRate: 0.02, batches: 1, outDir: bodyDir });
const bodyLines = readFileSync(path.join(bodyDir, bodySim.batches[0]!.file), 'utf8').split('\n').filter(Boolean);
const bodies: string[] = [];
for (let i = 0; i + 100 <= bodyLines.length; i += 100) bodies.push(`${bodyLines.slice(i, i + 100).join('\n')}\n`);
const meanBody = bodies.reduce((n, b) => n + Buffer.byteLength(b), 0) / bodies.length;

interface AckRun {
  eventsPerSecond: number;
  requests: number;
  refused: number;
  errors: number;
  p50: number;
  p99: number;
  peakRss: number;
  rssEarly: number;
  rssLate: number;
}

async function load(url: string, pid: number): Promise<AckRun> {
  const rss = sampleRss(pid);
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: bodies.map((body) => ({ method: 'POST' as const, path: '/v1/events', headers: { 'content-type': 'application/x-ndjson' }, body })),
  });
  const { samples, peak } = rss.stop();
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const median = (xs: number[]) => pct(xs, 0.5);
  return {
    eventsPerSecond: (result['2xx'] * 100) / result.duration,
    requests: result['2xx'],
    refused: result.non2xx,
    errors: result.errors + result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    peakRss: peak,
    rssEarly: median(samples.slice(quarter, 2 * quarter)),
    rssLate: median(samples.slice(-quarter)),
  };
}

let baseline: AckRun | undefined;
let collector: AckRun | undefined;
if (phases.has('ack')) {
  log(`acknowledgement: ${connections} connections, ${seconds} s each, bodies of 100 events (${(meanBody / 1024).toFixed(1)} KiB)`);
  const baseDir = path.join(root, 'baseline');
  mkdirSync(baseDir, { recursive: true });
  const base = spawn(process.execPath, [path.join(import.meta.dirname, 'collect-baseline.ts'), path.join(baseDir, 'events.ndjson')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => base.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  baseline = await load(`http://127.0.0.1:${port}`, base.pid!);
  await kill(base);
  rmSync(baseDir, { recursive: true, force: true });
  log(`  baseline: ${baseline.eventsPerSecond.toFixed(0)} events/s, p99 ${baseline.p99} ms`);

  const dataDir = path.join(root, 'ack-data');
  const collectPort = await freePort();
  // Nothing listens on this port: the shipper waits, the spool keeps the segments.
  const env = { ...process.env, GAMELAKE_DATA_DIR: dataDir, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, GAMELAKE_WRITE_KEYS: '' };
  const c = spawn(process.execPath, [GAMELAKE, 'collect', '--port', String(collectPort), '--spool-limit-mb', '65536'], { env, stdio: 'ignore' });
  await waitForHttp(`http://127.0.0.1:${collectPort}/v1/health`, 'the collector');
  collector = await load(`http://127.0.0.1:${collectPort}`, c.pid!);
  await kill(c);
  rmSync(dataDir, { recursive: true, force: true });
  log(`  collector: ${collector.eventsPerSecond.toFixed(0)} events/s, p99 ${collector.p99} ms`);
}

// ---------------------------------------------------------------------------------------------------
const freshness: number[] = [];
let lakeAccepted = 0;
const lakeSimDir = path.join(root, 'lake-sim');
const lakeEvents = Number(values['lake-events']);
let lakeFiles: string[] = [];
if (phases.has('freshness') || phases.has('consumer')) {
  log(`simulating ~${lakeEvents.toLocaleString('en-US')} events`);
  const sim = await simulateEvents({
    game: 'all',
    players: 20_000,
    events: Math.round(lakeEvents / 4.86),
    seed: 'collect-lake',
    badRate: 0,
    cheatRate: 0.02,
    batches: 4,
    outDir: lakeSimDir,
  });
  lakeFiles = sim.batches.map((b) => path.join(lakeSimDir, b.file));
}
if (phases.has('freshness')) {
  const dataDir = path.join(root, 'fresh-data');
  const lakeDir = path.join(dataDir, 'lake');
  const workDir = path.join(dataDir, 'work');
  for (const file of lakeFiles) {
    const sha256 = await hashFile(file);
    const input = { file, sha256, batchId: batchIdOf(sha256) };
    await stageBatch(input, { workDir, lakeDir, registry });
    lakeAccepted += (await commitBatch(input, { lakeDir, workDir, registry })).accepted;
  }
  const warehousePath = path.join(dataDir, 'warehouse.duckdb');
  log(`building the warehouse over ${lakeAccepted.toLocaleString('en-US')} events`);
  await buildWarehouse({ lakeDir, warehousePath, registry });

  const temporalDir = path.join(root, 'temporal');
  mkdirSync(temporalDir, { recursive: true });
  const temporal = await startBenchTemporal(temporalDir, log);
  const collectPort = await freePort();
  const env = { ...process.env, GAMELAKE_DATA_DIR: dataDir, TEMPORAL_ADDRESS: temporal.server.address, GAMELAKE_TASK_QUEUE: 'bench-collect', GAMELAKE_WRITE_KEYS: '' };
  const worker = spawn(process.execPath, [GAMELAKE, 'worker'], { env, stdio: 'ignore' });
  const c = spawn(process.execPath, [GAMELAKE, 'collect', '--port', String(collectPort)], { env, stdio: 'ignore' });
  const url = `http://127.0.0.1:${collectPort}/v1/events`;
  await waitForHttp(`http://127.0.0.1:${collectPort}/v1/health`, 'the collector');
  const post = async (body: string) => {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    if (r.status !== 202) throw new Error(`the collector answered ${r.status}: ${await r.text()}`);
  };
  const tradesCount = readFileSync(path.resolve(import.meta.dirname, '../queries/trades_count.sql'), 'utf8');
  const trades = async () => Number((await runSql(warehousePath, tradesCount)).rows[0]!.trades);

  // Background: 2,000 events a second that are not trades (so a probe's trade is the only change in the count).
  const background = bodyLines.filter((l) => !l.includes('"event_type":"trade"'));
  let stopBackground = false;
  let backgroundSent = 0;
  const backgroundLoop = (async () => {
    let k = 0;
    while (!stopBackground) {
      const started = Date.now();
      const chunk = background.slice(k, k + 100).map((l) => l.replace(/"event_id":"([^"]+)"/, `"event_id":"bg-${backgroundSent}-$1"`));
      k = (k + 100) % Math.max(100, background.length - 100);
      await post(`${chunk.join('\n')}\n`);
      backgroundSent += chunk.length;
      await sleep(Math.max(0, 50 - (Date.now() - started)));
    }
  })();
  const template = JSON.parse(bodyLines.find((l) => l.includes('"event_type":"trade"'))!) as Record<string, unknown>;
  // The first probe waits for the first ingestion and build to settle.
  await sleep(15_000);
  const probes = Number(values.probes);
  for (let k = 0; k < probes; k++) {
    const before = await trades();
    const probe = { ...template, event_id: `probe-${k}-${Date.now()}`, trade_id: `probe-trade-${k}-${Date.now()}`, occurred_at: new Date().toISOString() };
    await post(`${JSON.stringify(probe)}\n`);
    const acked = performance.now();
    for (;;) {
      if ((await trades()) > before) break;
      if (performance.now() - acked > 120_000) throw new Error(`probe ${k} was not visible in trades_count after 120 s`);
      await sleep(100);
    }
    freshness.push((performance.now() - acked) / 1000);
    log(`  probe ${k + 1}/${probes}: visible ${freshness.at(-1)!.toFixed(1)} s after its 202`);
  }
  stopBackground = true;
  await backgroundLoop;
  await kill(c, 'SIGTERM');
  await kill(worker, 'SIGTERM');
  await temporal.connection.close();
  await temporal.server.stop();
  log(`  ${backgroundSent.toLocaleString('en-US')} background events sent meanwhile`);
}

// ---------------------------------------------------------------------------------------------------
let consumer: { events: number; seconds: number; peakRss: number } | undefined;
if (phases.has('consumer')) {
  const streamEvents = Number(values['stream-events']);
  const lines = lakeFiles.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
  const redis = await startRedisServer();
  const producer = createClient({ url: redis.url });
  await producer.connect();
  log(`filling a Redis stream with ${streamEvents.toLocaleString('en-US')} events`);
  for (let i = 0; i < streamEvents; i += 5000) {
    const batch = producer.multi();
    for (let k = i; k < Math.min(streamEvents, i + 5000); k++) batch.xAdd('bench', '*', { event: lines[k % lines.length]! });
    await batch.exec();
  }
  await producer.quit();
  const dataDir = path.join(root, 'consume-data');
  const env = { ...process.env, GAMELAKE_DATA_DIR: dataDir, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
  const started = performance.now();
  const c = spawn(process.execPath, [GAMELAKE, 'consume', 'redis', '--url', redis.url, '--stream', 'bench', '--consumer', 'bench'], { env, stdio: 'ignore' });
  const rss = sampleRss(c.pid!);
  for (;;) {
    await sleep(100);
    const [g] = await consumerStatus(redis.url, 'bench').catch(() => []);
    if (g && (g.entriesRead ?? 0) >= streamEvents && g.pending === 0) break;
    if (performance.now() - started > 600_000) throw new Error('the consumer did not finish in 10 minutes');
  }
  const elapsed = (performance.now() - started) / 1000;
  consumer = { events: streamEvents, seconds: elapsed, peakRss: rss.stop().peak };
  await kill(c);
  await redis.stop();
  log(`  consumer: ${(streamEvents / elapsed).toFixed(0)} events/s`);
}

// ---------------------------------------------------------------------------------------------------
out(`\ncollect benchmark: ${os.availableParallelism()} cores, Node ${process.version}, loopback\n`);
const yes = (ok: boolean) => (ok ? 'yes' : 'no');
if (baseline && collector) {
  out(`Acknowledgement: ${connections} connections for ${seconds} s, bodies of 100 events (${(meanBody / 1024).toFixed(1)} KiB).\n`);
  out('| | baseline (append + fdatasync) | gamelake collect | ratio | target | met |');
  out('|---|---:|---:|---:|---|:---:|');
  const ratio = collector.eventsPerSecond / baseline.eventsPerSecond;
  out(
    `| events/s acknowledged | ${baseline.eventsPerSecond.toFixed(0)} | ${collector.eventsPerSecond.toFixed(0)} | ${ratio.toFixed(2)}x | >= 0.5x and >= 50,000 | ${yes(ratio >= 0.5 && collector.eventsPerSecond >= 50_000)} |`,
  );
  out(`| 202 latency p50 ms | ${baseline.p50} | ${collector.p50} | | | |`);
  out(`| 202 latency p99 ms | ${baseline.p99} | ${collector.p99} | | <= 100 | ${yes(collector.p99 <= 100)} |`);
  out(
    `| refused or failed requests | ${baseline.refused + baseline.errors} | ${collector.refused + collector.errors} | | 0 | ${yes(collector.refused + collector.errors === 0)} |`,
  );
  out(`| peak RSS MiB | ${mib(baseline.peakRss)} | ${mib(collector.peakRss)} | | | |`);
  const growth = collector.rssLate / collector.rssEarly;
  out(
    `| RSS 2nd quarter -> last quarter MiB | ${mib(baseline.rssEarly)} -> ${mib(baseline.rssLate)} | ${mib(collector.rssEarly)} -> ${mib(collector.rssLate)} | ${growth.toFixed(2)}x | flat (<= 1.2x) | ${yes(growth <= 1.2)} |`,
  );
}
if (freshness.length > 0) {
  const p50 = pct(freshness, 0.5);
  const p95 = pct(freshness, 0.95);
  out(
    `\nFreshness: ${freshness.length} probes, a 202 until trades_count counts the trade, over a lake of ${lakeAccepted.toLocaleString('en-US')} events, 2,000 other events/s meanwhile (default segment age 5 s).\n`,
  );
  out('| freshness | seconds | target | met |');
  out('|---|---:|---|:---:|');
  out(`| p50 | ${p50.toFixed(1)} | | |`);
  out(`| p95 | ${p95.toFixed(1)} | <= 15 | ${yes(p95 <= 15)} |`);
  out(`| max | ${Math.max(...freshness).toFixed(1)} | | |`);
}
if (consumer) {
  const rate = consumer.events / consumer.seconds;
  out(`\nRedis consumer: ${consumer.events.toLocaleString('en-US')} entries pre-filled, read until all are stored and acknowledged.\n`);
  out('| consumer | figure | target | met |');
  out('|---|---:|---|:---:|');
  out(`| events/s stored and acknowledged | ${rate.toFixed(0)} | >= 50,000 | ${yes(rate >= 50_000)} |`);
  out(`| seconds for the stream | ${consumer.seconds.toFixed(1)} | | |`);
  out(`| peak RSS MiB | ${mib(consumer.peakRss)} | | |`);
}
for (const entry of readdirSync(root)) rmSync(path.join(root, entry), { recursive: true, force: true });
