/**
 * The Steam mirror's part of the lake: lake/steam/<table>/<name>.parquet (append-only; the file name is
 * derived from the request, so a retried activity rewrites the same file instead of adding one) and
 * lake/steam/raw/<Endpoint>_<key>.json.gz (each response as received, compressed, named as
 * `gamelake steam-sim --replay` reads them).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { openDb, sqlLiteral } from '../duckdb.ts';
import { STEAM_TABLES, steamColumnsDdl, type SteamColumnType, type SteamRows, type SteamTableName } from '../../transforms/steam/tables.ts';
import type { DuckDBAppender } from '@duckdb/node-api';

export function steamDir(lakeDir: string): string {
  return path.join(lakeDir, 'steam');
}

export function rawDir(lakeDir: string): string {
  return path.join(steamDir(lakeDir), 'raw');
}

/** File-name-safe key. */
function safe(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]/g, '-');
}

function append(appender: DuckDBAppender, type: SteamColumnType, value: unknown): void {
  if (value === null || value === undefined) return appender.appendNull();
  switch (type) {
    case 'BIGINT':
      return appender.appendBigInt(BigInt(value as number | bigint));
    case 'UBIGINT':
      return appender.appendUBigInt(BigInt(value as number | bigint | string));
    case 'INTEGER':
      return appender.appendInteger(Math.trunc(Number(value)));
    case 'BOOLEAN':
      return appender.appendBoolean(Boolean(value));
    default:
      return appender.appendVarchar(String(value));
  }
}

/** Writes a response's gzip-compressed body to the raw archive (atomically). */
export function writeRaw(lakeDir: string, endpoint: string, key: string, text: string): string {
  const dir = rawDir(lakeDir);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${endpoint}_${safe(key)}.json.gz`);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, gzipSync(text));
  renameSync(tmp, file);
  return file;
}

/**
 * Writes rows to one Parquet file per table, named `name`. Child tables are written before `matches`: a
 * match row appears only once its players, picks and units are in place.
 */
export async function writeSteamRows(lakeDir: string, name: string, rows: SteamRows): Promise<string[]> {
  const tables = (Object.keys(rows) as SteamTableName[]).filter((t) => (rows[t]?.length ?? 0) > 0).sort((a, b) => Number(a === 'matches') - Number(b === 'matches'));
  if (tables.length === 0) return [];
  const db = await openDb({ threads: 1 });
  const written: string[] = [];
  try {
    for (const table of tables) {
      const columns = STEAM_TABLES[table].columns;
      await db.run(`CREATE OR REPLACE TABLE t (${steamColumnsDdl(table)})`);
      const appender = await db.conn.createAppender('t');
      for (const row of rows[table]!) {
        for (const [c, t] of columns) append(appender, t, row[c]);
        appender.endRow();
      }
      appender.closeSync();
      const dir = path.join(steamDir(lakeDir), table);
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${safe(name)}.parquet`);
      const tmp = `${file}.tmp-${process.pid}`;
      rmSync(tmp, { force: true });
      await db.run(`COPY t TO ${sqlLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
      renameSync(tmp, file);
      written.push(file);
    }
  } finally {
    db.close();
  }
  return written;
}
