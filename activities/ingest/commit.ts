import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { csvColumns, openDb, sqlLiteral, type Db } from '../../warehouse/duckdb.ts';
import { EVENT_TABLE_NAMES, QUARANTINE, QUARANTINE_RAW_LIMIT, TABLES } from '../../transforms/tables.ts';
import { redactRawLine } from '../../transforms/validate.ts';
import { BatchInvariantError, StageMissingError } from './errors.ts';
import { withLakeLock } from './lake-lock.ts';
import { readLines } from './lines.ts';
import { STAGED_MARKER, stageDir, type StageResult } from './stage.ts';

export interface BatchManifest {
  batchId: string;
  sha256: string;
  file: string;
  linesIn: number;
  accepted: number;
  quarantined: number;
  duplicates: number;
  duplicatesInBatch: number;
  duplicatesAcrossBatches: number;
  rejectedByReason: Record<string, number>;
  products: string[];
  eventTypes: Record<string, number>;
  /** Lake-relative paths of every file this batch added. */
  files: string[];
  rows: Record<string, number>;
  bytes: number;
  stageMs: number;
  commitMs: number;
  committedAt: string;
}

export interface CommitInput {
  batchId: string;
  sha256: string;
  file: string;
}

export interface CommitOptions {
  lakeDir: string;
  workDir: string;
  onProgress?: (step: string) => void;
}

export const MANIFEST_DIR = '_manifests';
export const EVENT_ID_DIR = '_event_ids';

export function manifestPath(lakeDir: string, batchId: string): string {
  return path.join(lakeDir, MANIFEST_DIR, `${batchId}.json`);
}

export function readManifest(lakeDir: string, batchId: string): BatchManifest | undefined {
  const file = manifestPath(lakeDir, batchId);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BatchManifest) : undefined;
}

