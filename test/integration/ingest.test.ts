import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { batchIdOf, hashFile } from '../../activities/ingest/inbox.ts';
import { startInboxWatcher } from '../../platform/client/schedules.ts';
import { simulateEvents, type SimulationTruth } from '../../sim/events/simulate.ts';
import { inboxWorkflowId, ingestBatchWorkflow, ingestInboxWorkflow, ingestWorkflowId, type IngestBatchResult } from '../../workflows/index.ts';
import { runCli, tempDataDir, useTestClient, uniqueTaskQueue, waitForList, withWorker, runningActivity } from './helpers.ts';
import { lakeFingerprint, lakeRows } from './lake.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GAMELAKE = path.join(ROOT, 'bin/gamelake.js');

const testServer = useTestClient();

async function ingest(file: string, taskQueue: string): Promise<IngestBatchResult> {
  const sha256 = await hashFile(file);
  const batchId = batchIdOf(sha256);
  return testServer.client.workflow.execute(ingestBatchWorkflow, { args: [{ file, sha256, batchId }], taskQueue, workflowId: `${ingestWorkflowId(batchId)}-${taskQueue}` });
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((s, n) => s + n, 0);

describe('a mixed good/bad batch', () => {
  let dataDir: string;
  let truth: SimulationTruth;
  let simDir: string;
  const taskQueue = uniqueTaskQueue('ingest');
  const env = () => ({ ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: taskQueue });
  const cliJson = async (files: string[]) => {
    const r = await runCli(['ingest', '--json', ...files], env());
    expect(r.status, r.stderr).toBe(0);
    return r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as IngestBatchResult);
  };

  beforeAll(async () => {
    dataDir = tempDataDir();
    simDir = path.join(dataDir, 'sim');
    truth = await simulateEvents({ game: 'all', players: 100, events: 2000, seed: 'it', badRate: 0.05, cheatRate: 0.05, batches: 2, outDir: simDir, maxLineBytes: 1 << 20 });
  });

  it('gives exact counts, quarantine reasons and lake rows; re-ingesting changes nothing', async () => {
    const files = truth.batches.map((b) => path.join(simDir, b.file));
    await withWorker(dataDir, taskQueue, async () => {
      const results = await cliJson(files);
      expect(results).toHaveLength(2);
      results.forEach((r, k) => {
        const b = truth.batches[k]!;
        expect(Object.keys(r).sort()).toEqual(['accepted', 'alreadyIngested', 'batchId', 'duplicates', 'file', 'files', 'linesIn', 'quarantined']);
        expect(r).toMatchObject({ file: files[k], linesIn: b.lines, quarantined: sum(b.rejected), alreadyIngested: false });
        expect(r.linesIn).toBe(r.accepted + r.quarantined + r.duplicates);
      });
      // The batches run concurrently: which copy of an event counts as the duplicate depends on which batch
      // committed first, but each event is accepted exactly once.
      expect(results[0]!.accepted + results[1]!.accepted).toBe(truth.batches[0]!.good + truth.batches[1]!.good);
      expect(results[0]!.duplicates + results[1]!.duplicates).toBe(truth.batches[0]!.duplicates + truth.batches[1]!.duplicates);
      const lake = path.join(dataDir, 'lake');
      // The simulator repeats lines of batch 1 in batch 2: whichever batch committed second found them.
      const manifests = results.map((r) => JSON.parse(readFileSync(path.join(lake, '_manifests', `${r.batchId}.json`), 'utf8')));
      expect(manifests[0].duplicatesAcrossBatches + manifests[1].duplicatesAcrossBatches).toBeGreaterThan(0);

      // Every rejected line is in quarantine with its reason.
      for (const [k, r] of results.entries()) {
        const q = await lakeRows(lake, 'quarantine', `batch_id = '${r.batchId}' AND kind = 'rejected'`);
        const reasons: Record<string, number> = {};
        for (const row of q) reasons[row.reason as string] = (reasons[row.reason as string] ?? 0) + 1;
        expect(reasons).toEqual(truth.batches[k]!.rejected);
        expect((await lakeRows(lake, 'quarantine', `batch_id = '${r.batchId}' AND kind = 'duplicate'`)).length).toBe(r.duplicates);
      }
      expect((await lakeRows(lake, 'trades')).length).toBe(truth.games['trade-engine']!.trades);
      expect((await lakeRows(lake, 'events')).length).toBe(truth.batches[0]!.good + truth.batches[1]!.good);
      const gameOvers = await lakeRows(lake, 'exrps_events', "event_type = 'game_over'");
      expect(gameOvers.length).toBe(truth.games.exrps!.finishedGames);

      // Passwords never land: not in events, not in quarantine text.
      const fingerprintBefore = await lakeFingerprint(lake);
      const filesBefore = readdirSync(lake, { recursive: true }).length;
      for (const table of ['events', 'placebo_events', 'quarantine']) {
        for (const row of await lakeRows(lake, table)) expect(JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))).not.toMatch(/pw-[0-9a-f]{16}/);
      }

      // The same files again: no-op, said so, lake untouched.
      const again = await cliJson(files);
      for (const [k, r] of again.entries()) expect(r).toMatchObject({ ...results[k], alreadyIngested: true });
      expect(await lakeFingerprint(lake)).toEqual(fingerprintBefore);
      expect(readdirSync(lake, { recursive: true }).length).toBe(filesBefore);
      const ids = await waitForList(testServer.client, `GamelakeJob = "ingest-batch" AND GamelakeBatchId = "${results[0]!.batchId}" AND GamelakeOutcome = "committed"`);
      expect(ids).toEqual([ingestWorkflowId(results[0]!.batchId)]);
    });
  });

  it('catches a duplicate event id across two batches even when the copy arrives first', async () => {
    const dir = tempDataDir();
    const queue = uniqueTaskQueue('dups');
    const a = path.join(dir, 'a.ndjson');
    const b = path.join(dir, 'b.ndjson');
    const event = (id: string, game: string) =>
      JSON.stringify({ event_id: id, event_type: 'game_removed', product_id: 'exrps', occurred_at: '2026-03-01T10:00:00Z', game_id: game });
    const fs = await import('node:fs');
    fs.writeFileSync(a, `${[event('x1', 'g1'), event('x2', 'g2')].join('\n')}\n`);
    fs.writeFileSync(b, `${[event('x3', 'g3'), event('x2', 'other'), event('x3', 'g3')].join('\n')}\n`);
    await withWorker(dir, queue, async () => {
      expect(await ingest(a, queue)).toMatchObject({ linesIn: 2, accepted: 2, duplicates: 0 });
      expect(await ingest(b, queue)).toMatchObject({ linesIn: 3, accepted: 1, quarantined: 0, duplicates: 2 });
    });
    const lake = path.join(dir, 'lake');
    expect((await lakeRows(lake, 'exrps_events')).map((r) => r.game_id).sort()).toEqual(['g1', 'g2', 'g3']);
    const dups = await lakeRows(lake, 'quarantine', "kind = 'duplicate'");
    expect(dups.map((d) => [Number(d.line), (d.reason as string).replace(/batch \w+/, 'batch B')]).sort()).toEqual([
      [2, 'duplicate_event_id:batch B'],
      [3, 'duplicate_event_id:line 1'],
    ]);
    expect(dups.find((d) => Number(d.line) === 2)!.raw).toContain('"other"');
  });
});

