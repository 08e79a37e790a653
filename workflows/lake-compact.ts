import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities, CompactReport, VacuumReport } from '../activities/index.ts';
import type { WarehouseActivities } from '../warehouse/activities.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';
import { COMPACT_RETRY } from './common.ts';

// The activity heartbeats every second: a killed worker is noticed within the heartbeat timeout and the
// compaction resumes on a live one (what the dead one left half done is undone first).
const { compactLake } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '5 seconds',
  retry: COMPACT_RETRY,
});

const { requestMartsBuild, vacuumLake } = proxyActivities<Activities & WarehouseActivities>({
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
