import { ChildWorkflowFailure, continueAsNew, executeChild, proxyActivities, setCurrentDetails, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Activities } from '../activities/index.ts';
import { ingestBatchWorkflow } from './ingest-batch.ts';
import { ingestWorkflowId } from './common.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';

const { scanInbox, settleInboxFile, lookupBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export interface InboxInput {
  /** Seconds between looks at an empty inbox (default 30). */
  everySeconds?: number;
  /** One pass, then return (tests, and a manual look). */
  once?: boolean;
  /** Passes so far in this chain of runs (carried over continue-as-new). */
  passes?: number;
}

export interface InboxResult {
  done: string[];
  failed: string[];
  /** Files whose batch is being ingested by another run right now. */
  skipped: string[];
}

/** Passes before the watcher continues as new, so its history stays small however long it watches. */
const PASSES_PER_RUN = 200;

/** One look at the inbox: each ready file becomes an ingest-batch child, then moves to done/ or failed/. */
async function pass(result: InboxResult): Promise<number> {
  const files = await scanInbox();
  for (const f of files) {
    try {
      await executeChild(ingestBatchWorkflow, {
        args: [f],
        workflowId: ingestWorkflowId(f.batchId),
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        memo: { file: f.file },
        staticSummary: `batch ${f.file.split('/').pop()} (${f.batchId}) from the inbox`,
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
  return files.length;
}

/**
 * Watches $GAMELAKE_DATA_DIR/inbox: one long-running workflow (started by `gamelake dev` and `gamelake
 * worker`) that looks through an activity every `everySeconds` and starts an ingest-batch child per ready
 * file. An empty inbox starts no workflow run: the Temporal UI lists the batches, not thousands of empty
 * looks. It continues as new every few hundred passes.
 */
export async function ingestInboxWorkflow(input: InboxInput = {}): Promise<InboxResult> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'ingest-inbox' }]);
  const result: InboxResult = { done: [], failed: [], skipped: [] };
  if (input.once) {
    await pass(result);
    return result;
  }
  let passes = input.passes ?? 0;
  for (let here = 0; here < PASSES_PER_RUN && !workflowInfo().continueAsNewSuggested; here++) {
    const found = await pass(result);
    passes += 1;
    setCurrentDetails(
      `watching the inbox every ${input.everySeconds ?? 30} s: ${passes} looks, ${result.done.length} batches ingested in this run, ${result.failed.length} failed`,
    );
    if (found === 0) await sleep(`${input.everySeconds ?? 30} seconds`);
  }
  return continueAsNew<typeof ingestInboxWorkflow>({ ...input, passes });
}
