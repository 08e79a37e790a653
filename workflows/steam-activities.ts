import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SteamFetchActivities } from '../activities/index.ts';

/** Task queue of the Steam API activities: its worker's rate limit is the global API call rate. */
export function steamTaskQueue(taskQueue: string): string {
  return `${taskQueue}-steam`;
}

/**
 * Steam API activities, one call each, on the rate-limited task queue. Retried for as long as it takes
 * (429 after Retry-After, 5xx, timeouts, malformed answers); a bad key (401/403) or a gone endpoint fails at once.
 */
export function steamActivities(): SteamFetchActivities {
  return proxyActivities<SteamFetchActivities>({
    taskQueue: steamTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes', nonRetryableErrorTypes: ['SteamAuthError', 'SteamRequestError'] },
  });
}

/** Runs tasks with at most `limit` in flight (deterministic: results in task order). */
export async function inPool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}
