import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { missingFields, readCatalogFile } from './catalog-file.ts';
import path from 'node:path';
import { COMPACTION_DIR, EVENT_ID_DIR, QUARANTINE_DIR, RECOVERED_DIR } from './layout.ts';
import { committedBatches, readManifest, type BatchManifest } from './manifest.ts';

/**
 * The lake's catalog: which files are live. A batch's manifest adds its files (the commit point of the
 * batch); a compaction record replaces some live files with one merged file (the commit point of that
 * compaction). Records are applied in name order. Readers take the live set of one snapshot and never
 * list folders, so they see the files before a compaction or after it, never both and never neither.
 * Replaced files stay on disk, retired, until nothing refers to them (see vacuum in compact.ts).
 */

/** One live file of the lake. */
export interface LakeFile {
  /** Lake-relative path. */
  path: string;
  /** `events`, `trade_items`, ..., `quarantine` or `_event_ids`. */
  table: string;
  /** Hive partition folder (`event_month=2026-01`), or '' for unpartitioned tables. */
  partition: string;
  /** Batches whose rows it holds (one for a batch's own file, several for a compacted one). */
  batches: string[];
  /** The compaction that wrote it (undefined: written by its batch's commit). */
  compaction?: string;
}

/** A compaction's commit: `output` replaces `inputs` (all of one table and partition). */
export interface CompactionRecord {
  kind?: 'compaction';
  /** Position in commit order (records are named and applied by it). */
  seq: number;
  id: string;
  committedAt: string;
  table: string;
  partition: string;
  inputs: string[];
  output: string;
  rows: number;
  bytes: number;
  batches: string[];
}

/**
 * A commit that takes rows out of the lake (retention, erasure): `inputs` are replaced by `outputs`, the
 * same files rewritten without those rows (none, when nothing of a file remains), across any tables.
 */
export interface RewriteRecord {
  kind: 'retention' | 'erasure';
  seq: number;
  id: string;
  committedAt: string;
  inputs: string[];
  outputs: LakeFile[];
  /** Rows taken out, per table (an erasure also counts the lines it removed elsewhere, as `source:<place>`). */
  removed: Record<string, number>;
  /** An erasure's log entry: the product and a salted hash of the player's id (never the id). */
  erasure?: { product: string; subject: string };
}

export type CatalogRecord = CompactionRecord | RewriteRecord;

export const isRewrite = (r: CatalogRecord): r is RewriteRecord => r.kind === 'retention' || r.kind === 'erasure';

export interface LakeSnapshot {
  /** The committed batches' manifests, by batch id. */
  batches: Map<string, BatchManifest>;
  /** Live files, in a stable order (table, partition, path). */
  files: LakeFile[];
  /** Files some compaction replaced (they may still be on disk until vacuumed), with when. */
  retired: Array<{ path: string; compaction: string; at: string }>;
  /** The compaction records applied, in order. */
  compactions: CompactionRecord[];
  /** The retention and erasure records applied, in order. */
  rewrites: RewriteRecord[];
  /** The last record's position in commit order (0: none yet). */
  lastSeq: number;
}

/** Tables every batch writes besides the contract's own (gamelake's bookkeeping). */
export const BOOKKEEPING_TABLES = [QUARANTINE_DIR, EVENT_ID_DIR, RECOVERED_DIR] as const;

/** Table and partition of a lake-relative file path. */
export function placeOf(rel: string): { table: string; partition: string } {
  const parts = rel.split('/');
  return { table: parts[0]!, partition: parts.length > 2 && parts[1]!.includes('=') ? parts[1]! : '' };
}

/** The catalog's records after the batches' manifests (compactions, retention, erasures), in commit order. */
export function catalogRecords(lakeDir: string): CatalogRecord[] {
  const dir = path.join(lakeDir, COMPACTION_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) =>
      readCatalogFile<CatalogRecord>(path.join(dir, f), 'catalog record', (v) =>
        v.kind === 'retention' || v.kind === 'erasure'
          ? missingFields(v, { seq: 'number', id: 'string', inputs: 'array', outputs: 'array', removed: 'object' })
          : missingFields(v, { seq: 'number', id: 'string', table: 'string', partition: 'string', inputs: 'array', output: 'string', batches: 'array' }),
      ),
    );
}

/**
 * Writes a catalog record atomically: the commit point of that compaction, retention or erasure. Names sort
 * in commit order (the caller holds the compaction lock and takes the next seq).
 */
export function writeCatalogRecord(lakeDir: string, record: CatalogRecord): void {
  const dir = path.join(lakeDir, COMPACTION_DIR);
  mkdirSync(dir, { recursive: true });
  const name = `${String(record.seq).padStart(9, '0')}-${record.id}.json`;
  writeFileSync(path.join(dir, `${name}.tmp`), `${JSON.stringify(record, null, 2)}\n`);
  renameSync(path.join(dir, `${name}.tmp`), path.join(dir, name));
}

/** The lake as of now: committed batches, live files, retired files. */
export function lakeSnapshot(lakeDir: string): LakeSnapshot {
  const batches = new Map<string, BatchManifest>();
  const live = new Map<string, LakeFile>();
  for (const id of committedBatches(lakeDir)) {
    const m = readManifest(lakeDir, id);
    if (!m) continue;
    batches.set(id, m);
    for (const rel of m.files) live.set(rel, { path: rel, ...placeOf(rel), batches: [id] });
  }
  const retired: LakeSnapshot['retired'] = [];
  const records = catalogRecords(lakeDir);
  const compactions: CompactionRecord[] = [];
  const rewrites: RewriteRecord[] = [];
  for (const c of records) {
    for (const rel of c.inputs) {
      if (live.delete(rel)) retired.push({ path: rel, compaction: c.id, at: c.committedAt });
    }
    if (isRewrite(c)) {
      rewrites.push(c);
      for (const f of c.outputs) live.set(f.path, { ...f, compaction: c.id });
    } else {
      compactions.push(c);
      live.set(c.output, { path: c.output, table: c.table, partition: c.partition, batches: c.batches, compaction: c.id });
    }
  }
  const files = [...live.values()].sort((a, b) => (`${a.table}\0${a.partition}\0${a.path}` < `${b.table}\0${b.partition}\0${b.path}` ? -1 : 1));
  return { batches, files, retired, compactions, rewrites, lastSeq: records.at(-1)?.seq ?? 0 };
}

/** Live files of one table (absolute paths), optionally only those holding rows of the given batches. */
export function tableFiles(snapshot: LakeSnapshot, lakeDir: string, table: string, batches?: ReadonlySet<string>): string[] {
  return snapshot.files.filter((f) => f.table === table && (!batches || f.batches.some((b) => batches.has(b)))).map((f) => path.join(lakeDir, f.path));
}
