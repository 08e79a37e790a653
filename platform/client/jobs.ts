import { createHash } from 'node:crypto';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle, type WorkflowStartOptions } from '@temporalio/client';
import { WorkflowIdReusePolicy, type Workflow } from '@temporalio/common';
import { batchIdOf, hashFile } from '../../activities/ingest/inbox.ts';
import {
  demoWorkflow,
  forgetWorkflow,
  forgetWorkflowId,
  ingestBatchWorkflow,
  ingestWorkflowId,
  lakeCompactWorkflow,
  lakeCompactWorkflowId,
  lakeRetentionWorkflow,
  lakeRetentionWorkflowId,
  martsBuildWorkflow,
  martsBuildWorkflowId,
  quarantineReplayWorkflow,
  quarantineReplayWorkflowId,
  requestBuildSignal,
  requestSweepSignal,
  steamFindMatchesWorkflow,
  steamPlayerWorkflow,
  steamPlayerWorkflowId,
  steamRefreshWorkflow,
  steamRescanWorkflowId,
  steamScanWorkflow,
  steamScanWorkflowId,
  steamSweepWorkflow,
  steamSweepWorkflowId,
  type BuildRequest,
  type ForgetInput,
  type LakeCompactInput,
  type LakeRetentionInput,
  type QuarantineReplayInput,
  type SteamScanInput,
} from '../../workflows/index.ts';
import { GAMELAKE_BATCH_ID, GAMELAKE_JOB } from '../../workflows/search-attributes.ts';

export interface StartedIngest {
  file: string;
  batchId: string;
  workflowId: string;
  handle: WorkflowHandle<typeof ingestBatchWorkflow>;
  /** A workflow for this content existed already (running or completed): nothing new was started. */
  existed: boolean;
}

/**
 * Starts the ingest-batch workflow of a file, its id derived from the file's content. A batch that is
 * running or completed is not started again: its existing workflow is returned. A failed one may rerun.
 * `products`: the only products its sender may write (a collector's scoped key); others are quarantined.
 */
export async function startIngest(client: Client, taskQueue: string, file: string, options: { products?: readonly string[] } = {}): Promise<StartedIngest> {
  const sha256 = await hashFile(file);
  const products = options.products && [...options.products].sort();
  const batchId = batchIdOf(sha256, products);
  const workflowId = ingestWorkflowId(batchId);
  try {
    const handle = await client.workflow.start(ingestBatchWorkflow, {
      args: [{ file, sha256, batchId, ...(products ? { products } : {}) }],
      taskQueue,
      workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: [
        { key: GAMELAKE_JOB, value: 'ingest-batch' },
        { key: GAMELAKE_BATCH_ID, value: batchId },
      ],
      // The file, for `gamelake batches` and its retry, and a one-line summary in the Temporal UI.
      memo: { file },
      staticSummary: `batch ${path.basename(file)} (${batchId})`,
    });
    return { file, batchId, workflowId, handle, existed: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { file, batchId, workflowId, handle: client.workflow.getHandle(workflowId), existed: true };
  }
}

/**
 * Starts the warehouse build, or asks the running one for another round that will include this request
 * (`full`: that round rebuilds everything from the lake).
 */
export async function startMartsBuild(client: Client, taskQueue: string, request: BuildRequest = {}): Promise<WorkflowHandle<typeof martsBuildWorkflow>> {
  const workflowId = martsBuildWorkflowId(taskQueue);
  await client.workflow.signalWithStart(martsBuildWorkflow, {
    taskQueue,
    workflowId,
    args: [request],
    signal: requestBuildSignal,
    signalArgs: [request],
    typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'marts-build' }],
  });
  return client.workflow.getHandle(workflowId);
}

/** Starts the convergence sweep, or asks the running one for another pass (never two sweeps at once). */
export async function startSteamSweep(client: Client, taskQueue: string): Promise<WorkflowHandle<typeof steamSweepWorkflow>> {
  const workflowId = steamSweepWorkflowId(taskQueue);
  await client.workflow.signalWithStart(steamSweepWorkflow, {
    taskQueue,
    workflowId,
    args: [{}],
    signal: requestSweepSignal,
    signalArgs: [],
    typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'steam-sweep' }],
  });
  return client.workflow.getHandle(workflowId);
}

