import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { removePending } from './ingest/commit.ts';
import { COMPACT_LOCK, recoverCompactions } from './compact.ts';
import { LakeLockTimeoutError } from './errors.ts';
import { PENDING_DIR } from './layout.ts';
import { withLakeLock } from './lock.ts';

export interface RecoveryReport {
  /** Batches whose cut-short commit was taken back (their moved files removed from the partitions). */
  commits: string[];
  /** Files removed with them. */
  files: number;
  /** Compactions cut short that were undone (null: a compaction is running, not looked at). */
  compactions: number | null;
}

/**
 * Takes back what a crash left half done, so the partition folders hold only committed files (what an
 * engine that scans them, as Spark, Trino or DuckDB's Hive reader do, counts): a batch commit that moved
 * some files and died before its manifest (under the commit lock, no live commit can be in that state), and
 * a compaction that moved its merged file and died before its record. The batch's workflow stages it again.
 * Run when a worker starts.
 */
export async function recoverLake(lakeDir: string): Promise<RecoveryReport> {
  const report: RecoveryReport = { commits: [], files: 0, compactions: null };
  const pending = path.join(lakeDir, PENDING_DIR);
  if (existsSync(pending)) {
    await withLakeLock(lakeDir, async () => {
      for (const f of readdirSync(pending).filter((n) => n.endsWith('.json') && !n.startsWith('compaction-'))) {
        const batchId = f.slice(0, -5);
        const removed = removePending(lakeDir, batchId);
        if (removed.length > 0) report.commits.push(batchId);
        report.files += removed.length;
      }
    });
  }
  try {
    report.compactions = await withLakeLock(lakeDir, async () => recoverCompactions(lakeDir), { name: COMPACT_LOCK, timeoutMs: 2000 });
  } catch (err) {
    if (!(err instanceof LakeLockTimeoutError)) throw err;
  }
  return report;
}
