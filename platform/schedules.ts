import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { ingestInboxWorkflow, martsBuildWorkflow, martsBuildWorkflowId } from '../workflows/index.ts';
import { GAMELAKE_JOB } from '../workflows/search-attributes.ts';

export const INBOX_SCHEDULE_ID = 'gamelake-inbox';
export const MARTS_SCHEDULE_ID = 'gamelake-marts';

/**
 * Creates gamelake's Temporal Schedules when they are missing (idempotent; a user's edits to an existing
 * schedule, such as a pause, are kept): the inbox scan every 30 seconds, a warehouse build every hour.
 */
export async function ensureSchedules(client: Client, taskQueue: string): Promise<string[]> {
  const created: string[] = [];
  const create = async (options: Parameters<Client['schedule']['create']>[0]) => {
    try {
      await client.schedule.create(options);
      created.push(options.scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  };
  await create({
    scheduleId: INBOX_SCHEDULE_ID,
    spec: { intervals: [{ every: '30 seconds' }] },
    action: {
      type: 'startWorkflow',
      workflowType: ingestInboxWorkflow,
      workflowId: 'ingest-inbox',
      taskQueue,
      typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'ingest-inbox' }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    state: { note: 'Picks up batch files dropped into $GAMELAKE_DATA_DIR/inbox' },
  });
  await create({
    scheduleId: MARTS_SCHEDULE_ID,
    spec: { intervals: [{ every: '1 hour' }] },
    action: {
      type: 'startWorkflow',
      workflowType: martsBuildWorkflow,
      workflowId: `${martsBuildWorkflowId(taskQueue)}-scheduled`,
      taskQueue,
      typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'marts-build' }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
    state: { note: 'Rebuilds the DuckDB warehouse; builds also follow each ingested batch' },
  });
  return created;
}
