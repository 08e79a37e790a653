import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import { batchIdOf, hashFile } from '../../activities/ingest/inbox.ts';
import { freePort, startDevServer, type DevServer } from '../../platform/server/dev-server.ts';
import { ensureSearchAttributes } from '../../platform/search-attributes.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { ingestBatchWorkflow, ingestWorkflowId, type IngestBatchResult } from '../../workflows/index.ts';
import { interruptedAttempts, runCli, runningActivity, tempDataDir, uniqueTaskQueue, useTestClient, withWorker } from './helpers.ts';
import { catalogFingerprint, lakeFingerprint } from './lake.ts';

const GAMELAKE = new URL('../../bin/gamelake.js', import.meta.url).pathname;
const testServer = useTestClient();

/** A small seeded generator (mulberry32): the same seed, the same kill points. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/** Simulated batches, and the lake an uninterrupted worker makes of them (one after another). */
async function batchesAndReference(seed: string, batches: number, events: number) {
  const simDir = tempDataDir('gamelake-crash-sim-');
  const truth = await simulateEvents({ game: 'all', players: 400, events, seed, badRate: 0.02, cheatRate: 0.05, batches, outDir: simDir });
  const files = truth.batches.map((b) => path.join(simDir, b.file));
  const reference = tempDataDir('gamelake-crash-ref-');
  const queue = uniqueTaskQueue('crash-ref');
  const expected: IngestBatchResult[] = [];
  const durations: number[] = [];
  await withWorker(reference, queue, async () => {
    for (const file of files) {
      const sha256 = await hashFile(file);
      const batchId = batchIdOf(sha256);
      const t0 = Date.now();
      expected.push(
        await testServer.client.workflow.execute(ingestBatchWorkflow, { args: [{ file, sha256, batchId }], taskQueue: queue, workflowId: `${ingestWorkflowId(batchId)}-${queue}` }),
      );
      durations.push(Date.now() - t0);
    }
  });
  return { files, expected, durations, referenceLake: path.join(reference, 'lake') };
}

const counts = (r: IngestBatchResult) => ({ linesIn: r.linesIn, accepted: r.accepted, quarantined: r.quarantined, duplicates: r.duplicates, alreadyIngested: r.alreadyIngested });

