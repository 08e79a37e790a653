import { ChildWorkflowFailure, executeChild, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Activities } from '../activities/index.ts';
import { ingestBatchWorkflow, ingestWorkflowId } from './ingest-batch.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';

const { scanInbox, settleInboxFile, lookupBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export interface InboxResult {
  done: string[];
  failed: string[];
  /** Files whose batch is being ingested by another run right now. */
  skipped: string[];
}

/**
 * One pass over $GAMELAKE_DATA_DIR/inbox (run by the gamelake-inbox Schedule): each ready file becomes an
 * ingest-batch child workflow (id from its content), then moves to inbox/done or inbox/failed (+ reason).
 */
export async function ingestInboxWorkflow(): Promise<InboxResult> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'ingest-inbox' }]);
  const result: InboxResult = { done: [], failed: [], skipped: [] };
  for (const f of await scanInbox()) {
    try {
      await executeChild(ingestBatchWorkflow, {
        args: [f],
        workflowId: ingestWorkflowId(f.batchId),
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      });
      result.done.push(await settleInboxFile(f.file, 'done'));
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        // Same content ingested before (or right now, by another run).
        if (await lookupBatch(f.batchId)) result.done.push(await settleInboxFile(f.file, 'done'));
        else result.skipped.push(f.file);
        continue;
      }
      const reason = err instanceof ChildWorkflowFailure && err.cause ? err.cause.message : (err as Error).message;
      result.failed.push(await settleInboxFile(f.file, 'failed', reason));
    }
  }
  return result;
}
