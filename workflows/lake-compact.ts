import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities, CompactReport, VacuumReport } from '../activities/index.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';

// The activity heartbeats every second: a killed worker is noticed within the heartbeat timeout and the
// compaction resumes on a live one (what the dead one left half done is undone first).
const { compactLake } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: ['LakeInvariantError'] },
});

const { requestMartsBuild, vacuumLake } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

export interface LakeCompactInput {
  /** Target file size in bytes (default 128 MiB). */
  targetBytes?: number;
}

export interface LakeCompactResult {
  compaction: CompactReport;
  /** Retired files removed right away (the current warehouse no longer read them). */
  vacuum: VacuumReport;
}

/** Workflow id of the lake's compaction for a task queue (one deployment): one compaction at a time. */
export function lakeCompactWorkflowId(taskQueue: string): string {
  return `lake-compact-${taskQueue}`;
}

/**
 * Merges the lake's small files into files of about the target size, then asks for a warehouse build so
 * the warehouse reads the merged files (that build removes the replaced files once nothing refers to them),
 * and removes what earlier compactions retired that nothing reads any more.
 */
export async function lakeCompactWorkflow(input: LakeCompactInput = {}): Promise<LakeCompactResult> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'lake-compact' }]);
  const compaction = await compactLake({ targetBytes: input.targetBytes });
  if (compaction.written > 0) await requestMartsBuild();
  const vacuum = await vacuumLake();
  return { compaction, vacuum };
}
