import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { csvColumns, openDb, sqlLiteral, type Db } from '../../warehouse/duckdb.ts';
import { EVENT_TABLE_NAMES, QUARANTINE, QUARANTINE_RAW_LIMIT, TABLES } from '../../transforms/tables.ts';
import { redactRawLine } from '../../transforms/validate.ts';
import { BatchInvariantError, StageMissingError } from './errors.ts';
import { withLakeLock } from './lake-lock.ts';
import { readLines } from './lines.ts';
import { STAGED_MARKER, stageDir, type StageResult } from './stage.ts';
import { stagedFile } from './stage-range.ts';

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
  const stage = JSON.parse(readFileSync(markerFile, 'utf8')) as StageResult;
  const log = options.onProgress ?? (() => {});

  return withLakeLock(options.lakeDir, async () => {
    const again = readManifest(options.lakeDir, input.batchId);
    if (again) return { ...again, alreadyCommitted: true };
    const outDir = path.join(dir, 'out');
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    // A file-backed working database: the batch's tables can leave memory, so a commit's footprint stays
    // bounded as the lake (and the set of earlier event ids it is checked against) grows.
    const workingDb = path.join(dir, 'commit.duckdb');
    rmSync(workingDb, { force: true });
    rmSync(`${workingDb}.wal`, { force: true });
    const db = await openDb({ path: workingDb, threads: 2, memoryLimit: '1GB', tempDirectory: path.join(dir, 'duckdb-tmp') });
    try {
      // Row order inside a file carries no meaning (every row has its line); not keeping it bounds memory.
      await db.run('SET preserve_insertion_order = false');
      // Partitioned writes buffer rows per open partition (type x date); flush small and keep few open.
      await db.run('SET partitioned_write_flush_threshold = 65536');
      await db.run('SET partitioned_write_max_open_files = 32');
      const batch = sqlLiteral(input.batchId);
      const position = [['range', 'INTEGER'], ['local_line', 'BIGINT']] as const;
      // Every range's staged rows for a table, typed; empty files are skipped.
      const staged = (name: string, columns: ReadonlyArray<readonly [string, string]>) => {
        const files = stagedRanges.map((r) => stagedFile(dir, name, r.range)).filter((f) => statSync(f).size > 0);
        if (files.length === 0) return undefined;
        return `read_csv([${files.map(sqlLiteral).join(', ')}], columns = ${csvColumns([...position, ...columns])}, header = false, quote = '"', escape = '"', auto_detect = false, max_line_size = ${QUARANTINE_RAW_LIMIT * 8})`;
      };
      const stagedRanges = stage.ranges;
      await db.run(`CREATE TABLE ranges (range INTEGER, base BIGINT)`);
      for (const r of stagedRanges) await db.run('INSERT INTO ranges VALUES ($range, $base)', { range: r.range, base: BigInt(r.base) });

      // All valid events with their batch line; the first occurrence of an event id wins.
      const events = staged('events', TABLES.events.columns);
      await db.run(
        events
          ? `CREATE TABLE ev AS SELECT r.base + e.local_line AS line, e.* FROM ${events} e JOIN ranges r USING (range)`
          : `CREATE TABLE ev (line BIGINT, range INTEGER, local_line BIGINT, ${TABLES.events.columns.map(([n, t]) => `${n} ${t}`).join(', ')})`,
      );
      await db.run('CREATE TABLE firsts AS SELECT event_id, min(line) AS first_line FROM ev GROUP BY event_id');

      // Events an earlier, committed batch already accepted.
      const earlier = committedBatches(options.lakeDir)
        .filter((b) => b !== input.batchId)
        .map((b) => path.join(options.lakeDir, EVENT_ID_DIR, `${b}.parquet`))
        .filter((f) => existsSync(f));
      log(`de-duplicating against ${earlier.length} committed batches`);
      await db.run(
        earlier.length > 0
          ? `CREATE TABLE xdup AS SELECT f.event_id, min(c.batch_id) AS first_batch FROM firsts f JOIN read_parquet([${earlier.map(sqlLiteral).join(', ')}]) c USING (event_id) GROUP BY ALL`
          : 'CREATE TABLE xdup (event_id VARCHAR, first_batch VARCHAR)',
      );
      await db.run(`CREATE TABLE acc AS SELECT ev.* FROM ev JOIN firsts f ON ev.event_id = f.event_id AND ev.line = f.first_line ANTI JOIN xdup ON ev.event_id = xdup.event_id`);
      await db.run(
        `CREATE TABLE dups AS SELECT ev.line, ev.event_id,
           CASE WHEN ev.line <> f.first_line THEN 'duplicate_event_id:line ' || f.first_line ELSE 'duplicate_event_id:batch ' || x.first_batch END AS reason
         FROM ev JOIN firsts f USING (event_id) LEFT JOIN xdup x USING (event_id)
         WHERE ev.line <> f.first_line OR x.event_id IS NOT NULL`,
      );
      const accepted = await count(db, 'SELECT count(*) AS n FROM acc');
      const duplicates = await count(db, 'SELECT count(*) AS n FROM dups');
      const crossDuplicates = await count(db, "SELECT count(*) AS n FROM dups WHERE reason LIKE 'duplicate_event_id:batch%'");

      const common = `${batch} AS batch_id, a.line, a.event_id, a.event_type, a.event_date, a.product_id, a.occurred_at`;
      const copyTo = (name: string) =>
        `TO ${sqlLiteral(path.join(outDir, name))} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (event_type, event_date), FILENAME_PATTERN ${sqlLiteral(`b${input.batchId}_{i}`)}, OVERWRITE_OR_IGNORE true)`;
      const rows: Record<string, number> = {};
      if (accepted > 0) {
        for (const name of EVENT_TABLE_NAMES) {
          const table = TABLES[name];
          let sql: string;
          if (name === 'events') {
            sql = `COPY (SELECT ${common}, a.schema_version, a.extra FROM acc a) ${copyTo(name)}`;
          } else {
            const source = staged(name, table.columns);
            if (!source) continue;
            sql = `COPY (SELECT ${common}, c.* EXCLUDE (range, local_line) FROM ${source} c JOIN acc a USING (range, local_line)) ${copyTo(name)}`;
          }
          log(`writing ${name}`);
          const [written] = await db.rows<{ Count: bigint }>(sql);
          rows[name] = Number(written!.Count);
        }
      }

      // Quarantine: rejected lines (with their text, from staging) and duplicates (text fetched from the file).
      const rejected = staged('quarantine', QUARANTINE.columns.filter(([n]) => n !== 'batch_id' && n !== 'line'));
      await db.run(`CREATE TABLE quarantine (${QUARANTINE.columns.map(([n, t]) => `${n} ${t}`).join(', ')})`);
      if (rejected) {
        await db.run(`INSERT INTO quarantine SELECT ${batch}, r.base + q.local_line, q.* EXCLUDE (range, local_line) FROM ${rejected} q JOIN ranges r USING (range)`);
      }
      if (duplicates > 0) {
        const dups = await db.rows<{ event_id: string; line: bigint; reason: string }>('SELECT * FROM dups ORDER BY line');
        const raw = await fetchLines(input.file, new Set(dups.map((d) => Number(d.line))));
        const insert = await db.conn.prepare("INSERT INTO quarantine VALUES ($batch, $line, 'duplicate', $reason, $event_id, $raw, $bytes)");
        for (const d of dups) {
          const text = raw.get(Number(d.line));
          insert.bind({ batch: input.batchId, line: d.line, reason: d.reason, event_id: d.event_id, raw: text ? redactRawLine(text.text) : null, bytes: BigInt(text?.bytes ?? 0) });
          await insert.run();
        }
      }
      mkdirSync(path.join(outDir, 'quarantine'), { recursive: true });
      await db.run(`COPY (SELECT * FROM quarantine ORDER BY line) TO ${sqlLiteral(path.join(outDir, 'quarantine', `${input.batchId}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`);
      mkdirSync(path.join(outDir, EVENT_ID_DIR), { recursive: true });
      await db.run(`COPY (SELECT event_id, ${batch} AS batch_id FROM acc ORDER BY event_id) TO ${sqlLiteral(path.join(outDir, EVENT_ID_DIR, `${input.batchId}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`);

      const quarantined = await count(db, "SELECT count(*) AS n FROM quarantine WHERE kind = 'rejected'");
      const written = rows.events ?? 0;
      if (stage.linesIn !== accepted + quarantined + duplicates || written !== accepted || quarantined !== stage.rejected) {
        throw new BatchInvariantError(
          `batch ${input.batchId} (${input.file}): counts do not add up: linesIn ${stage.linesIn} != accepted ${accepted} + quarantined ${quarantined} + duplicates ${duplicates}, or events written ${written} != accepted`,
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
        linesIn: stage.linesIn,
        accepted,
        quarantined,
        duplicates,
        duplicatesInBatch: duplicates - crossDuplicates,
        duplicatesAcrossBatches: crossDuplicates,
        rejectedByReason: stage.rejectedByReason,
        products: stage.products,
        eventTypes: stage.eventTypes,
        files,
        rows,
        bytes: stage.bytes,
        stageMs: stage.stageMs,
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
