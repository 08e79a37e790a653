import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { batchIdOf, hashFile } from '../../activities/ingest/inbox.ts';
import { commitBatch, compactLake, lakeSnapshot, loadContracts, stageBatch } from '../../lake/index.ts';
import { startLakeCompact } from '../../platform/client/jobs.ts';
import { Random } from '../../sim/random.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { runCli, tempDataDir, uniqueTaskQueue, useTestClient } from './helpers.ts';
import { catalogFingerprint } from './lake.ts';

const GAMELAKE = path.resolve(import.meta.dirname, '../../bin/gamelake.js');
const testServer = useTestClient();

describe('lake compaction through the worker', () => {
  it('survives the worker killed at random points: every table keeps its rows, each partition ends in one file', async () => {
    const dataDir = tempDataDir();
    const lakeDir = path.join(dataDir, 'lake');
    const workDir = path.join(dataDir, 'work');
    const registry = loadContracts();
    const truth = await simulateEvents({
      game: 'all',
      players: 300,
      events: 24_000,
      seed: 'compact-kill',
      badRate: 0.01,
      cheatRate: 0.02,
      batches: 6,
      outDir: path.join(dataDir, 'sim'),
    });
    for (const b of truth.batches) {
      const file = path.join(dataDir, 'sim', b.file);
      const sha256 = await hashFile(file);
      const input = { file, sha256, batchId: batchIdOf(sha256) };
      await stageBatch(input, { workDir, lakeDir, registry });
      await commitBatch(input, { lakeDir, workDir, registry });
    }
    const before = await catalogFingerprint(lakeDir);
    const filesBefore = lakeSnapshot(lakeDir).files.length;

    // How long an uninterrupted compaction of this lake takes (on a copy), to aim the kills inside one.
    const copy = path.join(dataDir, 'copy');
    cpSync(lakeDir, copy, { recursive: true });
    const targetBytes = 96 * 1024;
    const t0 = Date.now();
    await compactLake({ lakeDir: copy, targetBytes });
    const uninterrupted = Date.now() - t0;

    const queue = uniqueTaskQueue('compact');
    const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue };
    const startWorker = () => spawn(process.execPath, [GAMELAKE, 'worker'], { env, stdio: 'ignore' });
    const seed = process.env.GAMELAKE_KILL_SEED ?? String(Date.now() % 100000);
    const random = new Random(`worker-kill:${seed}`);
    const kills = Array.from({ length: 3 }, () => Math.floor(random.float() * uninterrupted * 0.8));
    console.log(`compaction worker-kill test: seed ${seed} (set GAMELAKE_KILL_SEED to repeat); uninterrupted ${uninterrupted} ms; kills ${kills.join(', ')} ms into an attempt`);

    let worker = startWorker();
    // A small target makes many groups, so a kill lands between and inside their commits.
    const handle = await startLakeCompact(testServer.client, queue, { targetBytes });
    /** The attempt of the compaction activity a worker is running now (0: none), and whether the workflow moved past it. */
    const running = async () => {
      const d = await handle.describe();
      const pending = d.raw.pendingActivities ?? [];
      const a = pending.find((p) => p.activityType?.name === 'compactLake' && Number(p.state) === 2);
      const past = d.status.name !== 'RUNNING' || pending.some((p) => p.activityType?.name !== 'compactLake');
      return { attempt: a ? (a.attempt ?? 1) : 0, past };
    };
    let landed = 0;
    try {
      let killedAttempt = 0;
      for (const at of kills) {
        const deadline = Date.now() + 90_000;
        let now = await running();
        while (now.attempt <= killedAttempt && !now.past) {
          if (Date.now() > deadline) throw new Error('the worker never started the compaction again');
          await new Promise((r) => setTimeout(r, 20));
          now = await running();
        }
        // The compaction finished before this kill's turn: the rest of the kills have nothing to cut.
        if (now.past) break;
        await new Promise((r) => setTimeout(r, at));
        worker.kill('SIGKILL');
        await new Promise((r) => worker.once('exit', r));
        killedAttempt = now.attempt;
        landed += 1;
        worker = startWorker();
      }
      const result = await handle.result();
      expect(result.compaction.filesAfter).toBe(lakeSnapshot(lakeDir).files.length);
      // Every kill landed inside the compaction: its activity ran again on a new worker each time.
      const history = await handle.fetchHistory();
      const attempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes?.attempt).map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
      console.log(
        `compaction: ${landed} kills landed; attempts ${attempts.join(', ')}; the last ${result.compaction.ms} ms, ${result.compaction.groups} groups left, ${result.compaction.recovered} interrupted merges undone`,
      );
      expect(landed).toBeGreaterThan(0);
      expect(Math.max(...attempts)).toBeGreaterThanOrEqual(landed + 1);
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    expect(await catalogFingerprint(lakeDir)).toEqual(before);
    const snapshot = lakeSnapshot(lakeDir);
    expect(snapshot.files.length).toBeLessThan(filesBefore);
    const status = await runCli(['lake', 'status', '--json'], { GAMELAKE_DATA_DIR: dataDir });
    expect(status.status, status.stderr).toBe(0);
    const tables = JSON.parse(status.stdout).tables as Array<{ table: string; files: number; rows: number }>;
    expect(tables.find((t) => t.table === 'events')!.rows).toBe(Number(before.events!.split(':')[0]));
  }, 240_000);
});
