import type { CoercionCounts } from '../manifest.ts';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DEFAULT_MAX_LINE_BYTES, type ContractRegistry } from '../../transforms/contract/model.ts';
import { stringifyJson } from '../../transforms/json/parse.ts';
import { maskSecrets } from '../../transforms/secrets.ts';
import { QUARANTINE_RAW_LIMIT } from '../../transforms/tables.ts';
import { byteLength, validateLine } from '../../transforms/validate.ts';
import { openDb, sqlLiteral } from '../duckdb.ts';
import { BatchFileError } from '../errors.ts';
import { stageDir } from '../layout.ts';
import { BatchReader, type Segment, type SpecialLine } from './reader.ts';
import { ingestSql, type IngestSql } from './sql.ts';
import { writeBatchOutput, type BatchOutput } from './output.ts';

export interface StageInput {
  file: string;
  batchId: string;
  /** sha256 of the file as submitted; staging fails if the file no longer matches. */
  sha256: string;
  /**
   * The products its sender may write (a collector's product-scoped write key): a line of another is
   * quarantined as unauthorized_product. Absent: any product.
   */
  products?: readonly string[];
  /**
   * A replay batch (`gamelake quarantine replay`): a JSON file of the quarantined line each of its lines
   * was, `[[batchId, line], ...]` in line order; the batch records what became of each.
   */
  recovers?: string;
}

export interface StageResult {
  batchId: string;
  linesIn: number;
  /** Lines that passed the contract (duplicates included). */
  valid: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  /** Products of the accepted events. */
  products: string[];
  /** The products its sender could write (a product-scoped write key), when it was limited. */
  scope?: string[];
  /** Accepted events (duplicates excluded) per type. */
  eventTypes: Record<string, number>;
  /** Events of types their contract does not name, accepted by schema evolution (mode: evolve). */
  evolved: number;
  coercions: CoercionCounts;
  /** Lines the SQL engine and the specification judged differently (quarantined as internal_error); 0 expected. */
  disagreements: number;
  bytes: number;
  segments: number;
  stageMs: number;
  /** The lake files this batch will add, its duplicates, and the committed batches it was checked against. */
  output: BatchOutput;
}

export interface StageOptions {
  workDir: string;
  lakeDir: string;
  registry: ContractRegistry;
  maxLineBytes?: number;
  /** Latest accepted occurred_at = now + this. */
  maxClockSkewMs?: number;
  now?: () => number;
  /** DuckDB's memory limit for staging (default 320MB): bounds memory whatever the input's size. */
  memoryLimit?: string;
  threads?: number;
  /** Most bytes of lines per segment handed to DuckDB (default 48 MiB). */
  segmentBytes?: number;
  /** Most lines per segment (default SEGMENT_LINES: four row groups of the staging database). */
  segmentLines?: number;
  /** Called as staging goes: lines read so far, then the step of the final write. */
  onProgress?: (progress: { lines: number; bytes: number; step?: string }) => void;
}

export const STAGED_MARKER = '_STAGED.json';

/**
 * Staging works in a file-backed DuckDB database of its own (`stage.duckdb` in the batch's folder) with
 * row groups of STAGE_ROW_GROUP rows. DuckDB runs one statement on several threads only over more than one
 * row group: small row groups let a segment of SEGMENT_LINES lines keep both cores busy, and the staged
 * lines live on disk, not in memory. Measured on 2M events (2 cores): 50k-line segments on two in-memory
 * connections took 1.6x as long as 128k-line segments over four row groups on one, and held 1.15 GiB
 * against 0.9 GiB.
 */
export const STAGE_ROW_GROUP = 32_768;
export const SEGMENT_LINES = 4 * STAGE_ROW_GROUP;
/**
 * Parsing a segment holds about 4.5 times its bytes (the text, the parsed structure, the typed rows). At
 * 64 MiB, batches of large lines (1.4 KB each, big inventories) sometimes needed more than the 320 MB
 * limit and failed with DuckDB's out-of-memory error; at 48 MiB they stage within 240 MB. Smaller is
 * slower: 32 MiB took 58.8 s for 2M events against 45.2 s at 48 MiB and 43.5 s at 64 MiB.
 */
export const SEGMENT_BYTES = 48 << 20;
const STAGE_DB = 'stage';

const sqlCache = new WeakMap<ContractRegistry, IngestSql>();

