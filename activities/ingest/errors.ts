import { GamelakeError } from '../../platform/errors.ts';

/** The batch file is missing, unreadable, or changed since it was submitted (not worth retrying). */
export class BatchFileError extends GamelakeError {}

/** The counts of a batch do not add up; nothing was committed. */
export class BatchInvariantError extends GamelakeError {}

/** Staged files for a batch are missing or incomplete at commit time. */
export class StageMissingError extends GamelakeError {}

/** Error types that a retry cannot fix (used as nonRetryableErrorTypes). */
export const NON_RETRYABLE_INGEST_ERRORS = ['BatchFileError', 'BatchInvariantError'];
