import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WAREHOUSE_DIR = path.dirname(fileURLToPath(import.meta.url));

/** A SQL model file: its statements and the grain and checks its header declares. */
export interface Model {
  name: string;
  file: string;
  sql: string;
  grain: string;
  unique: string[];
  notNull: string[];
  /** Named parameters ($name) the SQL uses. */
  params: string[];
}

function header(sql: string, key: string): string | undefined {
  return new RegExp(`^--\\s*${key}:\\s*(.+)$`, 'm').exec(sql)?.[1]?.trim();
}

const list = (value: string | undefined) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : []);

export function parseModel(file: string): Model {
  const sql = readFileSync(file, 'utf8');
  return {
    name: path.basename(file, '.sql'),
    file,
    sql,
    grain: header(sql, 'grain') ?? '',
    unique: list(header(sql, 'unique')),
    notNull: list(header(sql, 'not_null')),
    params: [...new Set([...sql.replace(/^--.*$/gm, '').matchAll(/\$([a-z_][a-z0-9_]*)/g)].map((m) => m[1]!))],
  };
}

/** The models of one layer ('staging' or 'marts'), in file-name order. */
export function loadModels(layer: 'staging' | 'marts'): Model[] {
  const dir = path.join(WAREHOUSE_DIR, layer);
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => parseModel(path.join(dir, f)));
}
