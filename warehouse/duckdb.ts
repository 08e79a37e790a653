import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';

export interface OpenOptions {
  /** Database file; ':memory:' for none. */
  path?: string;
  threads?: number;
  memoryLimit?: string;
  /** Where DuckDB spills when memoryLimit is reached. */
  tempDirectory?: string;
  readOnly?: boolean;
}

/** A DuckDB connection with its instance, closed together. */
export interface Db {
  conn: DuckDBConnection;
  run(sql: string, params?: Record<string, DuckDBValue>): Promise<void>;
  /** Rows as plain JS objects (bigint for BIGINT, Date-like values as JS). */
  rows<T = Record<string, unknown>>(sql: string, params?: Record<string, DuckDBValue>): Promise<T[]>;
  close(): void;
}

export async function openDb(options: OpenOptions = {}): Promise<Db> {
  const config: Record<string, string> = {};
  if (options.threads) config.threads = String(options.threads);
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  if (options.tempDirectory) config.temp_directory = options.tempDirectory;
  if (options.readOnly) config.access_mode = 'READ_ONLY';
  const instance = await DuckDBInstance.create(options.path ?? ':memory:', config);
  const conn = await instance.connect();
  return {
    conn,
    async run(sql, params) {
      await conn.run(sql, params);
    },
    async rows<T>(sql: string, params?: Record<string, DuckDBValue>) {
      const reader = await conn.runAndReadAll(sql, params);
      return reader.getRowObjectsJS() as T[];
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * A string literal for the few places DuckDB takes no bound parameter (COPY ... TO 'path'). Only ever used
 * for paths gamelake builds itself; values from users and events are always bound.
 */
export function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** DuckDB's column list for read_csv(columns = {...}). */
export function csvColumns(columns: ReadonlyArray<readonly [string, string]>): string {
  return `{${columns.map(([name, type]) => `${sqlLiteral(name)}: ${sqlLiteral(type)}`).join(', ')}}`;
}
