import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { lakeSnapshot, type CompactionRecord, type LakeFile, type LakeSnapshot } from './catalog.ts';
import { commitReplacement, newReplacement, recoverReplacements } from './replace.ts';
import { fileList, openDb, sqlLiteral, type Db } from './duckdb.ts';
import { LakeInvariantError, LakeLockTimeoutError } from './errors.ts';
import { LAKE_WORK_DIR } from './layout.ts';
import { withLakeLock } from './lock.ts';

/**
 * Compaction: merges a partition's small files (one per batch) into files of about the target size.
 *
 * One group of files is merged at a time, safe under kill -9 at any point:
 * 1. the merged file is written outside the partition folders (`_work/compact-<id>/`), its rows counted
 *    against the inputs';
 * 2. under the lake's commit lock: an intent (`_pending/compaction-<id>.json`) is written, the merged file is
 *    moved into its partition, and the compaction record is written (the commit point: readers of the
 *    catalog now see the merged file instead of the inputs); then the intent is removed;
 * 3. the inputs stay on disk, retired, until vacuumLake finds that nothing refers to them.
 * A crash before the record leaves an intent: the next compaction (or vacuum) removes its output from the
 * partition. The whole run holds the compaction lock, so two compactions never interleave.
 */

export const DEFAULT_TARGET_BYTES = 128 * 2 ** 20;
/** Held for a whole compaction or vacuum (the commit lock is taken only around each commit). */
export const COMPACT_LOCK = '_compact_lock';
/** A file this much under the target counts as small (a merged file may come out a little smaller). */
const SMALL = 0.9;

export interface FileStat extends LakeFile {
  bytes: number;
  rows: number;
}

/** Sizes and row counts of live files (rows from the Parquet footers). */
export async function fileStats(lakeDir: string, files: readonly LakeFile[], db?: Db): Promise<FileStat[]> {
  if (files.length === 0) return [];
  const own = db ?? (await openDb({ threads: 2 }));
  try {
    const rows = new Map<string, number>();
    const abs = files.map((f) => path.join(lakeDir, f.path));
    for (const r of await own.rows<{ file: string; n: bigint }>(`SELECT file_name AS file, sum(num_rows) AS n FROM parquet_file_metadata(${fileList(abs)}) GROUP BY ALL`)) {
      rows.set(r.file, Number(r.n));
    }
    return files.map((f, i) => ({ ...f, bytes: statSync(abs[i]!).size, rows: rows.get(abs[i]!) ?? 0 }));
  } finally {
    if (!db) own.close();
  }
}

export interface CompactionGroup {
  table: string;
  partition: string;
  inputs: FileStat[];
}

/**
 * Which files to merge: per table and partition, the small files in path order (batch order), packed into
 * groups of at most the target size; a group of one file is left as it is.
 */
export function planCompaction(stats: readonly FileStat[], targetBytes: number): CompactionGroup[] {
  const byPlace = new Map<string, FileStat[]>();
  for (const f of stats) {
    if (f.bytes >= targetBytes * SMALL) continue;
    const key = `${f.table}\0${f.partition}`;
    byPlace.set(key, [...(byPlace.get(key) ?? []), f]);
  }
  const groups: CompactionGroup[] = [];
  for (const files of byPlace.values()) {
    files.sort((a, b) => (a.path < b.path ? -1 : 1));
    let current: FileStat[] = [];
    let bytes = 0;
    const flush = () => {
      if (current.length > 1) groups.push({ table: current[0]!.table, partition: current[0]!.partition, inputs: current });
      current = [];
      bytes = 0;
    };
    for (const f of files) {
      if (current.length > 0 && bytes + f.bytes > targetBytes) flush();
      current.push(f);
      bytes += f.bytes;
    }
    flush();
  }
  return groups;
}

export interface CompactOptions {
  lakeDir: string;
  targetBytes?: number;
  /** DuckDB's memory limit while merging (default 512MB). */
  memoryLimit?: string;
  onProgress?: (progress: { group: number; groups: number; table: string; partition: string }) => void;
}

