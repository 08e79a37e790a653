import { proxyActivities } from '@temporalio/workflow';
import type { Activities, DataDirSummary } from '../activities/index.ts';

const { prepareDataDir } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

export interface DemoResult {
  dataDir: DataDirSummary;
}

/** The platform's smoke run: prepares the data directory on the worker's disk and reports it. */
export async function demoWorkflow(): Promise<DemoResult> {
  const dataDir = await prepareDataDir();
  return { dataDir };
}
