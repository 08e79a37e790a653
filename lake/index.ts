// The lake: its layout, table definitions (from the contracts), manifests, the ingestion engine (stage,
// commit), the Steam mirror's writer and reader, and the DuckDB helpers. Activities and the warehouse
// import it; it imports only transforms/.
export { openDb, sqlLiteral, fileList, lakeFileList, lakePathSql, LAKE_VARIABLE, textList, type Db, type OpenOptions } from './duckdb.ts';
export { BatchFileError, BatchInvariantError, StageMissingError, LakeLockTimeoutError, LakeInvariantError, LakeCatalogError, DataDirError } from './errors.ts';
export * from './layout.ts';
export { loadContracts, readContractFile, DEFAULT_CONTRACTS_DIR } from './contracts.ts';
export { committedBatches, readManifest, writeManifest, UNKNOWN_PRODUCT, type BatchManifest, type CoercionCounts, type ProductCounts } from './manifest.ts';
export { withLakeLock } from './lock.ts';
export { stageBatch, sqlFor, STAGED_MARKER, type StageInput, type StageOptions, type StageResult } from './ingest/stage.ts';
export { commitBatch, removePending, type CommitInput, type CommitOptions } from './ingest/commit.ts';
export { BatchReader, isGzipFile } from './ingest/reader.ts';
export { writeRaw, writeSteamRows, rawDir, steamDir } from './steam/writer.ts';
export { loadSteamLake, createSteamState, steamFiles } from './steam/read.ts';
export { lakeSnapshot, tableFiles, placeOf, type LakeFile, type LakeSnapshot, type CompactionRecord, type RewriteRecord, type CatalogRecord } from './catalog.ts';
export { eraseFromLake, recordErasure, subjectHash, type EraseOptions, type EraseReport } from './erase.ts';
export { eraseSteamPlayer, type SteamEraseReport } from './steam/erase.ts';
export { planReplay, type ReplaySelection, type ReplayPlan, type ReplayReasonCounts, type ReplayPlanOptions } from './replay.ts';
export { applyRetention, retentionStatus, type RetentionOptions, type RetentionReport, type RetentionPartition } from './retention.ts';
export {
  compactLake,
  vacuumLake,
  lakeStatus,
  recoverCompactions,
  planCompaction,
  fileStats,
  DEFAULT_TARGET_BYTES,
  type CompactReport,
  type VacuumReport,
  type LakeStatus,
  type TableStatus,
  type FileStat,
} from './compact.ts';
export { recoverLake, type RecoveryReport } from './recover.ts';
