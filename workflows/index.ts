// Everything the worker registers as a workflow. Workflow code runs in Temporal's sandbox: import only
// @temporalio/workflow, @temporalio/common, other workflow modules and types (`import type`).
export { demoWorkflow, type DemoResult } from './demo.ts';
export { ingestBatchWorkflow, type IngestBatchInput, type IngestBatchResult } from './ingest-batch.ts';
export { ingestInboxWorkflow, type InboxInput, type InboxResult } from './ingest-inbox.ts';
export { martsBuildWorkflow, martsBuildRoundWorkflow, requestBuildSignal, type MartsBuildResult, type BuildRequest } from './marts-build.ts';
export { lakeCompactWorkflow, type LakeCompactInput, type LakeCompactResult } from './lake-compact.ts';
export { forgetWorkflow, type ForgetInput, type ForgetResult } from './forget.ts';
export { quarantineReplayWorkflow, type QuarantineReplayInput, type QuarantineReplayResult } from './quarantine-replay.ts';
export { lakeRetentionWorkflow, type LakeRetentionInput, type LakeRetentionResult } from './lake-retention.ts';
export { steamSweepWorkflow, steamSweepScheduledWorkflow, requestSweepSignal, type SteamSweepInput, type SteamSweepResult } from './steam-sweep.ts';
export { steamPlayerWorkflow, type SteamPlayerResult } from './steam-player.ts';
export { steamScanWorkflow, scanStatusQuery, stopScanSignal, type SteamScanInput, type SteamScanStatus } from './steam-scan.ts';
export { steamRefreshWorkflow, steamFindMatchesWorkflow, type SteamRefreshResult, type FoundMatch } from './steam-requests.ts';
// What workflows and the client side agree on: task queues, workflow ids, search attributes, retry policies.
export * from './common.ts';
