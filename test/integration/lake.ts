import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileList, openDb, sqlLiteral } from '../../lake/duckdb.ts';
import { lakeSnapshot, tableFiles, type BatchManifest } from '../../lake/index.ts';
import { STEAM_DIR } from '../../lake/layout.ts';

/** Rows of every Parquet file under dir/<table>, or [] when the table has none. */
export async function lakeRows(lakeDir: string, table: string, where = 'true'): Promise<Array<Record<string, unknown>>> {
  const dir = path.join(lakeDir, table);
  if (!existsSync(dir) || readdirSync(dir, { recursive: true }).length === 0) return [];
  const db = await openDb();
  try {
    return await db.rows(`SELECT * FROM read_parquet(${sqlLiteral(path.join(dir, '**', '*.parquet'))}, hive_partitioning = true) WHERE ${where}`);
  } finally {
    db.close();
  }
}

/**
 * A fingerprint of a lake's event tables: per table, the row count and a hash of every row's text,
 * order-free. The Steam mirror's area (lake/steam) is left out: a Steam sweep Schedule that fires on the
 * shared test server (its task queue is the first worker's) may write there during any test.
 */
export async function lakeFingerprint(lakeDir: string): Promise<Record<string, string>> {
  const db = await openDb();
  try {
    const out: Record<string, string> = {};
    for (const table of readdirSync(lakeDir)
      .filter((t) => !t.startsWith('_l') && t !== STEAM_DIR)
      .sort()) {
      const glob = sqlLiteral(path.join(lakeDir, table, '**', '*.parquet'));
      if (!readdirSync(path.join(lakeDir, table), { recursive: true }).some((f) => String(f).endsWith('.parquet'))) continue;
      const [row] = await db.rows<{ n: bigint; h: string }>(
        `SELECT count(*) AS n, md5(string_agg(r, '|' ORDER BY r)) AS h FROM (SELECT CAST(t AS VARCHAR) AS r FROM read_parquet(${glob}, hive_partitioning = true) t)`,
      );
      out[table] = `${row!.n}:${row!.h}`;
    }
    return out;
  } finally {
    db.close();
  }
}

/**
 * A fingerprint of the lake as its catalog shows it (the live files only, as the warehouse reads them):
 * per table, the row count and a hash of every row's text, order-free.
 */
export async function catalogFingerprint(lakeDir: string): Promise<Record<string, string>> {
  const snapshot = lakeSnapshot(lakeDir);
  const db = await openDb();
  try {
    const out: Record<string, string> = {};
    for (const table of [...new Set(snapshot.files.map((f) => f.table))].sort()) {
      const files = tableFiles(snapshot, lakeDir, table);
      const [row] = await db.rows<{ n: bigint; h: string }>(
        `SELECT count(*) AS n, md5(string_agg(r, '|' ORDER BY r)) AS h FROM (SELECT CAST(t AS VARCHAR) AS r FROM read_parquet(${fileList(files)}, hive_partitioning = true, union_by_name = true) t)`,
      );
      out[table] = `${row!.n}:${row!.h}`;
    }
    return out;
  } finally {
    db.close();
  }
}

/**
 * Per event table of the catalog (quarantine left out): the row count and a hash of every row's text
 * without the columns that say where a row came from (batch_id, line). Two lakes that hold the same
 * events, arrived in other batches or orders, are equal by it.
 */
export async function eventContent(lakeDir: string): Promise<Record<string, string>> {
  const snapshot = lakeSnapshot(lakeDir);
  const db = await openDb();
  try {
    const out: Record<string, string> = {};
    for (const table of [...new Set(snapshot.files.map((f) => f.table))].filter((t) => t !== 'quarantine').sort()) {
      const files = tableFiles(snapshot, lakeDir, table);
      const [row] = await db.rows<{ n: bigint; h: string }>(
        `SELECT count(*) AS n, md5(string_agg(r, '|' ORDER BY r)) AS h FROM (SELECT CAST(t AS VARCHAR) AS r FROM (SELECT * EXCLUDE (batch_id, line) FROM read_parquet(${fileList(files)}, hive_partitioning = true, union_by_name = true)) t)`,
      );
      out[table] = `${row!.n}:${row!.h}`;
    }
    return out;
  } finally {
    db.close();
  }
}

/** The manifests of a lake's committed batches. */
export function manifestsOf(lakeDir: string): BatchManifest[] {
  const dir = path.join(lakeDir, '_manifests');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as BatchManifest);
}

/**
 * Every file under dir as text a search can read: each Parquet file's rows decoded (its bytes are
 * compressed, a grep would see nothing), every other file as it is. For "this value is nowhere" checks.
 */
export async function decodedText(dir: string): Promise<string> {
  const parts: string[] = [];
  const db = await openDb();
  try {
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      const file = path.join(e.parentPath, e.name);
      if (file.endsWith('.parquet')) {
        const [r] = await db.rows<{ t: string | null }>(`SELECT string_agg(CAST(t AS VARCHAR), '\n') AS t FROM read_parquet(${sqlLiteral(file)}) t`);
        parts.push(r?.t ?? '');
      } else if (existsSync(file)) parts.push(readFileSync(file).toString('latin1'));
    }
  } finally {
    db.close();
  }
  return parts.join('\n');
}
