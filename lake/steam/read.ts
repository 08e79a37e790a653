import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STEAM_TABLE_NAMES, STEAM_TABLES, steamColumnsDdl } from '../../transforms/steam/tables.ts';
import { sqlLiteral, type Db } from '../duckdb.ts';
import { STEAM_DIR } from '../layout.ts';

const ENTITIES_SQL = path.join(path.dirname(fileURLToPath(import.meta.url)), 'entities.sql');

/**
 * Makes the Steam mirror's lake tables available as lake_steam_<table>: copied into the database
 * ('table') or read from the Parquet files at query time ('view', for planning a sweep). A table with no
 * files yet is an empty table with the right columns.
 */
export async function loadSteamLake(db: Db, lakeDir: string, as: 'table' | 'view'): Promise<Record<string, number>> {
  const files: Record<string, number> = {};
  for (const name of STEAM_TABLE_NAMES) {
    const dir = path.join(lakeDir, STEAM_DIR, name);
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

/**
 * The mirror's current state, as views over lake_steam_<table>: steam_<table> keeps the newest row of each
 * key (the lake is append-only: an entity fetched again gets a newer row), and steam_entities lists every
 * entity the mirror knows of with its state (complete, stub, unavailable). The convergence planner and the
 * warehouse's staging models both read these.
 */
export async function createSteamState(db: Db): Promise<void> {
  for (const name of STEAM_TABLE_NAMES) {
    const key = STEAM_TABLES[name].key.map((k) => `"${k}"`).join(', ');
    await db.run(`CREATE VIEW steam_${name} AS SELECT * FROM lake_steam_${name} QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY fetched_at DESC) = 1`);
  }
  await db.run(readFileSync(ENTITIES_SQL, 'utf8'));
}
