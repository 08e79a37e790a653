// Everything the worker registers as a workflow. Workflow code runs in Temporal's sandbox: import only
// @temporalio/workflow, @temporalio/common, other workflow modules and types (`import type`).
export { demoWorkflow, type DemoResult } from './demo.ts';
export { ingestBatchWorkflow, ingestWorkflowId, type IngestBatchInput, type IngestBatchResult } from './ingest-batch.ts';
export { ingestInboxWorkflow, inboxWorkflowId, type InboxInput, type InboxResult } from './ingest-inbox.ts';
export { martsBuildWorkflow, martsBuildRoundWorkflow, martsBuildWorkflowId, requestBuildSignal, type MartsBuildResult, type BuildRequest } from './marts-build.ts';
export { lakeCompactWorkflow, lakeCompactWorkflowId, type LakeCompactInput, type LakeCompactResult } from './lake-compact.ts';
export { steamSweepWorkflow, steamSweepScheduledWorkflow, steamSweepWorkflowId, requestSweepSignal, type SteamSweepInput, type SteamSweepResult } from './steam-sweep.ts';
export { steamPlayerWorkflow, steamPlayerWorkflowId, type SteamPlayerResult } from './steam-player.ts';
export { steamScanWorkflow, steamScanWorkflowId, scanStatusQuery, stopScanSignal, type SteamScanInput, type SteamScanStatus } from './steam-scan.ts';
export { steamTaskQueue } from './steam-activities.ts';
