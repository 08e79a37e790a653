import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StatementType, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { statementShape, type StatementShape } from './statement-shape.ts';
import { GamelakeError } from '../transforms/errors.ts';
import { LAKE_VARIABLE, openDb, sqlLiteral, type Db } from '../lake/duckdb.ts';

export const QUERIES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'queries');

/** The warehouse file is missing (not built yet). */
export class WarehouseMissingError extends GamelakeError {}
/** A named query got parameters it does not declare, lacks one it needs, or got a value of the wrong kind. */
export class QueryError extends GamelakeError {}
/** There is no named query of that name. */
export class QueryNotFoundError extends QueryError {}
/** SQL the read-only sandbox refuses: more than one statement, or one that is not a query. */
export class QueryRefusedError extends GamelakeError {}
/** A query ran longer than its time limit and was interrupted. */
export class QueryTimeoutError extends GamelakeError {}
/** The one who asked went away (or the server is stopping): the query was interrupted. */
export class QueryCancelledError extends GamelakeError {}
/** A result has more rows than the session may hand out. */
export class ResultTooLargeError extends GamelakeError {}

export interface QueryParam {
  name: string;
  default?: string;
  /**
   * `-- param: player (text)`: bound as text exactly as given (an id such as "007" or "8700" compared with a
   * text column: bound as a number it would be cast, match "7" for "007", and defeat DuckDB's min/max
   * pruning); `(number)`: must be a number. Undeclared: integers and decimals become numbers.
   */
  type?: 'text' | 'number';
}

export interface NamedQuery {
  name: string;
  description: string;
  params: QueryParam[];
  /** Decimals shown per column in a table (`-- round: win_rate=4, kda=2`); machine formats keep every digit. */
  round: Record<string, number>;
  sql: string;
}

/** Reads queries/NAME.sql: the first comment line describes it, `-- param: name [(text|number)] [= default]` lines declare parameters. */
export function loadQuery(name: string): NamedQuery {
  if (!/^[a-z0-9_]+$/.test(name)) throw new QueryNotFoundError(`"${name}" is not a query name (see gamelake query --list)`);
  const file = path.join(QUERIES_DIR, `${name}.sql`);
  if (!existsSync(file)) throw new QueryNotFoundError(`no query named "${name}" (see gamelake query --list)`);
  const sql = readFileSync(file, 'utf8');
  const description = /^--\s*(.+)$/m.exec(sql)?.[1]?.trim() ?? '';
  const params = [...sql.matchAll(/^--\s*param:\s*([a-z_][a-z0-9_]*)(?:\s*\((text|number)\))?(?:\s*=\s*(.+))?$/gm)].map(
    (m): QueryParam => ({ name: m[1]!, ...(m[2] ? { type: m[2] as 'text' | 'number' } : {}), ...(m[3] === undefined ? {} : { default: m[3].trim() }) }),
  );
  const round = Object.fromEntries(
    [...sql.matchAll(/^--\s*round:\s*(.+)$/gm)]
      .flatMap((m) =>
        m[1]!.split(',').map((part) =>
          part
            .trim()
            .split('=')
            .map((x) => x.trim()),
        ),
      )
      .map(([c, d]) => [c!, Number(d)]),
  );
  return { name, description, params, round, sql };
}

export function listQueries(): NamedQuery[] {
  return readdirSync(QUERIES_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => loadQuery(f.slice(0, -4)));
}

