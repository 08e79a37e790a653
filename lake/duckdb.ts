import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance, LIST, listValue, VARCHAR, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';

export interface OpenOptions {
  /** Database file; ':memory:' for none. */
  path?: string;
  threads?: number;
  /** DuckDB's memory_limit (for example '512MB'): memory is bounded by configuration, not input size. */
  memoryLimit?: string;
  /** Where DuckDB spills when memoryLimit is reached. */
  tempDirectory?: string;
  readOnly?: boolean;
  /** false lets DuckDB reorder rows where order carries no meaning (less memory, more parallelism). */
  preserveInsertionOrder?: boolean;
  /** Settings passed as they are (DuckDB configuration names). */
  settings?: Record<string, string>;
}

/** A DuckDB connection with its instance, closed together. Sessions run in UTC. */
export interface Db {
  conn: DuckDBConnection;
  /** Another connection to the same database (closed with it); queries on two connections run at once. */
  connect(): Promise<DuckDBConnection>;
  /** `types` gives a parameter's type where DuckDB cannot infer it (an empty list: see textList). */
  run(sql: string, params?: Record<string, DuckDBValue>, types?: Record<string, DuckDBType>): Promise<void>;
  /** Rows as plain JS objects (bigint for BIGINT, Date-like values as JS). */
  rows<T = Record<string, unknown>>(sql: string, params?: Record<string, DuckDBValue>, types?: Record<string, DuckDBType>): Promise<T[]>;
  close(): void;
}

export async function openDb(options: OpenOptions = {}): Promise<Db> {
  const config: Record<string, string> = { ...options.settings };
  if (options.threads) config.threads = String(options.threads);
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  if (options.tempDirectory) config.temp_directory = options.tempDirectory;
  if (options.readOnly) config.access_mode = 'READ_ONLY';
  if (options.preserveInsertionOrder === false) config.preserve_insertion_order = 'false';
  const instance = await DuckDBInstance.create(options.path ?? ':memory:', config);
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  const extra: DuckDBConnection[] = [];
  return {
    conn,
    async connect() {
      const c = await instance.connect();
      await c.run("SET TimeZone = 'UTC'");
      extra.push(c);
      return c;
    },
    async run(sql, params, types) {
      await conn.run(sql, params, types);
    },
    async rows<T>(sql: string, params?: Record<string, DuckDBValue>, types?: Record<string, DuckDBType>) {
      const reader = await conn.runAndReadAll(sql, params, types);
      return reader.getRowObjectsJS() as T[];
    },
    close() {
      for (const c of extra) c.closeSync();
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * A string literal for the few places DuckDB takes no bound parameter (COPY ... TO 'path', read_parquet of a
 * file list). Only ever used for paths gamelake builds itself; values from users and events are always bound.
 */
export function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The session variable that says where the lake is. Views persisted in the warehouse name lake files as
 * `coalesce(getvariable('gamelake_lake'), '<lake at build time>') || '/events/...'`: a reader sets it to
 * the lake it resolved (the data directory may have moved, or been restored elsewhere from a backup);
 * a plain DuckDB session without it reads the lake where the build found it.
 */
export const LAKE_VARIABLE = 'gamelake_lake';

/** A lake file (or glob) as a SQL expression that follows LAKE_VARIABLE; `file` is absolute, under lakeDir. */
export function lakePathSql(lakeDir: string, file: string): string {
  const rel = path.relative(lakeDir, file).split(path.sep).join('/');
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${file} is not inside the lake ${lakeDir}`);
  return `coalesce(getvariable('${LAKE_VARIABLE}'), ${sqlLiteral(path.resolve(lakeDir))}) || ${sqlLiteral(`/${rel}`)}`;
}

/** Lake files as a DuckDB list of lakePathSql expressions (for read_parquet([...]) in persisted views). */
export function lakeFileList(lakeDir: string, files: readonly string[]): string {
  return `[${files.map((f) => lakePathSql(lakeDir, f)).join(', ')}]`;
}

/** A list of file paths as a DuckDB list literal (for read_parquet([...])). */
export function fileList(files: readonly string[]): string {
  return `[${files.map(sqlLiteral).join(', ')}]`;
}

/** A list of text bound as one parameter (typed, so an empty list binds too): `run(sql, { ids: v }, { ids: t })`. */
export function textList(values: readonly string[]): { value: DuckDBValue; type: DuckDBType } {
  return { value: listValue([...values]), type: LIST(VARCHAR) };
}
