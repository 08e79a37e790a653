import { ActivityFailure, ApplicationFailure, TimeoutFailure, log, proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities, BatchManifest } from '../activities/index.ts';
import { GAMELAKE_BATCH_ID, GAMELAKE_DUPLICATES, GAMELAKE_GAMES, GAMELAKE_JOB, GAMELAKE_LINES_IN, GAMELAKE_OUTCOME, GAMELAKE_QUARANTINED } from './search-attributes.ts';
import { BATCH_RETRY, STAGE_MISSING } from './common.ts';

/**
 * Staging and commit. A killed worker is noticed within the heartbeat timeout and the activity runs again on
 * a live one; a failure nobody classified is retried a bounded number of times (about a minute in all), then
 * the batch is reported as failed and its staging files are removed: `gamelake ingest --wait` always returns.
 */
const activities = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  // The activities heartbeat every second and the worker sends each beat (maxHeartbeatThrottleInterval):
  // a killed worker's batch moves on in 5 seconds.
  heartbeatTimeout: '5 seconds',
  retry: BATCH_RETRY,
});

const { lookupBatch } = activities;

/** Worker losses in a row a batch rides out (each one a heartbeat timeout), beyond the attempts above. */
const WORKER_LOSSES = 20;

/**
 * Runs a staging or commit activity; when its last attempt ended because its worker stopped heartbeating
 * (killed, out of memory, the machine went away), it is started again: a crash is not the batch's fault,
 * and only failures of the batch's own count against its bounded attempts.
 */
async function surviving<T>(name: 'stageBatch' | 'commitBatch', input: IngestBatchInput): Promise<T> {
  for (let losses = 0; ; losses++) {
    try {
      return (await activities[name](input)) as T;
    } catch (err) {
      const lost = err instanceof ActivityFailure && err.cause instanceof TimeoutFailure;
      if (!lost || losses >= WORKER_LOSSES) throw err;
      log.warn(`${name} lost its worker on every attempt; starting it again`, { batchId: input.batchId, losses: losses + 1 });
    }
  }
}

const stageBatch = (input: IngestBatchInput) => surviving<Awaited<ReturnType<Activities['stageBatch']>>>('stageBatch', input);
const commitBatch = (input: IngestBatchInput) => surviving<Awaited<ReturnType<Activities['commitBatch']>>>('commitBatch', input);

// Removing a staging folder takes well under a second; a worker killed meanwhile is noticed in a minute
// (the attempt's whole time limit), not after the ten a long limit would make the batch wait.
const { cleanupBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 10 },
});

// Asking for a warehouse build is best effort: the batch is committed either way, and the hourly
// gamelake-marts schedule catches up with anything a lost request missed.
const { requestMartsBuild } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

export interface IngestBatchInput {
  /** Absolute path, readable by the workers. */
  file: string;
  sha256: string;
  batchId: string;
  /** The products its sender may write (a product-scoped write key); a line of another is quarantined as unauthorized_product. */
  products?: string[];
  /** A replay batch's sources file: the quarantined line each of its lines was (see quarantine-replay). */
  recovers?: string;
}

/** What a batch's workflow returns: the manifest's counts (the file as this run was given it). */
export type IngestBatchResult = Pick<BatchManifest, 'batchId' | 'file' | 'linesIn' | 'accepted' | 'quarantined' | 'duplicates' | 'files' | 'rejectedByReason'> & {
  /** True when the batch had been committed before: nothing changed. */
  alreadyIngested: boolean;
};

function summary(m: BatchManifest, file: string, alreadyIngested: boolean): IngestBatchResult {
  return {
    batchId: m.batchId,
    file,
    linesIn: m.linesIn,
    accepted: m.accepted,
    quarantined: m.quarantined,
    duplicates: m.duplicates,
    files: m.files,
    alreadyIngested,
    rejectedByReason: m.rejectedByReason,
  };
}

/**
 * One batch file -> Parquet in the lake, exactly once: look up the manifest (a committed batch is a
 * no-op), stage (validate, de-duplicate, flatten), commit (cross-batch de-duplication, Parquet, manifest),
 * clean up. Activities exchange paths and counts, never event data.
 */
export async function ingestBatchWorkflow(input: IngestBatchInput): Promise<IngestBatchResult> {
  upsertSearchAttributes([
    { key: GAMELAKE_JOB, value: 'ingest-batch' },
    { key: GAMELAKE_BATCH_ID, value: input.batchId },
  ]);
  const before = await lookupBatch(input.batchId);
  if (before) {
    upsertSearchAttributes([{ key: GAMELAKE_OUTCOME, value: 'already-ingested' }]);
    return summary(before, input.file, true);
  }
  let step = 'stage';
  setCurrentDetails(`staging ${input.file}`);
  try {
    let staged = await stageBatch(input);
    setCurrentDetails(`committing ${input.file}: ${staged.linesIn} lines, ${staged.rejected} rejected`);
    upsertSearchAttributes([
      { key: GAMELAKE_GAMES, value: staged.products },
      { key: GAMELAKE_LINES_IN, value: staged.linesIn },
    ]);
    step = 'commit';
    let manifest: BatchManifest & { alreadyCommitted: boolean };
    try {
      manifest = await commitBatch(input);
    } catch (err) {
      // Staging files vanished (work dir wiped between attempts): stage again, then commit.
      if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === STAGE_MISSING)) throw err;
      log.warn('staging missing at commit; staging again', { batchId: input.batchId });
      step = 'stage';
      staged = await stageBatch(input);
      step = 'commit';
      manifest = await commitBatch(input);
    }
    step = 'cleanup';
    await cleanupBatch(input.batchId);
    if (!manifest.alreadyCommitted) {
      try {
        await requestMartsBuild();
      } catch (err) {
        log.warn('could not request a warehouse build; the schedule will catch up', { batchId: input.batchId, error: (err as Error).message });
      }
    }
    upsertSearchAttributes([
      { key: GAMELAKE_QUARANTINED, value: manifest.quarantined },
      { key: GAMELAKE_DUPLICATES, value: manifest.duplicates },
      { key: GAMELAKE_OUTCOME, value: manifest.alreadyCommitted ? 'already-ingested' : 'committed' },
    ]);
    setCurrentDetails(`${input.file}: ${manifest.linesIn} lines, ${manifest.accepted} accepted, ${manifest.quarantined} quarantined, ${manifest.duplicates} duplicates`);
    return summary(manifest, input.file, manifest.alreadyCommitted);
  } catch (err) {
    upsertSearchAttributes([{ key: GAMELAKE_OUTCOME, value: 'failed' }]);
    // A failed batch leaves nothing behind: its staging folder, and any file a cut-short commit moved into the lake.
    try {
      await cleanupBatch(input.batchId, { failed: true });
    } catch (cleanup) {
      log.warn("could not remove the failed batch's staging files", { batchId: input.batchId, error: (cleanup as Error).message });
    }
    const reason = err instanceof ActivityFailure && err.cause ? err.cause.message : (err as Error).message;
    setCurrentDetails(`failed at step ${step}: ${reason}`);
    throw ApplicationFailure.nonRetryable(`batch ${input.batchId} (${input.file}) failed at step ${step}: ${reason}`, 'BatchFailed', {
      batchId: input.batchId,
      file: input.file,
      step,
    });
  }
}