/** The engine's SQL for a registry (generated once per registry). */
export function sqlFor(registry: ContractRegistry): IngestSql {
  let sql = sqlCache.get(registry);
  if (!sql) {
    sql = ingestSql(registry);
    sqlCache.set(registry, sql);
  }
  return sql;
}

interface QuarantineRow {
  line: number;
  reason: string;
  eventId: string | null;
  raw: string;
  bytes: number;
}

/**
 * Stages a batch: reads the file once; DuckDB parses and checks every line (segment by segment, each on
 * every core) and flattens the accepted ones into the lake's tables; the specification decides
 * about the lines DuckDB refused or could not judge alone, and gives each refused line its reason. Then the
 * batch's duplicates are found (within it, and against every batch committed so far) and its lake files
 * are written, ready for the commit to move into place. Idempotent: a retry starts from an empty folder.
 */
export async function stageBatch(input: StageInput, options: StageOptions): Promise<StageResult> {
  const started = Date.now();
  const dir = stageDir(options.workDir, input.batchId);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const registry = options.registry;
  const sql = sqlFor(registry);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const latestMs = (options.now ?? Date.now)() + (options.maxClockSkewMs ?? 5 * 60_000);
  const reader = new BatchReader(input.file, {
    maxLineBytes,
    headLimit: QUARANTINE_RAW_LIMIT,
    segmentBytes: options.segmentBytes ?? SEGMENT_BYTES,
    segmentLines: options.segmentLines ?? SEGMENT_LINES,
  });
  const db = await openDb({
    threads: options.threads ?? 2,
    memoryLimit: options.memoryLimit ?? '320MB',
    tempDirectory: path.join(dir, 'duckdb-tmp'),
    preserveInsertionOrder: false,
  });
  await db.run(`ATTACH ${sqlLiteral(path.join(dir, `${STAGE_DB}.duckdb`))} AS ${STAGE_DB} (ROW_GROUP_SIZE ${STAGE_ROW_GROUP})`);
  await db.run(`USE ${STAGE_DB}`);
  const result: Omit<StageResult, 'output'> = {
    batchId: input.batchId,
    linesIn: 0,
    valid: 0,
    rejected: 0,
    rejectedByReason: {},
    products: [],
    eventTypes: {},
    evolved: 0,
    coercions: {},
    disagreements: 0,
    bytes: 0,
    segments: 0,
    stageMs: 0,
  };
  try {
    // Every line of the batch, typed (its schema is the parse statement's own; created from an empty segment).
    await db.run(`CREATE TABLE staged_lines AS ${sql.schema}`, { latest_us: 0n, segment: 0, scoped: false, products: '' });
    // Refused lines (DuckDB keeps them within its memory limit, spilling if it must).
    await db.run('CREATE TABLE staged_quarantine (line BIGINT, reason VARCHAR, event_id VARCHAR, raw VARCHAR, raw_bytes BIGINT)');
    await db.run('CREATE TEMP TABLE reviewed (line BIGINT, extra VARCHAR)');
    let segmentNo = 0;
    try {
      // One segment at a time: DuckDB spreads each over every core, and the next is read only once this one
      // is staged, so memory holds one segment.
      for await (const segment of reader.segments()) {
        segmentNo += 1;
        await stageSegment(db.conn, sql, segment, segmentNo, { registry, latestMs, maxLineBytes, products: input.products ? new Set(input.products) : undefined, result });
        result.bytes += segment.bytes;
        options.onProgress?.({ lines: segment.firstLine + segment.lines - 1, bytes: result.bytes });
      }
    } catch (cause) {
      throw asFileError(cause, input);
    }
    const summary = reader.summary!;
    if (summary.sha256 !== input.sha256) {
      throw new BatchFileError(
        `batch ${input.batchId}: ${input.file} changed since it was submitted (sha256 ${summary.sha256.slice(0, 16)}, expected ${input.sha256.slice(0, 16)})`,
      );
    }
    result.linesIn = summary.lines;
    result.segments = segmentNo;
    for (const r of await db.rows<{ reason: string; n: bigint }>('SELECT reason, count(*) AS n FROM staged_quarantine GROUP BY reason ORDER BY reason')) {
      result.rejectedByReason[r.reason] = Number(r.n);
      result.rejected += Number(r.n);
    }
    await db.run('CREATE VIEW acc AS SELECT * FROM staged_lines WHERE good AND NOT review');
    result.valid = Number((await db.rows<{ n: bigint }>('SELECT count(*) AS n FROM acc'))[0]!.n);
    const recovers = input.recovers ? readSources(input, result.linesIn) : undefined;
    const output = await writeBatchOutput(db, {
      batchId: input.batchId,
      file: input.file,
      ...(recovers ? { recovers } : {}),
      dir,
      lakeDir: options.lakeDir,
      registry,
      tables: sql.tables,
      coercions: { sql: sql.coercions, labels: sql.coercionLabels },
      onStep: (step) => options.onProgress?.({ lines: result.linesIn, bytes: result.bytes, step }),
    });
    const staged: StageResult = {
      ...result,
      ...(input.products ? { scope: [...input.products].sort() } : {}),
      products: output.products,
      eventTypes: output.eventTypes,
      evolved: output.evolved,
      coercions: output.coercions,
      stageMs: Date.now() - started,
      output,
    };
    writeFileSync(path.join(dir, STAGED_MARKER), JSON.stringify(staged));
    return staged;
  } finally {
    db.close();
    rmSync(path.join(dir, 'duckdb-tmp'), { recursive: true, force: true });
    for (const f of [`${STAGE_DB}.duckdb`, `${STAGE_DB}.duckdb.wal`]) rmSync(path.join(dir, f), { force: true });
  }
}