/** Starts `workflow` as `workflowId`, or returns the run of that id in flight (never two at once). */
async function startOrJoin<W extends Workflow>(
  client: Client,
  workflow: W,
  options: { taskQueue: string; workflowId: string; args: Parameters<W>; job: string },
): Promise<WorkflowHandle<W>> {
  try {
    return await client.workflow.start(workflow, {
      taskQueue: options.taskQueue,
      workflowId: options.workflowId,
      args: options.args,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [{ key: GAMELAKE_JOB, value: options.job }],
    } as unknown as WorkflowStartOptions<W>);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return client.workflow.getHandle(options.workflowId);
  }
}

/** Starts the lake's compaction, or returns the one running (never two at once). */
export async function startLakeCompact(client: Client, taskQueue: string, input: LakeCompactInput = {}): Promise<WorkflowHandle<typeof lakeCompactWorkflow>> {
  const workflowId = lakeCompactWorkflowId(taskQueue);
  return startOrJoin(client, lakeCompactWorkflow, { taskQueue, workflowId, args: [input], job: 'lake-compact' });
}

/** Starts the lake's retention run (or returns the one running). */
export async function startLakeRetention(client: Client, taskQueue: string, input: LakeRetentionInput = {}): Promise<WorkflowHandle<typeof lakeRetentionWorkflow>> {
  const workflowId = lakeRetentionWorkflowId(taskQueue, input.dryRun);
  return startOrJoin(client, lakeRetentionWorkflow, { taskQueue, workflowId, args: [input], job: 'lake-retention' });
}

/** Starts a replay of quarantined lines (or returns the run of the same selection in flight). */
export async function startQuarantineReplay(client: Client, taskQueue: string, input: QuarantineReplayInput): Promise<WorkflowHandle<typeof quarantineReplayWorkflow>> {
  const sel = input.selection;
  const key = createHash('sha256')
    .update(JSON.stringify({ batches: [...(sel.batches ?? [])].sort(), reasons: [...(sel.reasons ?? [])].sort(), since: sel.since ?? null }))
    .digest('hex')
    .slice(0, 12);
  const workflowId = quarantineReplayWorkflowId(taskQueue, key, input.dryRun);
  return startOrJoin(client, quarantineReplayWorkflow, { taskQueue, workflowId, args: [input], job: 'quarantine-replay' });
}

/** Starts a player's erasure (or returns the one in flight): its id hashes the product and the player's id. */
export async function startForget(client: Client, taskQueue: string, input: ForgetInput): Promise<WorkflowHandle<typeof forgetWorkflow>> {
  const key = createHash('sha256').update(`${input.product}\n${input.player}`).digest('hex').slice(0, 16);
  const workflowId = forgetWorkflowId(taskQueue, key);
  return startOrJoin(client, forgetWorkflow, { taskQueue, workflowId, args: [input], job: 'forget' });
}

/** What a running workflow's current activity last heartbeated (gamelake's activities heartbeat their progress). */
export async function progressOf(handle: WorkflowHandle): Promise<{ activity: string; attempt: number; details: Record<string, unknown> } | undefined> {
  const description = await handle.describe();
  const pending = description.raw.pendingActivities?.[0];
  if (!pending) return undefined;
  const payload = pending.heartbeatDetails?.payloads?.[0]?.data;
  let details: Record<string, unknown> = {};
  if (payload) {
    try {
      details = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
    } catch {
      // not JSON: show none
    }
  }
  return { activity: pending.activityType?.name ?? 'activity', attempt: pending.attempt ?? 1, details };
}

/** An error of the connection to Temporal (the server restarting), not of the workflow. */
function isConnectionError(err: unknown): boolean {
  const e = err as { code?: number; message?: string; cause?: unknown };
  const text = `${e.message ?? ''} ${(e.cause as Error | undefined)?.message ?? ''}`;
  return e.code === 14 || /UNAVAILABLE|ECONNREFUSED|Connection dropped|transport|Failed to get Workflow execution history|connect/i.test(text);
}

export interface AwaitOptions {
  /** Called every few seconds with the running activity's heartbeated progress. */
  onProgress?: (progress: { activity: string; attempt: number; details: Record<string, unknown>; seconds: number }) => void;
  /** How long to keep waiting through a Temporal server that does not answer (restarting), default 5 minutes. */
  reconnectForMs?: number;
  progressEveryMs?: number;
}

/**
 * Waits for a workflow's result, showing its progress, and rides out a restart of the Temporal server (a
 * waiting `gamelake ingest --wait` asks again instead of failing while the batch goes on).
 */
