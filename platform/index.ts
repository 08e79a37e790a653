export * from './errors.ts';
export * from './env.ts';
export { resolveTemporalCli, temporalCliVersion, TEMPORAL_CLI_VERSION, PROJECT_ROOT } from './server/temporal-cli.ts';
export { startDevServer, waitForTemporal, isPortOpen, freePort, type DevServer } from './server/dev-server.ts';
export { ensureSearchAttributes, searchAttributeFlags } from './search-attributes.ts';
export { openSession, workflowUrl, installQuietRuntime, type Session } from './client/session.ts';
export { createGamelakeWorker, workflowBundle, WORKFLOWS_PATH } from './worker/worker.ts';
