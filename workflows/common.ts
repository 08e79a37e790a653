/**
 * What workflows and the client side agree on, in one module both import (as food-delivery's `common`):
 * task queue names, workflow ids, search attribute keys, retry policies and the names of the error types
 * retrying cannot fix (taken from the error classes, never spelled out). Sandbox-safe: no Node module.
 */
import type { ActivityOptions, RetryPolicy } from '@temporalio/common';
import { SteamAuthError, SteamRequestError } from '../activities/steam/errors.ts';
import { BatchFileError, BatchInvariantError, LakeInvariantError, StageMissingError } from '../lake/errors.ts';
import { ContractError } from '../transforms/errors.ts';
import { ModelCheckError } from '../warehouse/errors.ts';

export * from './search-attributes.ts';

// Task queues and workflow ids.

/** Task queue of the Steam API activities: its worker's rate limit is the global API call rate. */
export function steamTaskQueue(taskQueue: string): string {
  return `${taskQueue}-steam`;
}

/**
 * Task queue of the Steam calls made with key `position` (1-based) of several (STEAM_API_KEYS): one queue
 * per key, each with the key's own rate limit, so N keys give N times the rate across all workers.
 */
export function steamKeyQueue(taskQueue: string, position: number): string {
  return position === 1 ? steamTaskQueue(taskQueue) : `${steamTaskQueue(taskQueue)}-${position}`;
}

/**
 * The one Steam task queue every key shares (workflows since STEAM_ONE_QUEUE_PATCH): a worker holding the
 * keys polls only while they have free slots and sends each call with the key free first.
 */
export function steamSharedQueue(taskQueue: string): string {
  return `${steamTaskQueue(taskQueue)}-keys`;
}

/** Workflows before it send each call to a key's own queue (steamKeyQueue), chosen round-robin. */
export const STEAM_ONE_QUEUE_PATCH = 'steam-one-queue';

/** Workflow id of a batch: derived from the file's content, so the same file is one workflow. */
export function ingestWorkflowId(batchId: string): string {
  return `ingest-batch-${batchId}`;
}

/** Workflow id of the inbox watcher of a task queue (one deployment): one watcher at a time. */
export function inboxWorkflowId(taskQueue: string): string {
  return `ingest-inbox-${taskQueue}`;
}

/** Workflow id of the warehouse build of a task queue (one deployment): one build at a time. */
export function martsBuildWorkflowId(taskQueue: string): string {
  return `marts-build-${taskQueue}`;
}

/** Workflow id of the lake's compaction for a task queue (one deployment): one compaction at a time. */
export function lakeCompactWorkflowId(taskQueue: string): string {
  return `lake-compact-${taskQueue}`;
}

/** Workflow id of the lake's retention run for a task queue (`dry`: a dry run's, apart from a real one). */
export function lakeRetentionWorkflowId(taskQueue: string, dry = false): string {
  return `lake-retention-${dry ? 'dry-' : ''}${taskQueue}`;
}

/** A replay of quarantined lines: one per selection (the same selection again joins the run in flight). */
export function quarantineReplayWorkflowId(taskQueue: string, selectionKey: string, dry = false): string {
  return `quarantine-replay-${dry ? 'dry-' : ''}${selectionKey}-${taskQueue}`;
}

/** A player's erasure: `forget-<hash of the product and the id>` (the id itself is not in the workflow id). */
export function forgetWorkflowId(taskQueue: string, subjectKey: string): string {
  return `forget-${subjectKey}-${taskQueue}`;
}

/** The scan of the match sequence feed (`steam scan`): one per task queue. */
export function steamScanWorkflowId(taskQueue: string): string {
  return `steam-scan-${taskQueue}`;
}

/** The lagging second scan (`steam scan --behind N`): one per task queue. */
export function steamRescanWorkflowId(taskQueue: string): string {
  return `steam-rescan-${taskQueue}`;
}

/** The convergence sweep: one per task queue (a request while it runs asks it for one more pass). */
export function steamSweepWorkflowId(taskQueue: string): string {
  return `steam-sweep-${taskQueue}`;
}

/** A tracked player's history refresh. */
export function steamPlayerWorkflowId(accountId: number): string {
  return `steam-player-${accountId}`;
}

// Failures retrying cannot fix, per kind of work.

/** A batch's: its file is unreadable or changed, its counts do not add up, its staging is gone, a contract is invalid. */
export const BATCH_FATAL = [BatchFileError, BatchInvariantError, StageMissingError, ContractError].map((e) => e.name);
/** A Steam call's: the key was refused (401/403), or the endpoint is gone (404). */
export const STEAM_CALL_FATAL = [SteamAuthError, SteamRequestError].map((e) => e.name);
export const STEAM_AUTH_ERROR = SteamAuthError.name;
export const STAGE_MISSING = StageMissingError.name;
/** A build's: a declared check failed (the previous warehouse is kept). */
export const BUILD_FATAL = [ModelCheckError].map((e) => e.name);
/** A compaction's: the lake's catalog does not add up. */
export const COMPACT_FATAL = [LakeInvariantError].map((e) => e.name);

// Retry policies.

/** Staging and committing a batch: a bounded number of attempts (about a minute), then the batch fails. */
export const BATCH_RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 6,
  nonRetryableErrorTypes: BATCH_FATAL,
};
/** A Steam call: for as long as it takes (429 after Retry-After, 5xx, timeouts), except what cannot succeed. */
export const STEAM_CALL_RETRY: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes', nonRetryableErrorTypes: STEAM_CALL_FATAL };
/** A warehouse build. */
export const BUILD_RETRY: RetryPolicy = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 5,
  nonRetryableErrorTypes: BUILD_FATAL,
};
/** A compaction (each attempt first undoes what a dead one left half done). */
export const COMPACT_RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 10,
  nonRetryableErrorTypes: COMPACT_FATAL,
};
/**
 * A long lake rewrite (compaction, retention, erasure): it heartbeats every second, so a killed worker is
 * noticed in 5 seconds and the activity runs again on a live one (what the dead one left half done is
 * undone first; nothing is visible until its one catalog record).
 */
export const LAKE_REWRITE_OPTIONS: ActivityOptions = { startToCloseTimeout: '2 hours', heartbeatTimeout: '5 seconds', retry: COMPACT_RETRY };
/** Asking for a build, removing replaced files: short, retried a few times. */
export const LAKE_FOLLOW_UP_OPTIONS: ActivityOptions = { startToCloseTimeout: '10 minutes', retry: { initialInterval: '1 second', maximumAttempts: 5 } };
/** Bookkeeping activities (reads of the lake's state, requests for other jobs). */
export const BOOKKEEPING_RETRY: RetryPolicy = { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 };
