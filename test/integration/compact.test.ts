import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { batchIdOf, hashFile } from '../../activities/ingest/inbox.ts';
import { commitBatch, lakeSnapshot, loadContracts, stageBatch } from '../../lake/index.ts';
import { startLakeCompact } from '../../platform/client/jobs.ts';
import { Random } from '../../sim/random.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { runCli, tempDataDir, uniqueTaskQueue, useTestClient, exited } from './helpers.ts';
import { catalogFingerprint } from './lake.ts';

const GAMELAKE = path.resolve(import.meta.dirname, '../../bin/gamelake.js');
const testServer = useTestClient();

describe('lake compaction through the worker', () => {
  it('survives the worker killed at seeded points, each on a pristine lake: every kill cuts an attempt short, every table keeps its rows, the lake ends in fewer files', async () => {
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
    // A small target makes many groups, so a kill lands between and inside their commits.
    const targetBytes = 96 * 1024;

    /** A data directory holding a pristine copy of the lake, and a worker of its own on its own queue. */
    const onPristineLake = (name: string) => {
      const dir = path.join(dataDir, name);
      cpSync(lakeDir, path.join(dir, 'lake'), { recursive: true });
      const queue = uniqueTaskQueue(`compact-${name}`);
      const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dir, GAMELAKE_TASK_QUEUE: queue };
      return { dir, queue, start: () => spawn(process.execPath, [GAMELAKE, 'worker'], { env, stdio: 'ignore' }) };
    };
    /** The attempt of the compaction activity a worker runs now (0: none), and whether the workflow moved past it. */
    const running = async (handle: Awaited<ReturnType<typeof startLakeCompact>>) => {
      const d = await handle.describe();
      const pending = d.raw.pendingActivities ?? [];
      const a = pending.find((p) => p.activityType?.name === 'compactLake' && Number(p.state) === 2);
      const past = d.status.name !== 'RUNNING' || pending.some((p) => p.activityType?.name !== 'compactLake');
      return { attempt: a ? (a.attempt ?? 1) : 0, past };
    };

    // How long a compaction of this lake takes in a worker (the process the kills hit, timed by itself).
    const base = onPristineLake('base');
    let worker = base.start();
    let uninterrupted: number;
    try {
      uninterrupted = (await (await startLakeCompact(testServer.client, base.queue, { targetBytes })).result()).compaction.ms;
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }
    expect(await catalogFingerprint(path.join(base.dir, 'lake'))).toEqual(before);

    // A fixed seed in the suite (printed); `npm run test:soak` draws a new one each run.
    const seed = process.env.GAMELAKE_KILL_SEED ?? (process.env.GAMELAKE_SOAK ? String(Date.now() % 100000) : '20261207');
    const random = new Random(`worker-kill:${seed}`);
    const points = Array.from({ length: 3 }, () => Math.floor(random.float() * uninterrupted * 0.8));
    console.log(
      `compaction worker-kill test: seed ${seed} (GAMELAKE_KILL_SEED repeats it); uninterrupted ${uninterrupted} ms in a worker; kills ${points.join(', ')} ms into the first attempt`,
    );

    for (const [i, at] of points.entries()) {
      const label = `kill ${i + 1}, ${at} ms into the compaction`;
      let killed = false;
      // The kill must cut the first attempt short; when that attempt ended first (a quicker moment of a noisy
      // machine), the point is tried again on a new pristine copy, sooner.
      for (let tries = 0, delay = at; !killed; tries++, delay = Math.floor(delay / 4)) {
        if (tries === 4) throw new Error(`${label}: the compaction finished before every kill`);
        const place = onPristineLake(`kill-${i}-${tries}`);
        const lake = path.join(place.dir, 'lake');
        worker = place.start();
        try {
          const handle = await startLakeCompact(testServer.client, place.queue, { targetBytes });
          const deadline = Date.now() + 90_000;
          while ((await running(handle)).attempt === 0) {
            if (Date.now() > deadline) throw new Error(`${label}: the worker never started the compaction`);
            await new Promise((r) => setTimeout(r, 10));
          }
          await new Promise((r) => setTimeout(r, delay));
          const now = await running(handle);
          if (now.attempt === 1 && !now.past) {
            worker.kill('SIGKILL');
            await exited(worker);
            killed = true;
            worker = place.start();
          }
          const result = await handle.result();
          expect(result.compaction.filesAfter, label).toBe(lakeSnapshot(lake).files.length);
          const history = await handle.fetchHistory();
          const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
          // A kill that landed shows as the compaction's attempt 2 (the first ended without a result), one that
          // did not as a first attempt that completed.
          expect(Math.max(...started), label).toBe(killed ? 2 : 1);
          expect(await catalogFingerprint(lake), label).toEqual(before);
          const snapshot = lakeSnapshot(lake);
          expect(snapshot.files.length, label).toBeLessThan(filesBefore);
          if (killed) {
            const status = await runCli(['lake', 'status', '--json'], { GAMELAKE_DATA_DIR: place.dir });
            expect(status.status, status.stderr).toBe(0);
            const tables = JSON.parse(status.stdout).tables as Array<{ table: string; rows: number }>;
            expect(tables.find((t) => t.table === 'events')!.rows, label).toBe(Number(before.events!.split(':')[0]));
            console.log(`compaction ${label}: landed (try ${tries + 1}); attempt 2 took ${result.compaction.ms} ms, ${result.compaction.recovered} interrupted merges undone`);
          }
        } finally {
          worker.kill('SIGTERM');
          await exited(worker);
        }
      }
    }
  }, 480_000);
});
