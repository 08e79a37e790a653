import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { batchIdOf, hashFile } from '../activities/ingest/inbox.ts';
import { ingestBatchWorkflow, ingestWorkflowId, martsBuildWorkflow, martsBuildWorkflowId, requestBuildSignal, requestSweepSignal, steamSweepWorkflow, steamSweepWorkflowId } from '../workflows/index.ts';
import { GAMELAKE_BATCH_ID, GAMELAKE_JOB } from '../workflows/search-attributes.ts';

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
 */
export async function startIngest(client: Client, taskQueue: string, file: string): Promise<StartedIngest> {
  const sha256 = await hashFile(file);
  const batchId = batchIdOf(sha256);
  const workflowId = ingestWorkflowId(batchId);
  try {
    const handle = await client.workflow.start(ingestBatchWorkflow, {
      args: [{ file, sha256, batchId }],
      taskQueue,
      workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: [
        { key: GAMELAKE_JOB, value: 'ingest-batch' },
        { key: GAMELAKE_BATCH_ID, value: batchId },
      ],
    });
    return { file, batchId, workflowId, handle, existed: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { file, batchId, workflowId, handle: client.workflow.getHandle(workflowId), existed: true };
  }
}

/** Starts the warehouse build, or asks the running one for another round that will include this request. */
export async function startMartsBuild(client: Client, taskQueue: string): Promise<WorkflowHandle<typeof martsBuildWorkflow>> {
  const workflowId = martsBuildWorkflowId(taskQueue);
  await client.workflow.signalWithStart(martsBuildWorkflow, {
    taskQueue,
    workflowId,
    signal: requestBuildSignal,
    signalArgs: [],
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