describe('crash safety, proven', { timeout: 900_000 }, () => {
  it('survives seeded SIGKILLs of the worker that cut at least 10 staging and commit attempts short (by the histories) across 5 batches: every batch completes, the lake equals an uninterrupted run, nothing orphaned', async () => {
    const { files, expected, durations, referenceLake } = await batchesAndReference('crash-kills', 5, 15_000);
    const dataDir = tempDataDir('gamelake-crash-');
    const queue = uniqueTaskQueue('crash');
    const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue };
    // A fixed seed in the suite (printed below); `npm run test:soak` draws a new one each run.
    const seed = Number(process.env.GAMELAKE_KILL_SEED ?? (process.env.GAMELAKE_SOAK ? Date.now() % 100_000 : 20_261_207));
    const rnd = random(seed);
    const kills: string[] = [];
    const missed: string[] = [];
    let owed = 0;
    let worker = spawn(process.execPath, [GAMELAKE, 'worker'], { env, stdio: 'ignore' });
    const results: IngestBatchResult[] = [];
    const handles: WorkflowHandle[] = [];
    let interrupted = 0;
    try {
      for (const [i, file] of files.entries()) {
        const sha256 = await hashFile(file);
        const batchId = batchIdOf(sha256);
        const handle = await testServer.client.workflow.start(ingestBatchWorkflow, {
          args: [{ file, sha256, batchId }],
          taskQueue: queue,
          workflowId: `${ingestWorkflowId(batchId)}-${queue}`,
        });
        handles.push(handle);
        // Two kills per batch, each at a random point of a staging or commit attempt a live worker runs
        // (the next waits for the retry the last caused, so it never hits a worker that is only starting).
        // The second kill of batches 3 and 4 lands in the commit (moving files into the lake, writing the
        // manifest); a commit can finish before it is seen, and then the kill is owed to the next batch's staging.
        // The last batch takes one kill more: ten interrupted attempts are needed, and a kill that finds its
        // activity finished has nowhere to go after the last batch.
        const want = 2 + owed + (i === files.length - 1 ? 1 : 0);
        owed = 0;
        let last = '';
        for (let k = 0; k < want; k++) {
          const target = k === 1 && (i === 2 || i === 3) ? 'commitBatch' : 'stageBatch';
          const deadline = Date.now() + 120_000;
          let activity: { name: string; attempt: number } | undefined;
          let closed = false;
          for (;;) {
            const now = await runningActivity(handle);
            activity = now.activity;
            if (activity && activity.name === target && `${activity.name}#${activity.attempt}` !== last) break;
            if (now.closed) {
              closed = true;
              break;
            }
            if (Date.now() > deadline) throw new Error(`batch ${i + 1}: no new ${target} attempt within 2 minutes`);
            await sleep(10);
          }
          if (closed || !activity) {
            owed += want - k;
            missed.push(`batch ${i + 1} ${target} finished before it was seen`);
            break;
          }
          last = `${activity.name}#${activity.attempt}`;
          const delay = Math.round(rnd() * (target === 'commitBatch' ? 40 : Math.min(1500, durations[i]!)));
          await sleep(delay);
          // Still the same attempt? A kill after it finished would hit the next step (cleanup, the build
          // request) or an idle worker: then it is owed to the next staging.
          const hit = (await runningActivity(handle)).activity;
          if (!hit || hit.name !== activity.name || hit.attempt !== activity.attempt) {
            owed += 1;
            missed.push(`batch ${i + 1} ${target} attempt ${activity.attempt} ended within ${delay} ms`);
            continue;
          }
          worker.kill('SIGKILL');
          await exited(worker);
          kills.push(`batch ${i + 1} ${hit.name} attempt ${hit.attempt} +${delay} ms`);
          worker = spawn(process.execPath, [GAMELAKE, 'worker'], { env, stdio: 'ignore' });
        }
        results.push(await handle.result());
      }
      for (const h of handles) interrupted += await interruptedAttempts(h);
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
      console.log(
        `worker-kill test: seed ${seed} (GAMELAKE_KILL_SEED repeats it); ${kills.length} kills, ${interrupted} attempts interrupted (histories): ${kills.join('; ')}${missed.length ? `; moved on: ${missed.join('; ')}` : ''}`,
      );
    }
    expect(kills.length).toBeGreaterThanOrEqual(10);
    // The kills hit work: at least 10 staging or commit attempts ended without a result.
    expect(interrupted).toBeGreaterThanOrEqual(10);
    expect(results.map(counts)).toEqual(expected.map(counts));
    // Read the way an external engine reads a Hive-partitioned folder (every Parquet file under the
    // table's folders), and the way the warehouse does (the catalog's live files): both equal the reference.
    expect(await lakeFingerprint(path.join(dataDir, 'lake'))).toEqual(await lakeFingerprint(referenceLake));
    expect(await catalogFingerprint(path.join(dataDir, 'lake'))).toEqual(await catalogFingerprint(referenceLake));
    expect(existsSync(path.join(dataDir, 'work')) ? readdirSync(path.join(dataDir, 'work')) : []).toEqual([]);
  });

  it('rides out a Temporal server killed and restarted mid-batch: ingest --wait returns the batch, the lake equals an uninterrupted run', async () => {
    const { files, expected, referenceLake } = await batchesAndReference('crash-server', 1, 40_000);
    const dir = tempDataDir('gamelake-crash-server-');
    const port = await freePort();
    const serverOptions = { binary: inject('temporalCli'), dbFile: path.join(dir, 'temporal.db'), port, uiPort: false as const, logFile: path.join(dir, 'server.log') };
    let server: DevServer = await startDevServer(serverOptions);
    const connection = await Connection.connect({ address: server.address });
    await ensureSearchAttributes(connection, 'default');
    await connection.close();
    const dataDir = path.join(dir, 'data');
    const queue = uniqueTaskQueue('crash-server');
    const env = { TEMPORAL_ADDRESS: server.address, GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue };
    const worker = spawn(process.execPath, [GAMELAKE, 'worker'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    try {
      const waiting = runCli(['ingest', files[0]!, '--wait'], env, 600_000);
      // Kill the server once the batch is being staged, and start it again on the same database.
      const client = new Client({ connection: await Connection.connect({ address: server.address }) });
      const batchId = batchIdOf(await hashFile(files[0]!));
      const handle = client.workflow.getHandle(ingestWorkflowId(batchId));
      const deadline = Date.now() + 120_000;
      for (;;) {
        const a = (await runningActivity(handle).catch(() => undefined))?.activity;
        if (a && a.name === 'stageBatch') break;
        if (Date.now() > deadline) throw new Error('the batch never started staging');
        await sleep(25);
      }
      await client.connection.close();
      await sleep(300);
      server.process.kill('SIGKILL');
      await exited(server.process);
      await sleep(3000);
      server = await startDevServer(serverOptions);
      const r = await waiting;
      expect(r.status, r.stderr).toBe(0);
      const e = expected[0]!;
      expect(r.stdout).toContain(`${e.linesIn} lines`);
      expect(r.stdout).toContain(`${e.accepted} accepted`);
      expect(r.stdout).toContain(`${e.quarantined} quarantined`);
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
      await server.stop();
    }
    expect(await lakeFingerprint(path.join(dataDir, 'lake'))).toEqual(await lakeFingerprint(referenceLake));
  });
});
