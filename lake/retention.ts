import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ContractRegistry } from '../transforms/contract/model.ts';
import type { Retention } from '../transforms/contract/model.ts';
import { expiredProducts, retentionByTable } from '../transforms/retention.ts';
import { lakeTables, PARTITION_COLUMN } from '../transforms/tables.ts';
import { lakeSnapshot, type LakeFile, type RewriteRecord } from './catalog.ts';
import { COMPACT_LOCK, recoverCompactions } from './compact.ts';
import { fileList, openDb, sqlLiteral, textList, type Db } from './duckdb.ts';
import { LakeInvariantError } from './errors.ts';
import { LAKE_WORK_DIR } from './layout.ts';
import { withLakeLock } from './lock.ts';
import { commitReplacement, newReplacement } from './replace.ts';

/**
 * Retention: drops the month partitions past each contract's retention through the catalog. A partition
 * whose rows all belong to expired products is dropped whole (its files retired, none written); one shared
 * with a product that keeps its rows longer (`events` holds every product's) is rewritten without the
 * expired rows. All of a run's changes are one catalog record: readers see the lake before it or after it.
 */

export interface RetentionOptions {
  lakeDir: string;
  registry: ContractRegistry;
  /** The instant retention is measured from (ms). */
  asOfMs: number;
  /** Plan only: report what would be dropped, change nothing. */
  dryRun?: boolean;
  onProgress?: (progress: { step: string }) => void;
}

export interface RetentionPartition {
  table: string;
  partition: string;
  /** Products whose rows of it are past their retention. */
  products: string[];
  /** dropped: every file retired; rewritten: the other products' rows kept in a new file. */
  action: 'dropped' | 'rewritten';
  rows: number;
  files: number;
}

export interface RetentionReport {
  asOf: string;
  dryRun: boolean;
  partitions: RetentionPartition[];
  /** Rows taken out per table. */
  removed: Record<string, number>;
  /** The record committed (undefined: nothing was past retention, a dry run, or the files changed meanwhile). */
  record?: string;
  ms: number;
}

/** Each table's retention per product, and its oldest live partition: what `gamelake lake status` shows. */
export function retentionStatus(lakeDir: string, registry: ContractRegistry): Array<{ table: string; oldest: string | null; products: number; retention: Record<string, string> }> {
  const policy = retentionByTable(registry);
  const oldest = new Map<string, string>();
  for (const f of lakeSnapshot(lakeDir).files) {
    if (!f.partition) continue;
    const month = monthOf(f.partition);
    const was = oldest.get(f.table);
    if (month && (!was || month < was)) oldest.set(f.table, month);
  }
  return [...lakeTables(registry).values()]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(({ name: table, products }) => ({
      table,
      oldest: oldest.get(table) ?? null,
      products: products.length,
      retention: Object.fromEntries([...(policy.get(table) ?? new Map<string, Retention>())].map(([p, r]) => [p, r.text])),
    }));
}

const monthOf = (partition: string) => (partition.startsWith(`${PARTITION_COLUMN.name}=`) ? partition.slice(PARTITION_COLUMN.name.length + 1) : undefined);