describe('the inbox', () => {
  it('ingests dropped files and moves them to inbox/done; one watcher, and an empty inbox starts no run', async () => {
    const dataDir = tempDataDir();
    const queue = uniqueTaskQueue('inbox');
    const sim = path.join(dataDir, 'sim');
    const truth = await simulateEvents({ game: 'exrps', players: 10, events: 300, seed: 'inbox', badRate: 0, cheatRate: 0, batches: 2, outDir: sim });
    mkdirSync(path.join(dataDir, 'inbox'), { recursive: true });
    for (const b of truth.batches) copyFileSync(path.join(sim, b.file), path.join(dataDir, 'inbox', b.file));
    await new Promise((r) => setTimeout(r, 2100)); // files settle before a scan takes them
    await withWorker(dataDir, queue, async () => {
      const result = await testServer.client.workflow.execute(ingestInboxWorkflow, { taskQueue: queue, workflowId: `inbox-${queue}`, args: [{ once: true }] });
      expect(result.done).toHaveLength(2);
      expect(result.failed).toEqual([]);

      // The watcher gamelake dev and worker start: one run, looking every second here, that picks up a new file.
      await startInboxWatcher(testServer.client, queue, 1);
      await startInboxWatcher(testServer.client, queue, 1); // idempotent: still one
      const more = await simulateEvents({
        game: 'exrps',
        players: 10,
        events: 100,
        seed: 'inbox-later',
        badRate: 0,
        cheatRate: 0,
        batches: 1,
        outDir: path.join(dataDir, 'later'),
      });
      copyFileSync(path.join(dataDir, 'later', more.batches[0]!.file), path.join(dataDir, 'inbox', more.batches[0]!.file));
      const deadline = Date.now() + 60_000;
      while (!existsSync(path.join(dataDir, 'inbox', 'done', more.batches[0]!.file))) {
        if (Date.now() > deadline) throw new Error('the watcher never picked up the file');
        await new Promise((r) => setTimeout(r, 250));
      }
      const watchers = await waitForList(testServer.client, `WorkflowId = "${inboxWorkflowId(queue)}"`, 1);
      expect(watchers).toHaveLength(1);
      const runs: string[] = [];
      for await (const wf of testServer.client.workflow.list({ query: `GamelakeJob = "ingest-inbox" AND TaskQueue = "${queue}"` })) runs.push(wf.status.name);
      // One pass run by the test, one watcher still running: no run per empty look.
      expect(runs.sort()).toEqual(['COMPLETED', 'RUNNING']);
      await testServer.client.workflow.getHandle(inboxWorkflowId(queue)).terminate('test done');
    });
    expect(readdirSync(path.join(dataDir, 'inbox', 'done')).sort()).toEqual([...truth.batches.map((b) => b.file), 'exrps-inbox-later-001.ndjson'].sort());
    expect(readdirSync(path.join(dataDir, 'lake', '_manifests'))).toHaveLength(3);
  });
});

