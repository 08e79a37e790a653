import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities, CompactReport, VacuumReport } from '../activities/index.ts';
import type { WarehouseActivities } from '../warehouse/activities.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';
import { LAKE_FOLLOW_UP_OPTIONS, LAKE_REWRITE_OPTIONS } from './common.ts';

const { compactLake } = proxyActivities<Activities>(LAKE_REWRITE_OPTIONS);

const { requestMartsBuild, vacuumLake } = proxyActivities<Activities & WarehouseActivities>(LAKE_FOLLOW_UP_OPTIONS);

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
