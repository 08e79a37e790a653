import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContractRegistry } from '../transforms/contract/model.ts';
import { playerColumns } from '../transforms/erasure.ts';
import { lakeTables } from '../transforms/tables.ts';
import { lakeSnapshot, tableFiles, type LakeFile, type RewriteRecord } from './catalog.ts';
import { COMPACT_LOCK, recoverCompactions } from './compact.ts';
import { fileList, openDb, sqlLiteral, type Db } from './duckdb.ts';
import { LakeInvariantError } from './errors.ts';
import { LAKE_WORK_DIR, QUARANTINE_DIR } from './layout.ts';
import { withLakeLock } from './lock.ts';
import { commitReplacement, newReplacement } from './replace.ts';

/**
 * Erasure of one player (`gamelake forget`): every event of the product that names them in a field the
 * contract marks `player: true` (in any of its tables, a list's table included: a trade they are a side
 * of) is taken out of every table it has rows in, and every quarantined line that holds their id; the live
 * files holding such rows are rewritten without them, all in one catalog record (kind `erasure`), the
 * erasure log's entry: when, the product, a salted hash of the id, rows removed per table.
 */

export interface EraseOptions {
  lakeDir: string;
  registry: ContractRegistry;
  product: string;
  player: string;
  /** Lines removed elsewhere (the inbox's files, the spool) before the lake: recorded with the erasure. */
  sources?: Record<string, number>;
  onProgress?: (progress: { step: string }) => void;
}

export interface EraseReport {
  /** Events of the player found (by their event ids). */
  events: number;
  /** Rows taken out per table (`quarantine`: lines). */
  removed: Record<string, number>;
  /** The erasure's record (absent: nothing of the player was in the lake or the sources: a no-op). */
  record?: string;
}

const SALT_FILE = '_erasure_salt';

/** The salted hash the erasure log keeps instead of the id (the salt is the lake's own, made once). */
export function subjectHash(lakeDir: string, product: string, player: string): string {
  const file = path.join(lakeDir, SALT_FILE);
  if (!existsSync(file)) {
    mkdirSync(lakeDir, { recursive: true });
    writeFileSync(`${file}.tmp`, randomBytes(32).toString('hex'));
    try {
      renameSync(`${file}.tmp`, file);
    } catch {
      // Another process made it first.
    }
  }
  const salt = readFileSync(file, 'utf8').trim();
  return createHash('sha256').update(`${salt}\n${product}\n${player}`).digest('hex');
}

/** A regular expression (DuckDB's RE2) that finds `id` as a whole value in text (see holdsId). */
export function idPattern(id: string): string {
  return `(^|[^A-Za-z0-9_-])${id.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}([^A-Za-z0-9_-]|$)`;
}

