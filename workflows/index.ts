// Everything the worker registers as a workflow. Workflow code runs in Temporal's sandbox: import only
// @temporalio/workflow, @temporalio/common, other workflow modules and types (`import type`).
export { demoWorkflow, type DemoResult } from './demo.ts';
export { ingestBatchWorkflow, ingestWorkflowId, type IngestBatchInput, type IngestBatchResult } from './ingest-batch.ts';
export { ingestInboxWorkflow, type InboxResult } from './ingest-inbox.ts';
export { martsBuildWorkflow, martsBuildWorkflowId, requestBuildSignal, type MartsBuildResult } from './marts-build.ts';
export { steamSweepWorkflow, steamSweepScheduledWorkflow, steamSweepWorkflowId, requestSweepSignal, type SteamSweepInput, type SteamSweepResult } from './steam-sweep.ts';
export { steamPlayerWorkflow, steamPlayerWorkflowId, type SteamPlayerResult } from './steam-player.ts';
export { steamScanWorkflow, steamScanWorkflowId, scanStatusQuery, stopScanSignal, type SteamScanInput, type SteamScanStatus } from './steam-scan.ts';
export { steamTaskQueue } from './steam-activities.ts';