export async function awaitWorkflow<T>(handle: WorkflowHandle, options: AwaitOptions = {}): Promise<T> {
  const started = Date.now();
  const every = options.progressEveryMs ?? 3000;
  let unreachableSince: number | undefined;
  // One result() at a time, kept across progress reports: a new one every report would leave the earlier
  // ones long-polling (and retrying through a server restart) after the caller closed the connection,
  // where a retry's call on the closed channel throws out of a timer and kills the process.
  let outcome: Promise<{ ok: true; r: T } | { ok: false; err: unknown }> | undefined;
  for (;;) {
    try {
      outcome ??= (handle.result() as Promise<T>).then(
        (r) => ({ ok: true as const, r }),
        (err: unknown) => ({ ok: false as const, err }),
      );
      const settled = await Promise.race([outcome, new Promise<undefined>((r) => setTimeout(() => r(undefined), every))]);
      if (settled?.ok) return settled.r;
      if (settled) {
        outcome = undefined;
        throw settled.err;
      }
      const p = await progressOf(handle);
      unreachableSince = undefined;
      if (p && options.onProgress) options.onProgress({ ...p, seconds: Math.round((Date.now() - started) / 1000) });
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > (options.reconnectForMs ?? 5 * 60_000)) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** A scan (or the rescan, `behind`) of the sequence feed; throws WorkflowExecutionAlreadyStartedError when one runs. */
export async function startSteamScan(client: Client, taskQueue: string, input: SteamScanInput): Promise<WorkflowHandle<typeof steamScanWorkflow>> {
  const rescan = input.behind !== undefined;
  return client.workflow.start(steamScanWorkflow, {
    args: [input],
    taskQueue,
    workflowId: rescan ? steamRescanWorkflowId(taskQueue) : steamScanWorkflowId(taskQueue),
    typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'steam-scan' }],
    staticSummary: rescan ? `rescan of the sequence feed, ${input.behind} sequence numbers behind the scan` : 'scan of the match sequence feed',
  });
}

/** `steam refresh`: re-read players' histories and summaries now. */
export async function startSteamRefresh(client: Client, taskQueue: string, accountIds: number[]): Promise<WorkflowHandle<typeof steamRefreshWorkflow>> {
  return client.workflow.start(steamRefreshWorkflow, {
    args: [{ accountIds }],
    taskQueue,
    workflowId: `steam-refresh-${accountIds.slice(0, 3).join('-')}${accountIds.length > 3 ? `-and-${accountIds.length - 3}` : ''}-${Date.now()}`,
    typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'steam-refresh' }],
    staticSummary: `refresh of ${accountIds.length} player${accountIds.length === 1 ? '' : 's'}: ${accountIds.slice(0, 5).join(', ')}`,
  });
}

/** `steam match`: mirror given matches. */
export async function startSteamFindMatches(client: Client, taskQueue: string, matchIds: number[], maxSeqs?: number): Promise<WorkflowHandle<typeof steamFindMatchesWorkflow>> {
  return client.workflow.start(steamFindMatchesWorkflow, {
    args: [{ matchIds, maxSeqs }],
    taskQueue,
    workflowId: `steam-match-${matchIds.slice(0, 3).join('-')}${matchIds.length > 3 ? `-and-${matchIds.length - 3}` : ''}-${Date.now()}`,
    typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'steam-match' }],
    staticSummary: `find matches ${matchIds.slice(0, 5).join(', ')}${matchIds.length > 5 ? ', ...' : ''}`,
  });
}

/** The demo's first step (prepare the data directory, on the worker's disk); the id is timestamped. */
export async function startDemo(client: Client, taskQueue: string): Promise<WorkflowHandle<typeof demoWorkflow>> {
  return client.workflow.start(demoWorkflow, {
    taskQueue,
    workflowId: `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`,
    typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'demo' }],
    staticSummary: 'prepare the data directory',
  });
}

/** One read of a player's match history now (what the player's Schedule starts). */
export async function startSteamPlayer(client: Client, taskQueue: string, accountId: number): Promise<WorkflowHandle<typeof steamPlayerWorkflow>> {
  return client.workflow.start(steamPlayerWorkflow, {
    taskQueue,
    workflowId: steamPlayerWorkflowId(accountId),
    args: [{ accountId }],
    typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'steam-player' }],
    staticSummary: `match history of player ${accountId}`,
  });
}