export async function eraseFromLake(options: EraseOptions): Promise<EraseReport> {
  const { lakeDir, product, player } = options;
  const columns = playerColumns(options.registry, product);
  if (!options.registry.products.has(product)) throw new LakeInvariantError(`no contract for product "${product}"`);
  const tables = [...lakeTables(options.registry).values()].filter((t) => t.products.includes(product)).map((t) => t.name);
  return withLakeLock(
    lakeDir,
    async () => {
      recoverCompactions(lakeDir);
      const snapshot = lakeSnapshot(lakeDir);
      const { id, work } = newReplacement('rewrite');
      const tmpDir = path.join(lakeDir, LAKE_WORK_DIR, `duckdb-tmp-${id}`);
      const db = await openDb({ threads: 2, memoryLimit: '512MB', tempDirectory: tmpDir, preserveInsertionOrder: true });
      const report: EraseReport = { events: 0, removed: {} };
      const inputs: string[] = [];
      const outputs: LakeFile[] = [];
      try {
        options.onProgress?.({ step: 'finding the player' });
        await db.run('CREATE TEMP TABLE gone (event_id VARCHAR)');
        for (const [table, cols] of columns) {
          const files = tableFiles(snapshot, lakeDir, table);
          if (files.length === 0) continue;
          const names = await columnNames(db, files);
          const present = cols.filter((c) => names.has(c));
          if (present.length === 0) continue;
          await db.run(
            `INSERT INTO gone SELECT DISTINCT event_id FROM read_parquet(${fileList(files)}, hive_partitioning = false, union_by_name = true)
             WHERE product_id = $product AND (${present.map((c) => `"${c}" = $player`).join(' OR ')})`,
            { product, player },
          );
        }
        await db.run('CREATE OR REPLACE TEMP TABLE gone AS SELECT DISTINCT event_id FROM gone');
        report.events = Number((await db.rows<{ n: bigint }>('SELECT count(*) AS n FROM gone'))[0]!.n);
        const keep = {
          event: `NOT (product_id = $product AND event_id IN (SELECT event_id FROM gone))`,
          quarantine: `NOT (coalesce(regexp_matches(raw, $pattern), false) OR coalesce(event_id IN (SELECT event_id FROM gone), false))`,
        };
        const params = { product, pattern: idPattern(player) };
        let n = 0;
        for (const table of [...tables, QUARANTINE_DIR]) {
          const files = snapshot.files.filter((f) => f.table === table);
          if (files.length === 0 || (table !== QUARANTINE_DIR && report.events === 0)) continue;
          options.onProgress?.({ step: `rewriting ${table}` });
          const where = table === QUARANTINE_DIR ? keep.quarantine : keep.event;
          const used: Record<string, string> = table === QUARANTINE_DIR ? { pattern: params.pattern } : { product };
          const hit = await db.rows<{ file: string; n: bigint }>(
            `SELECT filename AS file, count(*) AS n FROM read_parquet(${fileList(files.map((f) => path.join(lakeDir, f.path)))}, hive_partitioning = false, union_by_name = true, filename = true)
             WHERE NOT (${where}) GROUP BY ALL`,
            used,
          );
          for (const h of hit) {
            const file = files.find((f) => path.join(lakeDir, f.path) === h.file)!;
            const out = file.partition ? `${file.table}/${file.partition}/e${id}-${n}.parquet` : `${file.table}/e${id}-${n}.parquet`;
            n += 1;
            const tmp = path.join(lakeDir, work, out);
            mkdirSync(path.dirname(tmp), { recursive: true });
            const [written] = await db.rows<{ Count: bigint }>(
              `COPY (SELECT * FROM read_parquet(${sqlLiteral(h.file)}, hive_partitioning = false) WHERE ${where}) TO ${sqlLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
              used,
            );
            inputs.push(file.path);
            report.removed[table] = (report.removed[table] ?? 0) + Number(h.n);
            if (Number(written?.Count ?? 0) === 0) {
              rmSync(tmp, { force: true });
              continue;
            }
            const batches = (await db.rows<{ b: string }>(`SELECT DISTINCT batch_id AS b FROM read_parquet(${sqlLiteral(tmp)}) ORDER BY 1`)).map((r) => r.b);
            outputs.push({ path: out, table: file.table, partition: file.partition, batches });
          }
        }
      } finally {
        db.close();
        rmSync(tmpDir, { recursive: true, force: true });
      }
      const sources = Object.fromEntries(Object.entries(options.sources ?? {}).filter(([, v]) => v > 0));
      if (inputs.length === 0 && Object.keys(sources).length === 0) {
        rmSync(path.join(lakeDir, work), { recursive: true, force: true });
        return report;
      }
      options.onProgress?.({ step: `committing: ${inputs.length} files rewritten` });
      const removed = { ...report.removed, ...Object.fromEntries(Object.entries(sources).map(([k, v]) => [`source:${k}`, v])) };
      mkdirSync(path.join(lakeDir, work), { recursive: true });
      const committed = await commitReplacement(
        lakeDir,
        { id, inputs, outputs: outputs.map((o) => o.path), work },
        erasureRecord(lakeDir, { id, inputs, outputs, product, player, removed }),
      );
      if (!committed) {
        rmSync(path.join(lakeDir, work), { recursive: true, force: true });
        throw new LakeInvariantError('the lake changed while the erasure was rewriting it (a compaction or retention run committed meanwhile); run it again');
      }
      return { ...report, record: id };
    },
    { name: COMPACT_LOCK },
  );
}

/**
 * Records an erasure that rewrote no lake file of the catalog (a Dota 2 player: the Steam mirror is
 * rewritten in place): the erasure log's entry, with what was removed where. Idempotent per call only.
 */
export async function recordErasure(lakeDir: string, entry: { product: string; player: string; removed: Record<string, number> }): Promise<string> {
  const { id, work } = newReplacement('rewrite');
  await withLakeLock(
    lakeDir,
    async () => {
      mkdirSync(path.join(lakeDir, work), { recursive: true });
      await commitReplacement(lakeDir, { id, inputs: [], outputs: [], work }, erasureRecord(lakeDir, { id, inputs: [], outputs: [], ...entry }));
    },
    { name: COMPACT_LOCK },
  );
  return id;
}

/** An erasure's catalog record (its log entry): the id appears only as its salted hash. */
function erasureRecord(
  lakeDir: string,
  e: { id: string; inputs: string[]; outputs: LakeFile[]; product: string; player: string; removed: Record<string, number> },
): (seq: number, committedAt: string) => RewriteRecord {
  const subject = subjectHash(lakeDir, e.product, e.player);
  return (seq, committedAt) => ({
    kind: 'erasure',
    seq,
    id: e.id,
    committedAt,
    inputs: e.inputs,
    outputs: e.outputs,
    removed: e.removed,
    erasure: { product: e.product, subject },
  });
}

async function columnNames(db: Db, files: string[]): Promise<Set<string>> {
  const rows = await db.rows<{ name: string }>(`SELECT DISTINCT name FROM parquet_schema(${fileList(files)})`);
  return new Set(rows.map((r) => r.name));
}