function asFileError(cause: unknown, input: StageInput): unknown {
  if (cause instanceof BatchFileError) return cause;
  const err = cause as NodeJS.ErrnoException;
  const fileCodes = ['ENOENT', 'EACCES', 'EISDIR', 'Z_DATA_ERROR', 'Z_BUF_ERROR', 'ERR_STREAM_PREMATURE_CLOSE'];
  if (fileCodes.includes(err.code ?? '') || /unexpected end of file|incorrect header check|invalid (block|distance|stored)/i.test(err.message ?? '')) {
    return new BatchFileError(`batch ${input.batchId}: cannot read ${input.file}: ${err.message}`, { cause });
  }
  return cause;
}

interface SegmentContext {
  registry: ContractRegistry;
  latestMs: number;
  maxLineBytes: number;
  products: ReadonlySet<string> | undefined;
  result: Omit<StageResult, 'output'>;
}

async function rowsOf<T>(conn: DuckDBConnection, sql: string, params?: Record<string, bigint | number | boolean | string>): Promise<T[]> {
  return (await conn.runAndReadAll(sql, params)).getRowObjectsJS() as T[];
}

async function stageSegment(conn: DuckDBConnection, sql: IngestSql, segment: Segment, k: number, ctx: SegmentContext): Promise<void> {
  await conn.run('CREATE OR REPLACE TEMP TABLE raw_seg (first_line BIGINT, body BLOB)');
  const appender = await conn.createAppender('raw_seg');
  segment.bodies.forEach((b, i) => {
    appender.appendBigInt(BigInt(b.firstLine));
    appender.appendBlob(new Uint8Array(b.body.buffer, b.body.byteOffset, b.body.length));
    appender.endRow();
    // Bodies are large: flush often so the appender never holds a whole segment twice.
    if (i % 8 === 7) appender.flushSync();
  });
  appender.closeSync();
  const params = { latest_us: BigInt(Math.floor(ctx.latestMs)) * 1000n, segment: k, scoped: ctx.products !== undefined, products: [...(ctx.products ?? [])].join('\n') };
  await conn.run(sql.split);
  await conn.run('DROP TABLE raw_seg');
  await conn.run(`INSERT INTO staged_lines ${sql.fast}`, params);
  await conn.run('DROP TABLE seg_lines');
  // Lines whose list values the fast reading could not vouch for are read again, every value as JSON text.
  const [pending] = await rowsOf<{ n: bigint }>(conn, 'SELECT count(*) AS n FROM staged_lines WHERE segment = $segment AND audit', { segment: k });
  if (Number(pending!.n) > 0) {
    await conn.run('CREATE OR REPLACE TEMP TABLE exact_lines AS SELECT line, raw FROM staged_lines WHERE segment = $segment AND audit', { segment: k });
    await conn.run('DELETE FROM staged_lines WHERE segment = $segment AND audit', { segment: k });
    await conn.run(`INSERT INTO staged_lines ${sql.exact}`, params);
    await conn.run('DROP TABLE exact_lines');
  }

  // Lines DuckDB refused or could not judge alone: the specification decides, and gives the reason.
  const special = new Set(segment.specials.map((s) => s.line));
  // Read as bytes: the DuckDB client's text decoding drops a leading U+FEFF, and the specification must
  // read exactly the line DuckDB read.
  const review = (
    await rowsOf<{ line: bigint; raw: Uint8Array; good: boolean }>(conn, 'SELECT line, encode(raw) AS raw, good FROM staged_lines WHERE segment = $segment AND raw IS NOT NULL', {
      segment: k,
    })
  ).map((r) => ({ ...r, raw: Buffer.from(r.raw.buffer, r.raw.byteOffset, r.raw.byteLength).toString('utf8') }));
  const accepted: Array<{ line: number; extra: string | null }> = [];
  const refused: QuarantineRow[] = segment.specials.map((s: SpecialLine) => ({
    line: s.line,
    reason: s.reason,
    eventId: null,
    raw: maskSecrets(s.head, ctx.registry.secretKeys),
    bytes: s.bytes,
  }));
  for (const r of review) {
    const line = Number(r.line);
    if (special.has(line)) continue;
    const v = validateLine(r.raw, ctx.registry, { latestMs: ctx.latestMs, maxLineBytes: ctx.maxLineBytes, products: ctx.products });
    if (!v.ok) {
      refused.push(quarantineRow(line, v.reason, v.eventId ?? null, r.raw, ctx.registry.secretKeys));
    } else if (r.good) {
      accepted.push({ line, extra: v.extra === null ? null : stringifyJson(v.extra) });
    } else {
      // The engine refused what the specification accepts: keep the line, with a reason that says so.
      ctx.result.disagreements += 1;
      refused.push(quarantineRow(line, 'internal_error:engine_disagreement', v.eventId, r.raw, ctx.registry.secretKeys));
    }
  }
  await appendQuarantine(conn, refused);
  if (accepted.length > 0) {
    // The specification's reading of a reviewed line (its unknown fields, secrets removed) is the one kept.
    await conn.run('DELETE FROM reviewed');
    const app = await conn.createAppender('reviewed');
    for (const a of accepted) {
      app.appendBigInt(BigInt(a.line));
      if (a.extra === null) app.appendNull();
      else app.appendVarchar(a.extra);
      app.endRow();
    }
    app.closeSync();
    await conn.run('UPDATE staged_lines SET review = false, extra = r.extra FROM reviewed r WHERE staged_lines.segment = $segment AND staged_lines.line = r.line', { segment: k });
  }
}

