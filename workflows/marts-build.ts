import { defineSignal, proxyActivities, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities, BuildReport } from '../activities/index.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';

const { buildWarehouse } = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['ModelCheckError'] },
});

/** Asks the running build for one more round (the lake changed after it started). */
export const requestBuildSignal = defineSignal('requestBuild');

/** Workflow id of the warehouse build of a task queue (one deployment): one build at a time. */
export function martsBuildWorkflowId(taskQueue: string): string {
  return `marts-build-${taskQueue}`;
}

export interface MartsBuildResult extends BuildReport {
  /** Rounds this run built: requests that arrived during a round cause one more, not one each. */
  rounds: number;
}

/**
 * Rebuilds the DuckDB warehouse from the lake's committed batches; the old one stays until the new one
 * is complete. Requests (signals) arriving during a build are coalesced into one more round, after a
 * short pause that lets a burst of batches settle.
 */
export async function martsBuildWorkflow(): Promise<MartsBuildResult> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'marts-build' }]);
  let requested = true;
  setHandler(requestBuildSignal, () => {
    requested = true;
  });
  let rounds = 0;
  let report: BuildReport | undefined;
  while (requested) {
    requested = false;
    if (rounds > 0) await sleep('2 seconds');
    report = await buildWarehouse();
    rounds += 1;
  }
  return { ...report!, rounds };
}