/** Batch ids with a manifest: the committed ones. */
export function committedBatches(lakeDir: string): string[] {
  const dir = path.join(lakeDir, MANIFEST_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .sort();
}

async function count(db: Db, sql: string): Promise<number> {
  const [row] = await db.rows<{ n: bigint }>(sql);
  return Number(row!.n);
}

/** Raw text of given lines of the batch file (for duplicates found at commit time). */
async function fetchLines(file: string, wanted: Set<number>): Promise<Map<number, { text: string; bytes: number }>> {
  const found = new Map<number, { text: string; bytes: number }>();
  if (wanted.size === 0) return found;
  for await (const line of readLines(file, { maxBytes: Number.MAX_SAFE_INTEGER, headLimit: QUARANTINE_RAW_LIMIT })) {
    if (wanted.has(line.number)) found.set(line.number, { text: line.text.slice(0, QUARANTINE_RAW_LIMIT), bytes: line.bytes });
    if (found.size === wanted.size) break;
  }
  return found;
}

/**
 * Commits a staged batch into the lake exactly once. Under the lake lock: removes events already accepted
 * by an earlier batch (recording them as duplicates), writes zstd Parquet partitioned by event type and
 * date, checks linesIn = accepted + quarantined + duplicates, moves the files into place and finally
 * writes the manifest, which is the commit point. A retry after a crash redoes the same work with the same
 * file names; a batch that already has a manifest is returned as it is.
 */
export async function commitBatch(input: CommitInput, options: CommitOptions): Promise<BatchManifest & { alreadyCommitted: boolean }> {
  const started = Date.now();
  const existing = readManifest(options.lakeDir, input.batchId);
  if (existing) return { ...existing, alreadyCommitted: true };
  const dir = stageDir(options.workDir, input.batchId);
  const markerFile = path.join(dir, STAGED_MARKER);
  if (!existsSync(markerFile)) throw new StageMissingError(`batch ${input.batchId}: no completed staging in ${dir}`);
  const staged = JSON.parse(readFileSync(markerFile, 'utf8')) as StageResult;
  const log = options.onProgress ?? (() => {});

  return withLakeLock(options.lakeDir, async () => {
    const again = readManifest(options.lakeDir, input.batchId);
    if (again) return { ...again, alreadyCommitted: true };
    const outDir = path.join(dir, 'out');
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const db = await openDb({ threads: 2, memoryLimit: '512MB', tempDirectory: path.join(dir, 'duckdb-tmp') });
    try {
      const csv = (name: string, columns: ReadonlyArray<readonly [string, string]>) =>
        `read_csv(${sqlLiteral(path.join(dir, `${name}.csv`))}, columns = ${csvColumns(columns)}, header = false, quote = '"', escape = '"', auto_detect = false, max_line_size = ${QUARANTINE_RAW_LIMIT * 8})`;
      await db.run(`CREATE TABLE ids AS SELECT * FROM ${csv('ids', [['event_id', 'VARCHAR'], ['line', 'BIGINT']])}`);

      // Events an earlier, committed batch already accepted.
      const earlier = committedBatches(options.lakeDir)
        .filter((b) => b !== input.batchId)
        .map((b) => path.join(options.lakeDir, EVENT_ID_DIR, `${b}.parquet`))
        .filter((f) => existsSync(f));
      log(`de-duplicating against ${earlier.length} committed batches`);
      await db.run('CREATE TABLE xdup (event_id VARCHAR, line BIGINT, first_batch VARCHAR)');
      if (earlier.length > 0) {
        await db.run(
          `INSERT INTO xdup SELECT i.event_id, i.line, min(c.batch_id) FROM ids i JOIN read_parquet([${earlier.map(sqlLiteral).join(', ')}]) c USING (event_id) GROUP BY ALL`,
        );
      }
      const crossDuplicates = await count(db, 'SELECT count(*) AS n FROM xdup');

      const rows: Record<string, number> = {};
      for (const name of EVENT_TABLE_NAMES) {
        if (statSync(path.join(dir, `${name}.csv`)).size === 0) continue;
        const table = TABLES[name];
        const source = `SELECT t.* FROM ${csv(name, table.columns)} t${crossDuplicates > 0 ? ' ANTI JOIN xdup USING (event_id)' : ''}`;
        log(`writing ${name}`);
        await db.run(
          `COPY (${source}) TO ${sqlLiteral(path.join(outDir, name))} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${table.partitionBy.join(', ')}), FILENAME_PATTERN ${sqlLiteral(`b${input.batchId}_{i}`)}, OVERWRITE_OR_IGNORE true)`,
        );
        rows[name] = await count(db, `SELECT count(*) AS n FROM read_parquet(${sqlLiteral(path.join(outDir, name, '**', '*.parquet'))})`);
      }

      // Quarantine: rejected lines and in-batch duplicates from staging, plus cross-batch duplicates.
      await db.run(`CREATE TABLE quarantine AS SELECT * FROM ${csv('quarantine', QUARANTINE.columns)}`);
      if (crossDuplicates > 0) {
        const dups = await db.rows<{ event_id: string; line: bigint; first_batch: string }>('SELECT * FROM xdup ORDER BY line');
        const raw = await fetchLines(input.file, new Set(dups.map((d) => Number(d.line))));
        const insert = await db.conn.prepare('INSERT INTO quarantine VALUES ($batch, $line, \'duplicate\', $reason, $event_id, $raw, $bytes)');
        for (const d of dups) {
          const text = raw.get(Number(d.line));
          insert.bind({ batch: input.batchId, line: d.line, reason: `duplicate_event_id:batch ${d.first_batch}`, event_id: d.event_id, raw: text ? redactRawLine(text.text) : null, bytes: BigInt(text?.bytes ?? 0) });
          await insert.run();
        }
      }
      mkdirSync(path.join(outDir, 'quarantine'), { recursive: true });
      await db.run(`COPY (SELECT * FROM quarantine ORDER BY line) TO ${sqlLiteral(path.join(outDir, 'quarantine', `${input.batchId}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`);
      mkdirSync(path.join(outDir, EVENT_ID_DIR), { recursive: true });
      await db.run(
        `COPY (SELECT event_id, ${sqlLiteral(input.batchId)} AS batch_id FROM ids${crossDuplicates > 0 ? ' ANTI JOIN xdup USING (event_id)' : ''} ORDER BY event_id) TO ${sqlLiteral(path.join(outDir, EVENT_ID_DIR, `${input.batchId}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`,
      );

      const accepted = staged.valid - crossDuplicates;
      const quarantined = staged.rejected;
      const duplicates = staged.duplicatesInBatch + crossDuplicates;
      const written = rows.events ?? 0;
      if (staged.linesIn !== accepted + quarantined + duplicates || written !== accepted) {
        throw new BatchInvariantError(
          `batch ${input.batchId} (${input.file}): counts do not add up: linesIn ${staged.linesIn} != accepted ${accepted} + quarantined ${quarantined} + duplicates ${duplicates}, or events written ${written} != accepted`,
        );
      }

      // Move into place (same filesystem: renames), then write the manifest: the commit point.
      const files = filesUnder(outDir);
      for (const rel of files) {
        const target = path.join(options.lakeDir, rel);
        mkdirSync(path.dirname(target), { recursive: true });
        renameSync(path.join(outDir, rel), target);
      }
      const manifest: BatchManifest = {
        batchId: input.batchId,
        sha256: input.sha256,
        file: input.file,
        linesIn: staged.linesIn,
        accepted,
        quarantined,
        duplicates,
        duplicatesInBatch: staged.duplicatesInBatch,
        duplicatesAcrossBatches: crossDuplicates,
        rejectedByReason: staged.rejectedByReason,
        products: staged.products,
        eventTypes: staged.eventTypes,
        files,
        rows,
        bytes: staged.bytes,
        stageMs: staged.stageMs,
        commitMs: Date.now() - started,
        committedAt: new Date().toISOString(),
      };
      const target = manifestPath(options.lakeDir, input.batchId);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(`${target}.tmp`, JSON.stringify(manifest, null, 2) + '\n');
      renameSync(`${target}.tmp`, target);
      return { ...manifest, alreadyCommitted: false };
    } finally {
      db.close();
    }
  });
}