export interface CompactReport {
  groups: number;
  /** Live files before and after. */
  filesBefore: number;
  filesAfter: number;
  /** Files merged away (now retired) and written. */
  merged: number;
  written: number;
  bytesRewritten: number;
  /** Commits of interrupted compactions undone first (their merged files removed). */
  recovered: number;
  ms: number;
}

/**
 * Undoes what interrupted compactions, retention runs and erasures left (call holding the compaction lock):
 * files moved into partitions whose record was never written are removed, with the intent and work folder.
 */
export function recoverCompactions(lakeDir: string): number {
  return recoverReplacements(lakeDir);
}

function outputPath(table: string, partition: string, id: string): string {
  return partition ? `${table}/${partition}/c${id}.parquet` : `${table}/c${id}.parquet`;
}

/** Merges one group into a file under _work; returns its record (not yet committed). */
async function mergeGroup(db: Db, lakeDir: string, group: CompactionGroup): Promise<{ record: Omit<CompactionRecord, 'seq' | 'committedAt'>; work: string }> {
  const { id, work } = newReplacement('compact');
  const output = outputPath(group.table, group.partition, id);
  const tmp = path.join(lakeDir, work, output);
  mkdirSync(path.dirname(tmp), { recursive: true });
  const inputs = group.inputs.map((f) => path.join(lakeDir, f.path));
  // Files are read in path (batch) order and written in that order: rows stay clustered by batch.
  const [copied] = await db.rows<{ Count: bigint }>(
    `COPY (SELECT * FROM read_parquet(${fileList(inputs)}, hive_partitioning = false, union_by_name = true)) TO ${sqlLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  const rows = group.inputs.reduce((s, f) => s + f.rows, 0);
  if (Number(copied?.Count ?? -1) !== rows) {
    throw new LakeInvariantError(`compaction of ${group.table}/${group.partition}: wrote ${copied?.Count} rows, the ${inputs.length} inputs hold ${rows}`);
  }
  const batches = [...new Set(group.inputs.flatMap((f) => f.batches))].sort();
  return { record: { id, table: group.table, partition: group.partition, inputs: group.inputs.map((f) => f.path), output, rows, bytes: statSync(tmp).size, batches }, work };
}

/** Moves a merged file into its partition and writes its record, under the commit lock. False: its inputs changed meanwhile. */
async function commitGroup(lakeDir: string, merged: { record: Omit<CompactionRecord, 'seq' | 'committedAt'>; work: string }): Promise<boolean> {
  return commitReplacement(lakeDir, { id: merged.record.id, inputs: merged.record.inputs, outputs: [merged.record.output], work: merged.work }, (seq, committedAt) => ({
    ...merged.record,
    seq,
    committedAt,
  }));
}

/** Compacts the whole lake: every table and partition with more than one small file. */
export async function compactLake(options: CompactOptions): Promise<CompactReport> {
  const started = Date.now();
  const { lakeDir } = options;
  const targetBytes = options.targetBytes ?? DEFAULT_TARGET_BYTES;
  return withLakeLock(
    lakeDir,
    async () => {
      const recovered = recoverCompactions(lakeDir);
      const before = lakeSnapshot(lakeDir);
      const db = await openDb({
        threads: 2,
        memoryLimit: options.memoryLimit ?? '512MB',
        tempDirectory: path.join(lakeDir, LAKE_WORK_DIR, 'duckdb-tmp'),
        preserveInsertionOrder: true,
      });
      const report: CompactReport = { groups: 0, filesBefore: before.files.length, filesAfter: before.files.length, merged: 0, written: 0, bytesRewritten: 0, recovered, ms: 0 };
      try {
        const groups = planCompaction(await fileStats(lakeDir, before.files, db), targetBytes);
        report.groups = groups.length;
        for (const [i, group] of groups.entries()) {
          options.onProgress?.({ group: i + 1, groups: groups.length, table: group.table, partition: group.partition });
          const merged = await mergeGroup(db, lakeDir, group);
          if (await commitGroup(lakeDir, merged)) {
            report.merged += group.inputs.length;
            report.written += 1;
            report.bytesRewritten += merged.record.bytes;
          } else {
            rmSync(path.join(lakeDir, merged.work), { recursive: true, force: true });
          }
        }
      } finally {
        db.close();
        rmSync(path.join(lakeDir, LAKE_WORK_DIR, 'duckdb-tmp'), { recursive: true, force: true });
      }
      report.filesAfter = lakeSnapshot(lakeDir).files.length;
      report.ms = Date.now() - started;
      return report;
    },
    { name: COMPACT_LOCK },
  );
}

export interface VacuumOptions {
  /** Lake-relative paths something still reads (the current warehouse's views): never removed. */
  referenced: ReadonlySet<string>;
  /** Only files retired at least this long ago are removed (readers that opened an older warehouse just before it was replaced finish first). */
  minAgeMs?: number;
  now?: () => number;
  /** Give up (and remove nothing) if a compaction holds the lock longer than this (default 10 s). */
  lockTimeoutMs?: number;
}

export interface VacuumReport {
  removed: string[];
  bytes: number;
  /** Retired files kept (still referenced, or retired too recently). */
  kept: number;
  /** A compaction was running: nothing was looked at. */
  busy: boolean;
}

/** Removes retired files nothing refers to. */
export async function vacuumLake(lakeDir: string, options: VacuumOptions): Promise<VacuumReport> {
  try {
    return await vacuumHoldingLock(lakeDir, options);
  } catch (err) {
    if (err instanceof LakeLockTimeoutError) return { removed: [], bytes: 0, kept: 0, busy: true };
    throw err;
  }
}

async function vacuumHoldingLock(lakeDir: string, options: VacuumOptions): Promise<VacuumReport> {
  return withLakeLock(
    lakeDir,
    async () => {
      recoverCompactions(lakeDir);
      const snapshot: LakeSnapshot = lakeSnapshot(lakeDir);
      const now = (options.now ?? Date.now)();
      const minAge = options.minAgeMs ?? 5 * 60_000;
      const removed: string[] = [];
      let bytes = 0;
      let kept = 0;
      for (const r of snapshot.retired) {
        const abs = path.join(lakeDir, r.path);
        if (!existsSync(abs)) continue;
        if (options.referenced.has(r.path) || now - Date.parse(r.at) < minAge) {
          kept += 1;
          continue;
        }
        bytes += statSync(abs).size;
        rmSync(abs, { force: true });
        removed.push(r.path);
      }
      return { removed, bytes, kept, busy: false };
    },
    { name: COMPACT_LOCK, timeoutMs: options.lockTimeoutMs ?? 10_000 },
  );
}

export interface TableStatus {
  table: string;
  files: number;
  bytes: number;
  rows: number;
  /** Files under the compaction target (about 90% of it). */
  underTarget: number;
}

export interface LakeStatus {
  batches: number;
  compactions: number;
  /** Retention runs and erasures committed (the erasure log: `gamelake forget`). */
  retentionRuns: number;
  erasures: number;
  tables: TableStatus[];
  /** Retired files still on disk (waiting for nothing to refer to them). */
  retired: { files: number; bytes: number };
  targetBytes: number;
}

/** Files, bytes and rows per table of the live lake. */
export async function lakeStatus(lakeDir: string, targetBytes = DEFAULT_TARGET_BYTES): Promise<LakeStatus> {
  const snapshot = lakeSnapshot(lakeDir);
  const stats = await fileStats(lakeDir, snapshot.files);
  const tables = new Map<string, TableStatus>();
  for (const f of stats) {
    const t = tables.get(f.table) ?? { table: f.table, files: 0, bytes: 0, rows: 0, underTarget: 0 };
    t.files += 1;
    t.bytes += f.bytes;
    t.rows += f.rows;
    if (f.bytes < targetBytes * SMALL) t.underTarget += 1;
    tables.set(f.table, t);
  }
  const retired = snapshot.retired.filter((r) => existsSync(path.join(lakeDir, r.path)));
  return {
    batches: snapshot.batches.size,
    compactions: snapshot.compactions.length,
    retentionRuns: snapshot.rewrites.filter((r) => r.kind === 'retention').length,
    erasures: snapshot.rewrites.filter((r) => r.kind === 'erasure').length,
    tables: [...tables.values()].sort((a, b) => (a.table < b.table ? -1 : 1)),
    retired: { files: retired.length, bytes: retired.reduce((s, r) => s + statSync(path.join(lakeDir, r.path)).size, 0) },
    targetBytes,
  };
}
