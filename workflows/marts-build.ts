import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities, BuildReport } from '../activities/index.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';

const { buildWarehouse } = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['ModelCheckError'] },
});

/** Workflow id of the warehouse build: one at a time; a request while one runs joins it. */
export const MARTS_BUILD_WORKFLOW_ID = 'marts-build';

/** Rebuilds the DuckDB warehouse from the lake's committed batches; the old one stays until the new one is complete. */
export async function martsBuildWorkflow(): Promise<BuildReport> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'marts-build' }]);
  return buildWarehouse();
}
