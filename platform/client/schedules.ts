import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import {
  inboxWorkflowId,
  ingestInboxWorkflow,
  lakeCompactWorkflow,
  lakeCompactWorkflowId,
  lakeRetentionWorkflow,
  lakeRetentionWorkflowId,
  martsBuildWorkflow,
  martsBuildWorkflowId,
  steamPlayerWorkflow,
  steamPlayerWorkflowId,
  steamSweepScheduledWorkflow,
} from '../../workflows/index.ts';
import { GAMELAKE_JOB } from '../../workflows/search-attributes.ts';

/** The Schedule earlier versions watched the inbox with (removed when found: a workflow watches it now). */
export const INBOX_SCHEDULE_ID = 'gamelake-inbox';
export const MARTS_SCHEDULE_ID = 'gamelake-marts';
export const STEAM_SWEEP_SCHEDULE_ID = 'gamelake-steam-sweep';
export const COMPACT_SCHEDULE_ID = 'gamelake-lake-compact';
export const RETENTION_SCHEDULE_ID = 'gamelake-lake-retention';
/** A tracked player's schedule: gamelake-steam-player-<account_id>. */
export const STEAM_PLAYER_SCHEDULE_PREFIX = 'gamelake-steam-player-';

/** Starts the inbox watcher of a task queue, or leaves the one running (never two). */
export async function startInboxWatcher(client: Client, taskQueue: string, everySeconds = 30): Promise<void> {
  try {
    await client.workflow.start(ingestInboxWorkflow, {
      taskQueue,
      workflowId: inboxWorkflowId(taskQueue),
      args: [{ everySeconds }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'ingest-inbox' }],
      staticSummary: `watches $GAMELAKE_DATA_DIR/inbox every ${everySeconds} s and ingests what is dropped there`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * Creates gamelake's Temporal Schedules when they are missing (idempotent; a user's edits to an existing
 * schedule, such as a pause, are kept): a warehouse build every hour, a Steam sweep every 15 minutes, a
 * compaction of the lake every 6 hours and its retention run every day; and starts the inbox watcher.
 */
export async function ensureSchedules(client: Client, taskQueue: string): Promise<string[]> {
  const created: string[] = [];
  const create = async (options: Parameters<Client['schedule']['create']>[0]) => {
    try {
      await client.schedule.create(options);
      created.push(options.scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  };
  // The inbox is watched by one long-running workflow, not a Schedule: an empty inbox starts no run.
  await startInboxWatcher(client, taskQueue);
  try {
    await client.schedule.getHandle(INBOX_SCHEDULE_ID).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  await create({
    scheduleId: MARTS_SCHEDULE_ID,
    spec: { intervals: [{ every: '1 hour' }] },
    action: {
      type: 'startWorkflow',
      workflowType: martsBuildWorkflow,
      workflowId: `${martsBuildWorkflowId(taskQueue)}-scheduled`,
      taskQueue,
      typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'marts-build' }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
    state: { note: 'Rebuilds the DuckDB warehouse; builds also follow each ingested batch' },
  });
  await create({
    scheduleId: STEAM_SWEEP_SCHEDULE_ID,
    spec: { intervals: [{ every: '15 minutes' }] },
    action: {
      type: 'startWorkflow',
      workflowType: steamSweepScheduledWorkflow,
      workflowId: 'steam-sweep-scheduled',
      taskQueue,
      typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'steam-sweep' }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '15 minutes' },
    state: { note: 'Convergence sweep of the Steam mirror: fills stubs, gaps and stale rows' },
  });
  await create({
    scheduleId: COMPACT_SCHEDULE_ID,
    spec: { intervals: [{ every: '6 hours' }] },
    action: {
      type: 'startWorkflow',
      workflowType: lakeCompactWorkflow,
      args: [{}],
      workflowId: `${lakeCompactWorkflowId(taskQueue)}-scheduled`,
      taskQueue,
      typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'lake-compact' }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    state: { note: "Merges the lake's small Parquet files (one per batch) into files of about 128 MiB" },
  });
  await create({
    scheduleId: RETENTION_SCHEDULE_ID,
    spec: { calendars: [{ hour: 3, minute: 17 }] },
    action: {
      type: 'startWorkflow',
      workflowType: lakeRetentionWorkflow,
      args: [{}],
      workflowId: `${lakeRetentionWorkflowId(taskQueue)}-scheduled`,
      taskQueue,
      typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'lake-retention' }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    state: { note: "Drops the lake's month partitions past each contract's retention (daily, 03:17 UTC), then rebuilds the marts" },
  });
  return created;
}

/**
 * Tracks players: one Schedule each (gamelake-steam-player-<id>, every `every`) that runs the player's
 * history workflow, started at once. Tracking a tracked player again is a no-op.
 */
export async function trackPlayers(client: Client, taskQueue: string, accountIds: number[], every = '30 minutes'): Promise<{ created: number[]; existing: number[] }> {
  const created: number[] = [];
  const existing: number[] = [];
  for (const accountId of accountIds) {
    try {
      await client.schedule.create({
        scheduleId: `${STEAM_PLAYER_SCHEDULE_PREFIX}${accountId}`,
        spec: { intervals: [{ every }] },
        action: {
          type: 'startWorkflow',
          workflowType: steamPlayerWorkflow,
          args: [{ accountId }],
          workflowId: steamPlayerWorkflowId(accountId),
          taskQueue,
          typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'steam-player' }],
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '30 minutes' },
        state: { note: `Mirrors the matches of Dota 2 account ${accountId}`, triggerImmediately: true },
      });
      created.push(accountId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      existing.push(accountId);
    }
  }
  return { created, existing };
}

/** Stops tracking: deletes the players' Schedules (their mirrored data stays). */
export async function untrackPlayers(client: Client, accountIds: number[]): Promise<{ removed: number[]; unknown: number[] }> {
  const removed: number[] = [];
  const unknown: number[] = [];
  for (const accountId of accountIds) {
    try {
      await client.schedule.getHandle(`${STEAM_PLAYER_SCHEDULE_PREFIX}${accountId}`).delete();
      removed.push(accountId);
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      unknown.push(accountId);
    }
  }
  return { removed, unknown };
}

/** Account ids with a tracking Schedule. */
export async function trackedPlayers(client: Client): Promise<number[]> {
  const ids: number[] = [];
  for await (const s of client.schedule.list()) {
    if (s.scheduleId.startsWith(STEAM_PLAYER_SCHEDULE_PREFIX)) ids.push(Number(s.scheduleId.slice(STEAM_PLAYER_SCHEDULE_PREFIX.length)));
  }
  return ids.sort((a, b) => a - b);
}
