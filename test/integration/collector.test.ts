import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { describe, expect, inject, it } from 'vitest';
import { parseWriteKeys, serveCollector, Shipper, Spool } from '../../collector/index.ts';
import { dataLayout } from '../../platform/env.ts';
import { ingestWorkflowId } from '../../workflows/index.ts';
import { FRESHNESS_SEGMENTS, warehouseStatus } from '../../warehouse/status.ts';
import { defaultScoring } from '../../warehouse/build.ts';
import { loadContracts } from '../../lake/index.ts';
import { serveUi } from '../../ui/index.ts';
import { Random } from '../../sim/random.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { freePort } from '../../platform/server/dev-server.ts';
import { tempDataDir, uniqueTaskQueue, useTestClient, withWorker, referenceLake, historiesText, runCli, filesText, exited, peakRssMiB } from './helpers.ts';
import { VALID } from '../fixtures/events.ts';
import { eventContent, lakeRows, manifestsOf } from './lake.ts';

const testServer = useTestClient();
const GAMELAKE = path.resolve(import.meta.dirname, '../../bin/gamelake.js');
const KEY = 'collector-test-key-0123456789';

function post(url: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${KEY}`, ...headers } }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: data ? JSON.parse(data) : {} }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the HTTP collector, through the spool and ingest-batch into the lake', () => {
  it('lands every acknowledged event once from concurrent producers that resend requests: the lake holds exactly the simulated events', async () => {
    const simDir = tempDataDir('gamelake-collector-sim-');
    const truth = await simulateEvents({
      game: 'all',
      players: 200,
      events: 6000,
      seed: 'collector',
      badRate: 0.03,
      cheatRate: 0.05,
      batches: 1,
      outDir: simDir,
      recordBadLines: true,
    });
    const file = path.join(simDir, truth.batches[0]!.file);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.pop();
    expect(lines.length).toBe(truth.batches[0]!.lines);
    // The collector skips blank lines (NDJSON allows them between events); a batch file quarantines them.
    const blank = (n: number) => /^[ \t\r]*$/.test(lines[n - 1]!);
    const reasonOf = new Map(truth.batches[0]!.badLines!.map(([line, reason]) => [line, reason]));

    // Reference: the same events as one file.
    const reference = await referenceLake(testServer.client, file);

    const dataDir = tempDataDir();
    const layout = dataLayout(dataDir);
    const queue = uniqueTaskQueue('collector');
    let shipper: Shipper | undefined;
    const spool = new Spool({ dir: layout.spool, segmentBytes: 1 << 20, segmentAgeMs: 700, onClosed: () => shipper?.notify() });
    shipper = new Shipper({ spools: [spool], temporal: async () => testServer.client, taskQueue: queue });
    const collector = await serveCollector({ spool, keys: parseWriteKeys(`*=${KEY}`), shipper, port: 0 });

    // Requests of 100 lines from 6 producers at once; a seeded tenth of them is sent again after its 202
    // (a client whose acknowledgement timed out), every third gzip.
    const requests: number[][] = [];
    for (let i = 0; i < lines.length; i += 100) requests.push(Array.from({ length: Math.min(100, lines.length - i) }, (_, k) => i + k + 1));
    const random = new Random('collector-resend');
    const sends = requests.flatMap((r) => (random.chance(0.1) ? [r, r] : [r]));
    let next = 0;
    const sent: number[] = [];
    await withWorker(dataDir, queue, async () => {
      await Promise.all(
        Array.from({ length: 6 }, async (_, p) => {
          while (next < sends.length) {
            const k = next++;
            const body = Buffer.from(`${sends[k]!.map((n) => lines[n - 1]).join('\n')}\n`);
            const gzip = (k + p) % 3 === 0;
            const r = await post(collector.url, gzip ? gzipSync(body) : body, gzip ? { 'content-encoding': 'gzip' } : {});
            expect(r.status, JSON.stringify(r.body)).toBe(202);
            const kept = sends[k]!.filter((n) => !blank(n));
            expect(r.body.lines).toBe(kept.length);
            sent.push(...kept);
          }
        }),
      );
      await spool.flush();
      const deadline = Date.now() + 180_000;
      while (spool.closed().length > 0 || shipper!.shipping > 0) {
        if (Date.now() > deadline) throw new Error(`the spool was not shipped: ${spool.closed().length} segments left`);
        await new Promise((r) => setTimeout(r, 200));
      }
    });
    await collector.close();

    // What each line sent must have become: the simulator knows which lines are bad and why; a good line
    // or a planted copy sent a second time is a duplicate.
    const seen = new Set<number>();
    const want = { linesIn: 0, accepted: 0, duplicates: 0, rejected: {} as Record<string, number> };
    for (const n of sent) {
      want.linesIn += 1;
      const reason = reasonOf.get(n);
      if (reason && reason !== 'duplicate') want.rejected[reason] = (want.rejected[reason] ?? 0) + 1;
      else if (reason === 'duplicate' || seen.has(n)) want.duplicates += 1;
      else want.accepted += 1;
      seen.add(n);
    }
    expect(want.accepted).toBe(truth.batches[0]!.good);
    expect(sent.length).toBeLessThan(sends.flat().length);
    expect(sends.length).toBeGreaterThan(requests.length);
    const manifests = manifestsOf(layout.lake);
    expect(manifests.length).toBeGreaterThan(1);
    for (const m of manifests) expect(path.basename(m.file)).toMatch(/^collect-\d{8}T\d{9}Z-\d{8}T\d{9}Z-\d+-\d{6}\.ndjson$/);
    const sum = (k: 'linesIn' | 'accepted' | 'duplicates') => manifests.reduce((s, m) => s + m[k], 0);
    expect({ linesIn: sum('linesIn'), accepted: sum('accepted'), duplicates: sum('duplicates') }).toEqual({
      linesIn: want.linesIn,
      accepted: want.accepted,
      duplicates: want.duplicates,
    });
    const rejected: Record<string, number> = {};
    for (const row of await lakeRows(layout.lake, 'quarantine', "kind = 'rejected'")) rejected[row.reason as string] = (rejected[row.reason as string] ?? 0) + 1;
    expect(rejected).toEqual(want.rejected);
    // Every table holds exactly the events of the one-file ingest (batch and line aside).
    expect(await eventContent(layout.lake)).toEqual(await eventContent(reference));
    // Shipped segments are removed; nothing is left open or failed.
    expect(readdirSync(spool.openDir)).toEqual([]);
    expect(spool.closed()).toEqual([]);
    expect(collector.stats).toMatchObject({ accepted: sends.length, events: want.linesIn });
  });

  it('quarantines as unauthorized_product the lines a product-scoped key may not send, and keeps the key out of Temporal', async () => {
    const simDir = tempDataDir('gamelake-collector-scoped-sim-');
    const truth = await simulateEvents({ game: 'all', players: 120, events: 3000, seed: 'collector-scoped', badRate: 0, cheatRate: 0.05, batches: 1, outDir: simDir });
    const file = path.join(simDir, truth.batches[0]!.file);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const allowed = new Set(['placebo', 'varcade']);
    const mine = lines.filter((l) => allowed.has((JSON.parse(l) as { product_id: string }).product_id));
    expect(mine.length).toBeGreaterThan(100);
    expect(lines.length - mine.length).toBeGreaterThan(100);
    const onlyMine = path.join(simDir, 'allowed.ndjson');
    writeFileSync(onlyMine, `${mine.join('\n')}\n`);
    const reference = await referenceLake(testServer.client, onlyMine);

    const dataDir = tempDataDir();
    const layout = dataLayout(dataDir);
    const queue = uniqueTaskQueue('collector-scoped');
    const studioKey = 'studio-key-limited-0123456789';
    const keys = parseWriteKeys(`*=${KEY},placebo=${studioKey},varcade=${studioKey}`);
    let shipper: Shipper | undefined;
    const options = { segmentAgeMs: 500, onClosed: () => shipper?.notify() };
    const spool = new Spool({ dir: path.join(layout.spool, 'collector'), ...options });
    const studio = new Spool({ dir: path.join(layout.spool, 'collector-studio'), products: keys.scopes[0], ...options });
    shipper = new Shipper({ spools: [spool, studio], temporal: async () => testServer.client, taskQueue: queue });
    const collector = await serveCollector({ spool, scoped: new Map([[keys.scopes[0]!.join('\n'), studio]]), keys, shipper, port: 0 });
    await withWorker(dataDir, queue, async () => {
      for (let i = 0; i < lines.length; i += 200) {
        const r = await post(collector.url, Buffer.from(`${lines.slice(i, i + 200).join('\n')}\n`), { authorization: `Bearer ${studioKey}` });
        expect(r.status).toBe(202);
      }
      await studio.flush();
      const deadline = Date.now() + 120_000;
      while (studio.closed().length > 0 || shipper!.shipping > 0) {
        if (Date.now() > deadline) throw new Error('the spool was not shipped');
        await new Promise((r) => setTimeout(r, 200));
      }
      // Each commit asks for a build: wait until every segment is in the marts.
      while (!existsSync(layout.warehouse) || (await warehouseStatus(layout.warehouse, layout.lake)).freshness.some((f) => f.builtAt === null)) {
        if (Date.now() > deadline) throw new Error('the segments were not built into the marts');
        await new Promise((r) => setTimeout(r, 300));
      }
    });
    const scraped = await (await fetch(`${collector.url}/metrics`)).text();
    const requestsSent = Math.ceil(lines.length / 200);
    expect(scraped).toContain(`gamelake_collector_events_total ${lines.length}`);
    expect(scraped).toContain(`gamelake_collector_requests_total{status="202"} ${requestsSent}`);
    await collector.close();
    // Freshness, from each segment's acknowledgements to its build: in order, and shown where operators look.
    const { freshness } = await warehouseStatus(layout.warehouse, layout.lake);
    expect(freshness.length).toBe(Math.min(FRESHNESS_SEGMENTS, manifestsOf(layout.lake).length));
    for (const f of freshness) {
      const t = [f.firstAckAt, f.lastAckAt!, f.committedAt, f.builtAt!].map((x) => Date.parse(x));
      expect(
        [...t].sort((a, b) => a - b),
        JSON.stringify(f),
      ).toEqual(t);
      expect(f.newestSeconds).toBeCloseTo((t[3]! - t[1]!) / 1000, 0);
      expect(f.oldestSeconds).toBeGreaterThanOrEqual(f.newestSeconds!);
    }
    const status = await runCli(['marts', 'status'], { GAMELAKE_DATA_DIR: dataDir });
    expect(status.stdout).toContain('live events, the last segments');
    for (const f of freshness) expect(status.stdout).toContain(f.batchId);
    const ui = await serveUi(
      {
        warehousePath: layout.warehouse,
        lakeDir: layout.lake,
        temporalUiUrl: 'http://localhost:8233',
        namespace: 'default',
        taskQueue: queue,
        registry: loadContracts(),
        scoring: defaultScoring,
      },
      { port: 0 },
    );
    try {
      // The UI's metrics: each mart's freshness since the last build.
      const uiScrape = await (await fetch(`${ui.url}/metrics`)).text();
      expect(uiScrape).toMatch(/^gamelake_mart_freshness_seconds\{mart="mart_leaderboard"\} \d/m);
      expect(uiScrape).toMatch(/^gamelake_last_build_duration_seconds\{kind="(incremental|full)"\} \d/m);
      const page = await (await fetch(`${ui.url}/pipeline`)).text();
      const sources = page.slice(page.indexOf('id="live-sources"'), page.indexOf('id="live-freshness"'));
      expect(sources).toContain(collector.url);
      expect(sources).toContain('stopped');
      // Events counted by the collector: every line sent.
      expect(sources).toContain(lines.length.toLocaleString('en-US'));
      for (const f of freshness) expect(page.slice(page.indexOf('id="live-freshness"'))).toContain(f.batchId);
    } finally {
      await ui.close();
    }
    const manifests = manifestsOf(layout.lake);
    expect(manifests.reduce((s, m) => s + m.accepted, 0)).toBe(mine.length);
    const rejected: Record<string, number> = {};
    for (const m of manifests) for (const [reason, n] of Object.entries(m.rejectedByReason)) rejected[reason] = (rejected[reason] ?? 0) + n;
    expect(rejected).toEqual({ unauthorized_product: lines.length - mine.length });
    expect(await eventContent(layout.lake)).toEqual(await eventContent(reference));
    // The batches carry the products, never the key: not in a workflow's input or history.
    for (const m of manifests) {
      const history = historiesText(await testServer.client.workflow.getHandle(ingestWorkflowId(m.batchId)).fetchHistory());
      expect(history).toMatch(/products.{0,8}placebo/);
      expect(history).not.toContain(studioKey);
    }
  });

  it('takes bad input without failing or storing a secret: keys, a 20 MB body, a gzip bomb of 1 GiB, broken gzip, an empty body, a million tiny events, passwords', async () => {
    const dataDir = tempDataDir();
    const layout = dataLayout(dataDir);
    const queue = uniqueTaskQueue('collector-bad');
    const port = await freePort();
    const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue, GAMELAKE_WRITE_KEYS: `*=${KEY}` };
    const collector = spawn(process.execPath, [GAMELAKE, 'collect', '--port', String(port), '--segment-seconds', '1'], { env, stdio: 'ignore' });
    const worker = spawn(process.execPath, [GAMELAKE, 'worker'], { env, stdio: 'ignore' });
    const url = `http://127.0.0.1:${port}`;
    const SECRET = 'hunter2-collector-secret';
    try {
      for (let i = 0; ; i++) {
        try {
          await fetch(`${url}/v1/health`);
          break;
        } catch {
          if (i > 200) throw new Error('the collector did not start');
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const event = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ...VALID.set_ready, event_id: id, ...extra });
      expect((await post(url, Buffer.from(event('k1')), { authorization: '' })).status).toBe(401);
      expect((await post(url, Buffer.from(event('k2')), { authorization: 'Bearer not-a-key-0123456789' })).status).toBe(401);
      expect((await post(url, Buffer.alloc(20 * 1024 * 1024, 0x20), {})).status).toBe(413);
      // 1 GiB of zeros, gzipped (about 1 MiB: gzip cannot squeeze more): refused while it inflates.
      const bomb = await new Promise<Buffer>((resolve) => {
        const gz = createGzip({ level: 9 });
        const parts: Buffer[] = [];
        gz.on('data', (d: Buffer) => parts.push(d));
        gz.on('end', () => resolve(Buffer.concat(parts)));
        const zeros = Buffer.alloc(16 * 1024 * 1024);
        let left = 64;
        const write = () => {
          while (left > 0) {
            left -= 1;
            if (!gz.write(zeros)) return void gz.once('drain', write);
          }
          gz.end();
        };
        write();
      });
      expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
      expect(await post(url, bomb, { 'content-encoding': 'gzip' })).toMatchObject({ status: 413 });
      expect((await post(url, Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' })).status).toBe(400);
      expect((await post(url, Buffer.alloc(0), {})).status).toBe(400);
      // A million tiny events in one JSON array (3 MB): taken, each line to quarantine at ingestion.
      const tiny = await post(url, Buffer.from(`[${Array.from({ length: 1_000_000 }, () => '{}').join(',')}]`), { 'content-type': 'application/json' });
      expect(tiny).toMatchObject({ status: 202, body: { lines: 1_000_000 } });
      // Passwords, in a good line (an unknown field) and in a bad one (quarantined, masked).
      const good = await post(url, Buffer.from(`${event('pw-good', { password: SECRET })}\n${event('pw-bad', { user_id: { id: 5 }, Password: SECRET })}\n`), {});
      expect(good).toMatchObject({ status: 202, body: { lines: 2 } });
      console.log(`collector bad-input test: the collector's peak RSS ${peakRssMiB(collector.pid!).toFixed(0)} MiB`);
      expect(peakRssMiB(collector.pid!)).toBeLessThan(512);
      for (const deadline = Date.now() + 180_000; manifestsOf(layout.lake).reduce((n, m) => n + m.linesIn, 0) < 1_000_002; ) {
        if (Date.now() > deadline) throw new Error('the accepted bodies did not all reach the lake');
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(collector.exitCode).toBeNull();
    } finally {
      collector.kill('SIGTERM');
      await new Promise((r) => collector.once('exit', r));
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    expect(collector.exitCode).toBe(0);
    const manifests = manifestsOf(layout.lake);
    const rejected: Record<string, number> = {};
    for (const m of manifests) for (const [reason, n] of Object.entries(m.rejectedByReason)) rejected[reason] = (rejected[reason] ?? 0) + n;
    expect(rejected).toEqual({ 'missing_field:event_id': 1_000_000, 'wrong_type:user_id': 1 });
    expect(manifests.reduce((n, m) => n + m.accepted, 0)).toBe(1);
    const quarantined = await lakeRows(layout.lake, 'quarantine', "reason = 'wrong_type:user_id'");
    expect(String(quarantined[0]!.raw)).not.toContain(SECRET);
    expect(filesText(dataDir)).not.toContain(SECRET);
  }, 300_000);

  it('loses no acknowledged event when the collector and the worker are killed (SIGKILL) during a stream of requests: clients resend what got no 202, the lake holds each event once', async () => {
    const simDir = tempDataDir('gamelake-collector-kill-sim-');
    const truth = await simulateEvents({ game: 'all', players: 200, events: 8000, seed: 'collector-kill', badRate: 0, cheatRate: 0.05, batches: 1, outDir: simDir });
    const file = path.join(simDir, truth.batches[0]!.file);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const reference = await referenceLake(testServer.client, file);

    const dataDir = tempDataDir();
    const layout = dataLayout(dataDir);
    const queue = uniqueTaskQueue('collector-kill');
    const port = await freePort();
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      GAMELAKE_DATA_DIR: dataDir,
      GAMELAKE_TASK_QUEUE: queue,
      GAMELAKE_WRITE_KEYS: `*=${KEY},exrps=scoped-key-0123456789abc`,
    };
    const startCollector = () => spawn(process.execPath, [GAMELAKE, 'collect', '--port', String(port), '--segment-seconds', '1'], { env, stdio: 'ignore' });
    const startWorker = () => spawn(process.execPath, [GAMELAKE, 'worker'], { env, stdio: 'ignore' });
    let worker = startWorker();
    let collector = startCollector();
    const url = `http://127.0.0.1:${port}`;
    // A producer's send: resent until a 202 (connection refused or reset while the collector is down).
    let resent = 0;
    const send = async (body: Buffer) => {
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await post(url, body, {});
          if (r.status === 202) return;
          if (r.status !== 503) throw new Error(`collector answered ${r.status}: ${JSON.stringify(r.body)}`);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code !== 'ECONNREFUSED' && code !== 'ECONNRESET' && code !== 'EPIPE') throw err;
        }
        resent += 1;
        if (attempt > 600) throw new Error('the collector did not come back');
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const requests: string[][] = [];
    for (let i = 0; i < lines.length; i += 50) requests.push(lines.slice(i, i + 50));
    const seed = process.env.GAMELAKE_KILL_SEED ?? (process.env.GAMELAKE_SOAK ? String(Date.now() % 100000) : '20261207');
    const random = new Random(`collector-kill:${seed}`);
    // Kills after a seeded number of acknowledged requests (spread over the stream), each followed by a
    // restart: the collector three times, the worker (ingesting the segments closed so far) twice between.
    const killsAt = [0.2, 0.5, 0.8].map((f) => Math.floor(requests.length * (f + (random.float() - 0.5) * 0.1)));
    const workerKillsAt = [0.35, 0.65].map((f) => Math.floor(requests.length * (f + (random.float() - 0.5) * 0.1)));
    let acked = 0;
    const kills: string[] = [];
    try {
      // The first request waits for the collector to listen.
      await send(Buffer.from(`${requests[0]!.join('\n')}\n`));
      acked += 1;
      let next = 1;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < requests.length) {
            const k = next++;
            await send(Buffer.from(`${requests[k]!.join('\n')}\n`));
            acked += 1;
            if (killsAt.includes(acked)) {
              collector.kill('SIGKILL');
              await exited(collector);
              kills.push(`collector after ${acked} acknowledged requests`);
              await new Promise((r) => setTimeout(r, 200));
              collector = startCollector();
            }
            if (workerKillsAt.includes(acked)) {
              worker.kill('SIGKILL');
              await exited(worker);
              kills.push(`worker after ${acked}`);
              await new Promise((r) => setTimeout(r, 200));
              worker = startWorker();
            }
          }
        }),
      );
      // Batches a killed worker was ingesting are retried by Temporal once their heartbeats time out: wait
      // for every event to land, then a stop ships what is left (nothing, or the open segment closed at SIGTERM).
      for (const deadline = Date.now() + 180_000; manifestsOf(layout.lake).reduce((n, m) => n + m.accepted, 0) < truth.batches[0]!.good; ) {
        if (Date.now() > deadline) throw new Error('the acknowledged events did not all reach the lake');
        await new Promise((r) => setTimeout(r, 500));
      }
      collector.kill('SIGTERM');
      await exited(collector);
      expect(collector.exitCode).toBe(0);
    } finally {
      console.log(`collector-kill test: seed ${seed} (GAMELAKE_KILL_SEED repeats it); kills ${kills.join(', ')}; ${resent} sends retried`);
      if (collector.exitCode === null) collector.kill('SIGKILL');
      worker.kill('SIGTERM');
      await exited(worker);
    }
    expect(kills).toHaveLength(5);
    // Every simulated event is in the lake once (a request cut off after its write but before its 202 was
    // resent: its copies are duplicates), and nothing is left in the spool.
    const manifests = manifestsOf(layout.lake);
    expect(manifests.reduce((s, m) => s + m.accepted, 0)).toBe(truth.batches[0]!.good);
    expect(manifests.reduce((s, m) => s + m.quarantined, 0)).toBe(0);
    expect(await eventContent(layout.lake)).toEqual(await eventContent(reference));
    for (const sub of ['open', 'closed']) {
      const dir = path.join(layout.spool, 'collector', sub);
      expect(existsSync(dir) ? readdirSync(dir) : [], sub).toEqual([]);
    }
  }, 300_000);
});
