import { executeChild, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities, ReplayReasonCounts, ReplaySelection } from '../activities/index.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';
import { BOOKKEEPING_RETRY, ingestWorkflowId } from './common.ts';
import { ingestBatchWorkflow, type IngestBatchResult } from './ingest-batch.ts';

// Planning reads the quarantine and validates its lines (heartbeating): a killed worker's plan runs again
// on a live one and writes the same replay batch (the same lines in the same order, the same id).
const { planReplay } = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '5 seconds',
  retry: BOOKKEEPING_RETRY,
});

const { removeReplayFiles } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: BOOKKEEPING_RETRY,
});

export interface QuarantineReplayInput {
  selection: ReplaySelection;
  /** Report what would be recovered, by reason; ingest nothing. */
  dryRun?: boolean;
}

export interface QuarantineReplayResult {
  byReason: Record<string, ReplayReasonCounts>;
  selected: number;
  recoverable: number;
  cut: number;
  dryRun: boolean;
  /** The replay batch's ingest (absent on a dry run or when nothing was recoverable). */
  batch?: IngestBatchResult;
}

/**
 * Replays quarantined lines: plans (which lines match and pass the contracts the worker has now), then
 * ingests those as one batch through ingest-batch (a child workflow whose id is the batch's: the same
 * selection again finds its lines recovered and has nothing to do), and removes the replay files.
 */
export async function quarantineReplayWorkflow(input: QuarantineReplayInput): Promise<QuarantineReplayResult> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'quarantine-replay' }]);
  const plan = await planReplay({ selection: input.selection, dryRun: input.dryRun });
  const { batch: planned, ...counts } = plan;
  const result: QuarantineReplayResult = { ...counts, dryRun: input.dryRun ?? false };
  if (!planned) return result;
  const batch = await executeChild(ingestBatchWorkflow, {
    args: [{ file: planned.file, sha256: planned.sha256, batchId: planned.batchId, recovers: planned.recovers }],
    workflowId: ingestWorkflowId(planned.batchId),
    taskQueue: workflowInfo().taskQueue,
  });
  await removeReplayFiles({ file: planned.file, recovers: planned.recovers });
  return { ...result, batch };
}
