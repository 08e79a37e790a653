import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities, RetentionReport, VacuumReport } from '../activities/index.ts';
import type { WarehouseActivities } from '../warehouse/activities.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';
import { LAKE_FOLLOW_UP_OPTIONS, LAKE_REWRITE_OPTIONS } from './common.ts';

// Heartbeats every second: a killed worker's run is noticed in 5 seconds and runs again on a live one
// (what the dead one left half done is undone first; nothing is committed until its one catalog record).
const { applyRetention } = proxyActivities<Activities>(LAKE_REWRITE_OPTIONS);

const { requestMartsBuild, vacuumLake } = proxyActivities<Activities & WarehouseActivities>(LAKE_FOLLOW_UP_OPTIONS);

export interface LakeRetentionInput {
  /** The instant retention is measured from (ISO 8601); default: when the workflow runs. */
  asOf?: string;
  /** Report what would be dropped, change nothing. */
  dryRun?: boolean;
}

export interface LakeRetentionResult {
  retention: RetentionReport;
  /** Replaced files removed right away (no warehouse reads them any more); undefined on a dry run. */
  vacuum?: VacuumReport;
}

/**
 * Drops the month partitions past each contract's retention (one catalog commit), asks for a warehouse
 * build (a full one: rows left the lake) and removes the dropped files once no warehouse reads them.
 */
export async function lakeRetentionWorkflow(input: LakeRetentionInput = {}): Promise<LakeRetentionResult> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'lake-retention' }]);
  // Workflow time is deterministic: a replay measures from the same instant.
  const asOf = input.asOf ?? new Date(Date.now()).toISOString();
  const retention = await applyRetention({ asOf, dryRun: input.dryRun });
  if (input.dryRun) return { retention };
  if (retention.record) await requestMartsBuild();
  const vacuum = await vacuumLake();
  return { retention, vacuum };
}
