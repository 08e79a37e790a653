import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STEAM_TABLE_NAMES, STEAM_TABLES } from '../../transforms/steam/tables.ts';
import { lakePathSql, type Db } from '../duckdb.ts';
import { STEAM_DIR } from '../layout.ts';

const ENTITIES_SQL = path.join(path.dirname(fileURLToPath(import.meta.url)), 'entities.sql');

/** The Steam mirror's Parquet files, lake-relative and sorted (the tables are append-only: files are only added). */
export function steamFiles(lakeDir: string): string[] {
  const out: string[] = [];
  for (const name of STEAM_TABLE_NAMES) {
    const dir = path.join(lakeDir, STEAM_DIR, name);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.parquet')) out.push(`${STEAM_DIR}/${name}/${f}`);
  }
  return out.sort();
}

/**
 * Makes the Steam mirror's lake tables available as views lake_steam_<table> over their Parquet files
 * (read at query time; a file is written under a temporary name and renamed, so a reader never sees half
 * of one). A table with no files yet is an empty view with the right columns. Returns files per table.
 */
export async function loadSteamLake(db: Db, lakeDir: string): Promise<Record<string, number>> {
  const files: Record<string, number> = {};
  for (const name of STEAM_TABLE_NAMES) {
    const dir = path.join(lakeDir, STEAM_DIR, name);
    const n = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.parquet')).length : 0;
    files[name] = n;
    const columns = STEAM_TABLES[name].columns;
    const select =
      n === 0
        ? `SELECT ${columns.map(([c, t]) => `CAST(NULL AS ${t === 'JSON' ? 'VARCHAR' : t}) AS "${c}"`).join(', ')} WHERE false`
        : `SELECT ${columns.map(([c]) => `"${c}"`).join(', ')} FROM read_parquet(${lakePathSql(lakeDir, path.join(dir, '*.parquet'))}, union_by_name = true)`;
    await db.run(`CREATE OR REPLACE VIEW lake_steam_${name} AS ${select}`);
  }
  // The scans' positions (one JSON file per scan, rewritten after each page).
  const scans = path.join(lakeDir, STEAM_DIR, '_scans');
  const hasScans = existsSync(scans) && readdirSync(scans).some((f) => f.endsWith('.json'));
  await db.run(
    `CREATE OR REPLACE VIEW lake_steam_scans AS ${
      hasScans
        ? `SELECT scan, "position", head, newestStartTime AS newest_start_time, pages, matches, recovered, "at" FROM read_json(${lakePathSql(lakeDir, path.join(scans, '*.json'))}, columns = {scan: 'VARCHAR', "position": 'BIGINT', head: 'BIGINT', newestStartTime: 'BIGINT', pages: 'BIGINT', matches: 'BIGINT', recovered: 'BIGINT', "at": 'BIGINT'})`
        : 'SELECT CAST(NULL AS VARCHAR) AS scan, CAST(NULL AS BIGINT) AS "position", CAST(NULL AS BIGINT) AS head, CAST(NULL AS BIGINT) AS newest_start_time, CAST(NULL AS BIGINT) AS pages, CAST(NULL AS BIGINT) AS matches, CAST(NULL AS BIGINT) AS recovered, CAST(NULL AS BIGINT) AS "at" WHERE false'
    }`,
  );
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
    await db.run(`CREATE OR REPLACE VIEW steam_${name} AS SELECT * FROM lake_steam_${name} QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY fetched_at DESC) = 1`);
  }
  await db.run(readFileSync(ENTITIES_SQL, 'utf8'));
}