describe('a worker killed mid-batch', () => {
  it('resumes on a new worker and leaves exactly the lake of an uninterrupted run', async () => {
    const simDir = tempDataDir('gamelake-kill-sim-');
    const truth = await simulateEvents({ game: 'all', players: 500, events: 25_000, seed: 'kill', badRate: 0.02, cheatRate: 0.05, batches: 1, outDir: simDir });
    const file = path.join(simDir, truth.batches[0]!.file);

    // Reference: the same batch, uninterrupted.
    const reference = tempDataDir();
    const refQueue = uniqueTaskQueue('ref');
    const expected = await withWorker(reference, refQueue, () => ingest(file, refQueue));

    const dataDir = tempDataDir();
    const queue = uniqueTaskQueue('kill');
    const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue };
    const startWorker = () => spawn(process.execPath, [GAMELAKE, 'worker'], { env, stdio: 'ignore' });
    const sha256 = await hashFile(file);
    const batchId = batchIdOf(sha256);
    const first = startWorker();
    const handle = await testServer.client.workflow.start(ingestBatchWorkflow, {
      args: [{ file, sha256, batchId }],
      taskQueue: queue,
      workflowId: `${ingestWorkflowId(batchId)}-${queue}`,
    });
    // Wait until a worker runs the staging activity (the server's pending activity in state STARTED; a
    // retryable activity's ActivityTaskStarted event is written only when it closes), let it work a moment,
    // and kill it without warning while that attempt still runs.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const now = await runningActivity(handle);
      if (now.activity?.name === 'stageBatch') break;
      if (now.closed || Date.now() > deadline) throw new Error('the worker never started staging the batch');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    expect((await runningActivity(handle)).activity, 'staging still running when the kill is sent').toEqual({ name: 'stageBatch', attempt: 1 });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const second = startWorker();
    try {
      const result = await handle.result();
      expect(result).toMatchObject({ linesIn: expected.linesIn, accepted: expected.accepted, quarantined: expected.quarantined, duplicates: expected.duplicates });
      const history = await handle.fetchHistory();
      // The staging activity closed on its second attempt: the first was cut short by the kill.
      const scheduled = new Map(
        history.events!.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes!.activityType?.name]),
      );
      const staging = history.events!.filter(
        (e) => e.activityTaskStartedEventAttributes && scheduled.get(String(e.activityTaskStartedEventAttributes.scheduledEventId)) === 'stageBatch',
      );
      expect(staging.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([2]);
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    }
    expect(await lakeFingerprint(path.join(dataDir, 'lake'))).toEqual(await lakeFingerprint(path.join(reference, 'lake')));
    expect(existsSync(path.join(dataDir, 'work', batchId))).toBe(false);
  });
});