/** Applies the contracts' retention to the lake as of `asOfMs` (holding the compaction lock: no compaction interleaves). */
export async function applyRetention(options: RetentionOptions): Promise<RetentionReport> {
  const started = Date.now();
  const { lakeDir } = options;
  const policy = retentionByTable(options.registry);
  return withLakeLock(
    lakeDir,
    async () => {
      if (!options.dryRun) recoverCompactions(lakeDir);
      const snapshot = lakeSnapshot(lakeDir);
      const report: RetentionReport = { asOf: new Date(options.asOfMs).toISOString(), dryRun: options.dryRun ?? false, partitions: [], removed: {}, ms: 0 };
      // Live files of each expired (table, partition), with the products past retention there.
      const places = new Map<string, { table: string; partition: string; expired: string[]; files: LakeFile[] }>();
      for (const f of snapshot.files) {
        const month = monthOf(f.partition);
        if (!month) continue;
        const expired = expiredProducts(policy, f.table, month, options.asOfMs);
        if (expired.length === 0) continue;
        const key = `${f.table}\0${f.partition}`;
        const place = places.get(key) ?? { table: f.table, partition: f.partition, expired, files: [] };
        place.files.push(f);
        places.set(key, place);
      }
      if (places.size === 0) return { ...report, ms: Date.now() - started };
      const { id, work } = newReplacement('rewrite');
      const db = await openDb({ threads: 2, memoryLimit: '512MB', tempDirectory: path.join(lakeDir, LAKE_WORK_DIR, `duckdb-tmp-${id}`), preserveInsertionOrder: true });
      const inputs: string[] = [];
      const outputs: LakeFile[] = [];
      try {
        for (const [i, place] of [...places.values()].entries()) {
          options.onProgress?.({ step: `${place.table}/${place.partition} (${i + 1} of ${places.size})` });
          const abs = place.files.map((f) => path.join(lakeDir, f.path));
          const counts = await productRows(db, abs);
          const total = counts.reduce((n, c) => n + c.rows, 0);
          const gone = counts.filter((c) => place.expired.includes(c.product)).reduce((n, c) => n + c.rows, 0);
          if (gone === 0) continue;
          const kept = counts.filter((c) => !place.expired.includes(c.product));
          const entry: RetentionPartition = {
            table: place.table,
            partition: place.partition,
            products: place.expired,
            action: kept.length ? 'rewritten' : 'dropped',
            rows: gone,
            files: place.files.length,
          };
          report.partitions.push(entry);
          report.removed[place.table] = (report.removed[place.table] ?? 0) + gone;
          inputs.push(...place.files.map((f) => f.path));
          if (kept.length === 0 || options.dryRun) continue;
          const out = `${place.table}/${place.partition}/r${id}.parquet`;
          const tmp = path.join(lakeDir, work, out);
          mkdirSync(path.dirname(tmp), { recursive: true });
          const [written] = await db.rows<{ Count: bigint }>(
            `COPY (SELECT * FROM read_parquet(${fileList(abs)}, hive_partitioning = false, union_by_name = true) WHERE NOT list_contains($expired, product_id))
             TO ${sqlLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
            { expired: textList(place.expired).value },
            { expired: textList(place.expired).type },
          );
          if (Number(written?.Count ?? -1) !== total - gone) {
            throw new LakeInvariantError(`retention of ${place.table}/${place.partition}: wrote ${written?.Count} rows, ${total - gone} were to be kept`);
          }
          const batches = (await db.rows<{ b: string }>(`SELECT DISTINCT batch_id AS b FROM read_parquet(${sqlLiteral(tmp)}) ORDER BY 1`)).map((r) => r.b);
          outputs.push({ path: out, table: place.table, partition: place.partition, batches });
        }
      } finally {
        db.close();
        rmSync(path.join(lakeDir, LAKE_WORK_DIR, `duckdb-tmp-${id}`), { recursive: true, force: true });
      }
      if (options.dryRun || inputs.length === 0) {
        rmSync(path.join(lakeDir, work), { recursive: true, force: true });
        return { ...report, ms: Date.now() - started };
      }
      options.onProgress?.({ step: `committing: ${inputs.length} files out, ${outputs.length} rewritten in` });
      const record = (seq: number, committedAt: string): RewriteRecord => ({ kind: 'retention', seq, id, committedAt, inputs, outputs, removed: report.removed });
      const committed = await commitReplacement(lakeDir, { id, inputs, outputs: outputs.map((o) => o.path), work }, record);
      if (!committed) rmSync(path.join(lakeDir, work), { recursive: true, force: true });
      return { ...report, ...(committed ? { record: id } : {}), ms: Date.now() - started };
    },
    { name: COMPACT_LOCK },
  );
}

/** Rows per product of some lake files. */
async function productRows(db: Db, files: string[]): Promise<Array<{ product: string; rows: number }>> {
  const rows = await db.rows<{ product: string; n: bigint }>(
    `SELECT product_id AS product, count(*) AS n FROM read_parquet(${fileList(files)}, hive_partitioning = false, union_by_name = true) GROUP BY ALL ORDER BY ALL`,
  );
  return rows.map((r) => ({ product: r.product, rows: Number(r.n) }));
}
