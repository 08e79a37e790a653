import { defineSignal, executeChild, proxyActivities, setCurrentDetails, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { BuildReport } from '../warehouse/build.ts';
import type { WarehouseActivities } from '../warehouse/activities.ts';
import { GAMELAKE_JOB, GAMELAKE_OUTCOME } from './search-attributes.ts';
import { BUILD_RETRY } from './common.ts';

const { buildWarehouse } = proxyActivities<WarehouseActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: BUILD_RETRY,
});

export interface BuildRequest {
  /** Rebuild everything from the lake instead of taking in only what the warehouse lacks. */
  full?: boolean;
}

/** Asks the running build for one more round (the lake changed after it started); `full` makes that round full. */
export const requestBuildSignal = defineSignal<[BuildRequest?]>('requestBuild');

export interface MartsBuildResult extends BuildReport {
  /** Rounds this run built: requests that arrived during a round cause one more, not one each. */
  rounds: number;
}

/**
 * One build of the warehouse, its own run (`marts-build-<task queue>-<time>`) with its outcome as a search
 * attribute and what it did as its details in the Temporal UI.
 */
export async function martsBuildRoundWorkflow(request: BuildRequest = {}): Promise<BuildReport> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'marts-build' }]);
  setCurrentDetails(`${request.full ? 'full' : 'incremental'} build running`);
  try {
    const r = await buildWarehouse(request);
    upsertSearchAttributes([{ key: GAMELAKE_OUTCOME, value: 'built' }]);
    setCurrentDetails(
      `${r.kind} build${r.fullBecause ? ` (${r.fullBecause})` : ''}: ${r.newBatches} new batches, ${r.batches} in all, ${r.newSteamFiles} new Steam files, ${r.checks} checks passed, ${(r.ms / 1000).toFixed(1)} s`,
    );
    return r;
  } catch (err) {
    upsertSearchAttributes([{ key: GAMELAKE_OUTCOME, value: 'failed' }]);
    throw err;
  }
}

/**
 * Brings the DuckDB warehouse up to date with the lake (incrementally: only batches and Steam files it
 * lacks; or in full when asked); the old warehouse stays until the new one is complete. Each build is a
 * child run of its own. Requests (signals) arriving during a build are coalesced into one more round,
 * after a short pause that lets a burst of batches settle; a round is full if any request since the last
 * round asked for it.
 */
export async function martsBuildWorkflow(input: BuildRequest = {}): Promise<MartsBuildResult> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'marts-build' }]);
  let requested = true;
  let full = input.full === true;
  setHandler(requestBuildSignal, (request?: BuildRequest) => {
    requested = true;
    if (request?.full) full = true;
  });
  let rounds = 0;
  let report: BuildReport | undefined;
  while (requested) {
    requested = false;
    if (rounds > 0) await sleep('2 seconds');
    const round = full;
    full = false;
    report = await executeChild(martsBuildRoundWorkflow, {
      args: [{ full: round }],
      workflowId: `${workflowInfo().workflowId}-${new Date().toISOString().replace(/[-:.]/g, '')}-${rounds + 1}`,
      staticSummary: `${round ? 'full' : 'incremental'} warehouse build`,
    });
    rounds += 1;
    setCurrentDetails(`${rounds} builds; the last: ${report.kind}, ${report.newBatches} new batches, ${(report.ms / 1000).toFixed(1)} s`);
  }
  return { ...report!, rounds };
}
