import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { STEAM_TABLE_NAMES, STEAM_TABLES, steamColumnsDdl } from '../transforms/steam/tables.ts';
import { sqlLiteral, type Db } from './duckdb.ts';

/**
 * Makes the Steam mirror's lake tables available as lake_steam_<table>: copied into the database
 * ('table', for the warehouse build) or read from the Parquet files at query time ('view', for planning a
 * sweep). A table with no files yet is an empty table with the right columns.
 */
export async function loadSteamLake(db: Db, lakeDir: string, as: 'table' | 'view'): Promise<Record<string, number>> {
  const files: Record<string, number> = {};
  for (const name of STEAM_TABLE_NAMES) {
    const dir = path.join(lakeDir, 'steam', name);
    const n = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.parquet')).length : 0;
    files[name] = n;
    if (n === 0) {
      await db.run(`CREATE TABLE lake_steam_${name} (${steamColumnsDdl(name)})`);
    } else {
      const select = STEAM_TABLES[name].columns.map(([c]) => `"${c}"`).join(', ');
      await db.run(`CREATE ${as === 'table' ? 'TABLE' : 'VIEW'} lake_steam_${name} AS SELECT ${select} FROM read_parquet(${sqlLiteral(path.join(dir, '*.parquet'))}, union_by_name = true)`);
    }
  }
  return files;
}
