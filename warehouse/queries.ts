import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBValue } from '@duckdb/node-api';
import { GamelakeError } from '../platform/errors.ts';
import { openDb } from '../lake/duckdb.ts';

export const QUERIES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'queries');

/** The warehouse file is missing (not built yet). */
export class WarehouseMissingError extends GamelakeError {}
/** A named query does not exist or got parameters it does not declare. */
export class QueryError extends GamelakeError {}

export interface NamedQuery {
  name: string;
  description: string;
  params: Array<{ name: string; default?: string }>;
  sql: string;
}

/** Reads queries/NAME.sql: the first comment line describes it, `-- param: name [= default]` lines declare parameters. */
export function loadQuery(name: string): NamedQuery {
  if (!/^[a-z0-9_]+$/.test(name)) throw new QueryError(`"${name}" is not a query name (see gamelake query --list)`);
  const file = path.join(QUERIES_DIR, `${name}.sql`);
  if (!existsSync(file)) throw new QueryError(`no query named "${name}" (see gamelake query --list)`);
  const sql = readFileSync(file, 'utf8');
  const description = /^--\s*(.+)$/m.exec(sql)?.[1]?.trim() ?? '';
  const params = [...sql.matchAll(/^--\s*param:\s*([a-z_][a-z0-9_]*)(?:\s*=\s*(.+))?$/gm)].map((m) => (m[2] === undefined ? { name: m[1]! } : { name: m[1]!, default: m[2].trim() }));
  return { name, description, params, sql };
}

export function listQueries(): NamedQuery[] {
  return readdirSync(QUERIES_DIR).filter((f) => f.endsWith('.sql')).sort().map((f) => loadQuery(f.slice(0, -4)));
}

/** A parameter value as text from the command line, typed: integers and decimals become numbers. */
function typed(value: string): DuckDBValue {
  if (/^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  if (/^-?\d*\.\d+$/.test(value)) return Number(value);
  return value;
}

/** Binds a named query's declared parameters (given, else default) and rejects unknown or missing ones. */
export function bindParams(query: NamedQuery, given: Record<string, string>): Record<string, DuckDBValue> {
  for (const key of Object.keys(given)) {
    if (!query.params.some((p) => p.name === key)) {
      throw new QueryError(`query ${query.name} has no parameter "${key}" (it takes: ${query.params.map((p) => p.name).join(', ') || 'none'})`);
    }
  }
  const bound: Record<string, DuckDBValue> = {};
  for (const p of query.params) {
    const value = given[p.name] ?? p.default;
    if (value === undefined) throw new QueryError(`query ${query.name} needs --param ${p.name}=VALUE`);
    bound[p.name] = typed(value);
  }
  return bound;
}

export interface QueryResult {
  columns: string[];
  rows: Array<Record<string, unknown>>;
}

/** Runs SQL against the warehouse, read-only, with bound parameters. */
export async function runSql(warehousePath: string, sql: string, params?: Record<string, DuckDBValue>): Promise<QueryResult> {
  if (!existsSync(warehousePath)) throw new WarehouseMissingError(`no warehouse at ${warehousePath}: run \`gamelake marts build --wait\` first`);
  const db = await openDb({ path: warehousePath, readOnly: true });
  try {
    const reader = await db.conn.runAndReadAll(sql, params && Object.keys(params).length > 0 ? params : undefined);
    return { columns: reader.columnNames(), rows: reader.getRowObjectsJS() as Array<Record<string, unknown>> };
  } finally {
    db.close();
  }
}
