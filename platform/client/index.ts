/** The client side: starting jobs, Schedules, the session a command opens, batches and their retries. */
export * from './batches.ts';
export * from './jobs.ts';
export * from './schedules.ts';
export * from './session.ts';
