import { Context } from '@temporalio/activity';

// What an activity tells Temporal and the worker's log while it runs; outside an activity (unit tests,
// benchmarks) each is a no-op.

/** Heartbeats when running inside an activity; a no-op when called directly (unit tests). */
export function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not in an activity context
  }
}

/** One line in the worker's log (platform/logger.ts keeps lines marked gamelake); a no-op outside an activity. */
export function say(message: string, fields: Record<string, unknown>): void {
  try {
    Context.current().log.info(message, { gamelake: true, ...fields });
  } catch {
    // not in an activity context
  }
}

/** The run id of the workflow that started this activity; undefined outside an activity. */
export function workflowRun(): string | undefined {
  try {
    return Context.current().info.workflowExecution?.runId;
  } catch {
    return undefined;
  }
}

/**
 * Runs `work` heartbeating every second with its latest progress, so a short heartbeat timeout tells a dead
 * worker from a long step (one merge of 128 MiB) quickly.
 */
export async function heartbeating<T>(work: (progress: (details: unknown) => void) => Promise<T>): Promise<T> {
  let last: unknown = { step: 'starting' };
  heartbeat(last);
  const timer = setInterval(() => heartbeat(last), 1000);
  try {
    return await work((details) => {
      last = details;
      heartbeat(details);
    });
  } finally {
    clearInterval(timer);
  }
}

/** The reporter the worker hands to activity factories of other folders (the warehouse's). */
export const activityReporter = { heartbeat, say };
