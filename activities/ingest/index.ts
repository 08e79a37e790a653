export { stageBatch, stageDir, type StageInput, type StageResult } from './stage.ts';
export { commitBatch, readManifest, committedBatches, manifestPath, type BatchManifest, type CommitInput } from './commit.ts';
export { scanInbox, settleInboxFile, hashFile, batchIdOf, type InboxFile } from './inbox.ts';
export { BatchFileError, BatchInvariantError, StageMissingError, NON_RETRYABLE_INGEST_ERRORS } from './errors.ts';
