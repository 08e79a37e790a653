import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { ingestInboxWorkflow } from '../workflows/index.ts';
import { GAMELAKE_JOB } from '../workflows/search-attributes.ts';

export const INBOX_SCHEDULE_ID = 'gamelake-inbox';

/**
 * Creates gamelake's Temporal Schedules when they are missing (idempotent; a user's edits to an existing
 * schedule, such as a pause, are kept): the inbox scan every 30 seconds.
 */
export async function ensureSchedules(client: Client, taskQueue: string): Promise<string[]> {
  const created: string[] = [];
  try {
    await client.schedule.create({
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
    created.push(INBOX_SCHEDULE_ID);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  return created;
}
