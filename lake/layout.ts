import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { DataDirError } from './errors.ts';

/**
 * Where things live in the lake folder. Event tables are Hive-partitioned by month
 * (`<table>/event_month=YYYY-MM/b<batch>_<n>.parquet`); the rest are gamelake's own bookkeeping.
 */
export const MANIFEST_DIR = '_manifests';
export const EVENT_ID_DIR = '_event_ids';
/** Commits in progress: the files a batch is moving into the lake, so a crash can be rolled forward or cleaned. */
export const PENDING_DIR = '_pending';
export const QUARANTINE_DIR = 'quarantine';
/** Which quarantined lines a replay took out of quarantine (one file per replay batch). */
export const RECOVERED_DIR = 'quarantine_recovered';
/** Compaction records: each replaces some live files of one table and partition with one merged file. */
export const COMPACTION_DIR = '_compactions';
/** Work in progress that must not be seen in the partition folders (compaction output before its commit). */
export const LAKE_WORK_DIR = '_work';
export const STEAM_DIR = 'steam';

export function manifestPath(lakeDir: string, batchId: string): string {
  return path.join(lakeDir, MANIFEST_DIR, `${batchId}.json`);
}

export function pendingPath(lakeDir: string, batchId: string): string {
  return path.join(lakeDir, PENDING_DIR, `${batchId}.json`);
}

export function eventIdsPath(lakeDir: string, batchId: string): string {
  return path.join(lakeDir, EVENT_ID_DIR, `${batchId}.parquet`);
}

/** A batch's working folder (staged rows, the commit's output before it moves into the lake). */
export function stageDir(workDir: string, batchId: string): string {
  return path.join(workDir, batchId);
}

/** File name prefix of a batch's files inside partitions. */
export function batchFilePrefix(batchId: string): string {
  return `b${batchId}_`;
}

/** Where things live under the data directory (documented in the README). */
export function dataLayout(dataDir: string) {
  return {
    root: dataDir,
    temporalDb: path.join(dataDir, 'temporal.db'),
    lake: path.join(dataDir, 'lake'),
    inbox: path.join(dataDir, 'inbox'),
    inboxDone: path.join(dataDir, 'inbox', 'done'),
    inboxFailed: path.join(dataDir, 'inbox', 'failed'),
    /** The collector's spool: open/ (being written), closed/ (to ingest), failed/ (a batch that failed for good). */
    spool: path.join(dataDir, 'spool'),
    warehouse: path.join(dataDir, 'warehouse.duckdb'),
    logs: path.join(dataDir, 'logs'),
  };
}

export type DataLayout = ReturnType<typeof dataLayout>;

/**
 * Checks that a data directory exists and can be read, and its lake too when there is one (a command that
 * only reads must not answer "empty" for a directory it was never given).
 */
export function checkDataDir(dataDir: string): void {
  const readable = (dir: string) => {
    try {
      accessSync(dir, constants.R_OK | constants.X_OK);
      return statSync(dir).isDirectory() ? undefined : 'is not a directory';
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as NodeJS.ErrnoException).code})`;
    }
  };
  const data = readable(dataDir);
  if (data) throw new DataDirError(`the data directory ${dataDir} ${data} (set GAMELAKE_DATA_DIR to the one gamelake writes)`);
  const lake = path.join(dataDir, 'lake');
  if (existsSync(lake)) {
    const problem = readable(lake);
    if (problem) throw new DataDirError(`the lake ${lake} ${problem}`);
  }
}