function quarantineRow(line: number, reason: string, eventId: string | null, raw: string, secretKeys: ReadonlySet<string>): QuarantineRow {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  return { line, reason, eventId, raw: maskSecrets(text.slice(0, QUARANTINE_RAW_LIMIT), secretKeys), bytes: byteLength(text) };
}

async function appendQuarantine(conn: DuckDBConnection, rows: QuarantineRow[]): Promise<void> {
  if (rows.length === 0) return;
  const app = await conn.createAppender('staged_quarantine');
  rows.forEach((q, i) => {
    app.appendBigInt(BigInt(q.line));
    app.appendVarchar(q.reason);
    if (q.eventId === null) app.appendNull();
    else app.appendVarchar(q.eventId);
    app.appendVarchar(q.raw);
    app.appendBigInt(BigInt(q.bytes));
    app.endRow();
    if (i % 256 === 255) app.flushSync();
  });
  app.closeSync();
}

/** A replay batch's sources: one [batch, line] per line of the batch, checked against its line count. */
function readSources(input: StageInput, lines: number): Array<[string, number]> {
  let sources: unknown;
  try {
    sources = JSON.parse(readFileSync(input.recovers!, 'utf8'));
  } catch (cause) {
    throw new BatchFileError(`batch ${input.batchId}: cannot read its replay sources ${input.recovers}: ${(cause as Error).message}`, { cause });
  }
  if (!Array.isArray(sources) || sources.length !== lines || !sources.every((s) => Array.isArray(s) && typeof s[0] === 'string' && Number.isInteger(s[1]))) {
    throw new BatchFileError(`batch ${input.batchId}: ${input.recovers} does not name one quarantined line for each of its ${lines} lines`);
  }
  return sources as Array<[string, number]>;
}