/** A parameter value as text from the command line, typed: integers and decimals become numbers. */
function typed(value: string): DuckDBValue {
  if (/^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  if (/^-?\d*\.\d+$/.test(value)) return Number(value);
  return value;
}

/**
 * Binds a named query's declared parameters (given, else default) and rejects unknown or missing ones.
 * `style` words the messages for where the values came from: `--param name=VALUE` (the CLI) or `?name=VALUE` (a URL).
 */
export function bindParams(query: NamedQuery, given: Record<string, string>, style: 'cli' | 'url' = 'cli'): Record<string, DuckDBValue> {
  const param = (name: string, value = '=VALUE') => (style === 'cli' ? `--param ${name}${value}` : `?${name}${value}`);
  for (const key of Object.keys(given)) {
    if (!query.params.some((p) => p.name === key)) {
      throw new QueryError(`query ${query.name} has no parameter "${key}" (it takes: ${query.params.map((p) => p.name).join(', ') || 'none'})`);
    }
  }
  const bound: Record<string, DuckDBValue> = {};
  for (const p of query.params) {
    const value = given[p.name] ?? p.default;
    if (value === undefined) throw new QueryError(`query ${query.name} needs ${param(p.name)}`);
    if (p.type === 'number' && typeof typed(value) !== 'number') throw new QueryError(`query ${query.name}: ${param(p.name, '')} must be a number, got "${value}"`);
    bound[p.name] = p.type === 'text' ? value : typed(value);
  }
  return bound;
}

export interface QueryResult {
  columns: string[];
  /** DuckDB's type of each column, as text (BIGINT, TIMESTAMP WITH TIME ZONE, STRUCT(...)). */
  types: string[];
  /** The rows as plain JS objects (bigint for 64-bit integers, Date for timestamps): for pages and tests. */
  rows: Array<Record<string, unknown>>;
  /** DuckDB's types and values as they are, for exports that keep every type exactly. */
  duckTypes: DuckDBType[];
  values: DuckDBValue[][];
  /** A named query's decimals per column for tables (its `-- round:` line); the values keep every digit. */
  round?: Record<string, number>;
  /** More rows followed the ones read (the call asked for at most `maxRows`). */
  truncated: boolean;
}

/** Per call: read at most this many rows (the result says whether more followed). */
export interface QueryLimits {
  maxRows?: number;
}

export interface ReaderOptions {
  /** The lake the warehouse's views read (default: the `lake` folder next to the warehouse file). */
  lakeDir?: string;
  /** Each query's time limit (default 30 s); a query over it is interrupted. */
  timeoutMs?: number;
  /** Allow Parquet exports (a private folder DuckDB may write them to, removed after). */
  parquet?: boolean;
  /** Aborting it interrupts the running query (its client went away, the server is stopping). */
  signal?: AbortSignal;
  /** DuckDB's memory limit for this session (default 2GB): a query past it fails, the process stays. */
  memoryLimit?: string;
  /** DuckDB threads for this session (default: one per core). */
  threads?: number;
  /** A result of more rows than this is refused (ResultTooLargeError) instead of read into memory; default: no limit. */
  maxRows?: number;
}

/** A read-only, sandboxed session on the warehouse: one query per call, a time limit, no file access outside the lake. */
export interface WarehouseReader {
  query(sql: string, params?: Record<string, DuckDBValue>, limits?: QueryLimits): Promise<QueryResult>;
  /** A named query (queries/NAME.sql) with its parameters bound from text. */
  named(name: string, given?: Record<string, string>): Promise<QueryResult>;
  /** The result of one query as a Parquet file's bytes, written by DuckDB (needs the reader opened with `parquet: true`). */
  parquet(sql: string, params?: Record<string, DuckDBValue>): Promise<Uint8Array>;
}

/** A reader's memory limit unless told otherwise: queries past it fail with DuckDB's out-of-memory error. */
export const DEFAULT_READER_MEMORY = '2GB';

/** Statement types a reader may run: queries and their plans. */
const READABLE = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

async function sandbox(db: Db, dirs: string[]): Promise<void> {
  // The lake's views read its Parquet files; nothing else may be read or written, and the settings stay.
  await db.run(`SET allowed_directories = [${dirs.map((d) => sqlLiteral(`${path.resolve(d)}${path.sep}`)).join(', ')}]`);
  await db.run('SET enable_external_access = false');
  await db.run('SET autoinstall_known_extensions = false');
  await db.run('SET autoload_known_extensions = false');
  await db.run('SET lock_configuration = true');
}

/** Refuses, before DuckDB prepares it, any statement that is not a query (the shape of its text), then checks the prepared type. */
async function prepareQuery(conn: DuckDBConnection, sql: string, params: Record<string, DuckDBValue> | undefined) {
  const shape = shapeOf(sql);
  const extracted = await extractOne(conn, sql, shape);
  if (shape.explained !== undefined) {
    // The statement EXPLAIN would plan must itself be a query (planning some statements has effects).
    const inner = await (await extractOne(conn, shape.explained, shapeOf(shape.explained))).prepare(0);
    if (inner.statementType !== StatementType.SELECT)
      throw new QueryRefusedError(`the warehouse is read-only: EXPLAIN here explains queries only, not ${StatementType[inner.statementType] ?? inner.statementType} statements`);
  }
  const prepared = await extracted.prepare(0);
  const type = prepared.statementType;
  if (!READABLE.has(type))
    throw new QueryRefusedError(`the warehouse is read-only: only queries (SELECT, WITH ..., EXPLAIN) run here, not ${StatementType[type] ?? type} statements`);
  if (params && Object.keys(params).length > 0) prepared.bind(params);
  return prepared;
}

function shapeOf(sql: string): StatementShape {
  try {
    return statementShape(sql);
  } catch (err) {
    throw new QueryRefusedError((err as Error).message, { cause: err });
  }
}

/** The statements of `sql` (parsed, not prepared), refusing none and several. */
async function extractOne(conn: DuckDBConnection, sql: string, shape: StatementShape) {
  const extracted = await conn.extractStatements(sql).catch((err: Error) => {
    throw new Error(err.message.replace(/^Failed to extract statements: /, ''), { cause: err });
  });
  if (extracted.count === 0) throw new QueryRefusedError('no SQL statement given');
  if (extracted.count > 1 && shape.keyword === 'PIVOT')
    throw new QueryRefusedError('PIVOT needs its values listed here (ON column IN (...)): without them DuckDB first creates a type, which the read-only warehouse cannot');
  if (extracted.count > 1) throw new QueryRefusedError(`one statement at a time: got ${extracted.count} (separated by ;)`);
  return extracted;
}

/**
 * Runs one statement's work (prepare included) under its time limit, counted from when it starts: the
 * session's own connection, so it is not waiting behind another query. Aborting `signal` interrupts it too.
 */
async function withTimeout<T>(conn: DuckDBConnection, timeoutMs: number, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
  if (signal?.aborted) throw cancelled(signal);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.interrupt();
  }, timeoutMs);
  const onAbort = () => conn.interrupt();
  signal?.addEventListener('abort', onAbort);
  try {
    return await run();
  } catch (err) {
    if (timedOut) throw new QueryTimeoutError(`the query ran longer than ${timeoutMs / 1000} s and was stopped`, { cause: err });
    if (signal?.aborted) throw cancelled(signal, err);
    throw err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function cancelled(signal: AbortSignal, cause?: unknown): QueryCancelledError {
  const why = signal.reason instanceof Error ? signal.reason.message : typeof signal.reason === 'string' ? signal.reason : 'the request was cancelled';
  return new QueryCancelledError(`the query was stopped: ${why}`, { cause: cause ?? signal.reason });
}

interface RunLimits {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Refuse a result past this many rows. */
  refuseOver?: number;
  /** Read at most this many rows (and say whether more followed). */
  readAtMost?: number;
}

async function runOne(conn: DuckDBConnection, sql: string, params: Record<string, DuckDBValue> | undefined, limits: RunLimits): Promise<QueryResult> {
  return withTimeout(conn, limits.timeoutMs, limits.signal, async () => {
    const prepared = await prepareQuery(conn, sql, params);
    const cap = Math.min(limits.readAtMost ?? Number.POSITIVE_INFINITY, limits.refuseOver ?? Number.POSITIVE_INFINITY);
    // A bounded read streams: DuckDB stops producing once the rows asked for (and one more) are read.
    const reader = Number.isFinite(cap) ? await prepared.streamAndReadUntil(cap + 1) : await prepared.runAndReadAll();
    const truncated = reader.currentRowCount > cap;
    if (truncated && limits.refuseOver !== undefined && reader.currentRowCount > limits.refuseOver)
      throw new ResultTooLargeError(`the result has more than ${limits.refuseOver.toLocaleString('en-US')} rows: add a LIMIT or an aggregate, or ask for format=parquet`);
    const duckTypes = reader.columnTypes();
    const values = truncated ? reader.getRows().slice(0, cap) : reader.getRows();
    let rows: Array<Record<string, unknown>> | undefined;
    return {
      columns: reader.columnNames(),
      types: duckTypes.map((t) => t.toString()),
      // JS objects are made when asked for (exports read the values; a DATE beyond JS's range has no JS Date).
      get rows() {
        rows ??= (reader.getRowObjectsJS() as Array<Record<string, unknown>>).slice(0, Number.isFinite(cap) ? cap : undefined);
        return rows;
      },
      duckTypes,
      values,
      truncated,
    };
  });
}

/** One query's result written by DuckDB's Parquet writer into `dir`; its bytes. */
async function parquetOne(conn: DuckDBConnection, dir: string, sql: string, params: Record<string, DuckDBValue> | undefined, limits: RunLimits): Promise<Uint8Array> {
  const file = path.join(dir, `${randomUUID()}.parquet`);
  // The statement was checked to be one query; a newline ends any trailing comment before our ") TO".
  await withTimeout(conn, limits.timeoutMs, limits.signal, async () => {
    await prepareQuery(conn, sql, params);
    const { keyword } = shapeOf(sql);
    if (keyword === 'EXPLAIN') throw new QueryRefusedError("an EXPLAIN's plan is text: download it as json, csv or arrow, not Parquet");
    // SUMMARIZE, DESCRIBE and SHOW are not queries COPY takes as they are; as a subquery they are.
    const query = ['SUMMARIZE', 'DESCRIBE', 'DESC', 'SHOW'].includes(keyword) ? `FROM (${sql.trim().replace(/;\s*$/, '')}\n)` : sql.trim().replace(/;\s*$/, '');
    await conn.run(`COPY (${query}\n) TO ${sqlLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`, params && Object.keys(params).length > 0 ? params : undefined);
  });
  try {
    return readFileSync(file);
  } finally {
    rmSync(file, { force: true });
  }
}

/** Opens the warehouse read-only in the sandbox, runs `fn`, closes it (a build may replace the file at any time). */
export async function withWarehouse<T>(warehousePath: string, fn: (reader: WarehouseReader) => Promise<T>, options: ReaderOptions = {}): Promise<T> {
  if (!existsSync(warehousePath)) throw new WarehouseMissingError(`no warehouse at ${warehousePath}: run \`gamelake marts build --wait\` first`);
  const exportDir = options.parquet ? mkdtempSync(path.join(os.tmpdir(), 'gamelake-export-')) : undefined;
  if (options.signal?.aborted) throw cancelled(options.signal);
  const db = await openDb({
    path: warehousePath,
    readOnly: true,
    memoryLimit: options.memoryLimit ?? DEFAULT_READER_MEMORY,
    threads: options.threads,
  });
  // One connection runs one statement at a time: calls made together (Promise.all) wait their turn. The
  // session closes only once nothing runs on it (a call still on a libuv thread when `fn` fails, say).
  let queue: Promise<unknown> = Promise.resolve();
  let ended = false;
  const serial = <R>(task: () => Promise<R>): Promise<R> => {
    const guarded = () => (ended ? Promise.reject(new QueryCancelledError('the query was not run: its warehouse session had ended')) : task());
    const next = queue.then(guarded, guarded);
    queue = next.catch(() => undefined);
    return next;
  };
  try {
    if (options.signal?.aborted) throw cancelled(options.signal);
    const lakeDir = path.resolve(options.lakeDir ?? path.join(path.dirname(warehousePath), 'lake'));
    // The warehouse's views read the lake found here, wherever it was when they were built.
    await db.run(`SET VARIABLE ${LAKE_VARIABLE} = ${sqlLiteral(lakeDir)}`);
    await sandbox(db, [lakeDir, ...(exportDir ? [exportDir] : [])]);
    const base: RunLimits = { timeoutMs: options.timeoutMs ?? 30_000, signal: options.signal, refuseOver: options.maxRows };
    const reader: WarehouseReader = {
      query: (sql, params, limits) => serial(() => runOne(db.conn, sql, params, { ...base, readAtMost: limits?.maxRows })),
      named: (name, given = {}) => {
        const q = loadQuery(name);
        const bound = bindParams(q, given);
        return serial(async () => ({ ...(await runOne(db.conn, q.sql, bound, base)), round: q.round }));
      },
      parquet: (sql, params) => {
        if (!exportDir) throw new QueryRefusedError('this session was not opened for Parquet exports');
        return serial(() => parquetOne(db.conn, exportDir, sql, params, base));
      },
    };
    return await fn(reader);
  } finally {
    ended = true;
    db.conn.interrupt();
    await queue;
    db.close();
    if (exportDir) rmSync(exportDir, { recursive: true, force: true });
  }
}

/** Runs one query against the warehouse, read-only and sandboxed, with bound parameters. */
export async function runSql(warehousePath: string, sql: string, params?: Record<string, DuckDBValue>, options?: ReaderOptions): Promise<QueryResult> {
  return withWarehouse(warehousePath, (r) => r.query(sql, params), options);
}
