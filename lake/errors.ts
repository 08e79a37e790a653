import { GamelakeError } from '../transforms/errors.ts';

export { ContractError, GamelakeError } from '../transforms/errors.ts';

/** The batch file is missing, unreadable, not what it claims (truncated gzip), or changed since it was submitted. Retrying will not help. */
export class BatchFileError extends GamelakeError {}

/** The counts of a batch do not add up; nothing was committed. */
export class BatchInvariantError extends GamelakeError {}

/** Staged output of a batch is missing or incomplete at commit time (stage it again). */
export class StageMissingError extends GamelakeError {}

/** The lake's commit lock stayed taken longer than allowed. */
export class LakeLockTimeoutError extends GamelakeError {}

/** A lake operation found its own output inconsistent (rows lost or doubled); nothing was committed. */
export class LakeInvariantError extends GamelakeError {}

/** A catalog file (a batch manifest, a compaction record) cannot be read or is not what its folder holds: named by its path. */
export class LakeCatalogError extends GamelakeError {}

/** The data directory (or its lake) is missing or cannot be read. */
export class DataDirError extends GamelakeError {}
