import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WAREHOUSE_DIR = path.dirname(fileURLToPath(import.meta.url));

/**
 * How a mart is kept up to date:
 * - `merge`: its statements read the new batches' rows (`delta_stg_*`) and the mart as it stands, and
 *   write the mart again with them merged in (counts added, minimums kept, the latest kept, ...). A full
 *   build is the same statements over every batch, starting from an empty mart.
 * - `rebuild`: recomputed from other marts (or from the Steam mirror, `source: steam`) whenever they changed.
 */
export type Refresh = 'merge' | 'rebuild';

/** A SQL model file: its statements and what its header declares. */
export interface Model {
  name: string;
  layer: 'staging' | 'marts';
  file: string;
  sql: string;
  /** The statements, in order (split at a `;` that ends a line). */
  statements: string[];
  grain: string;
  /** The first comment lines that are not a declaration: what the model is. */
  description: string;
  unique: string[];
  notNull: string[];
  /** Invariants: SQL conditions every row must meet (`-- check: complete + stubs + unavailable = total`). */
  checks: string[];
  /** Column descriptions (`-- column name: what it holds`), for the catalog and the warehouse's comments. */
  columns: Record<string, string>;
  /** Named parameters ($name) the SQL uses. */
  params: string[];
  /** Models of the same layer this one reads (`-- depends_on:`); they are built first. */
  dependsOn: string[];
  refresh: Refresh;
  /** `steam`: reads the Steam mirror (refreshed when the mirror has new files); `events` otherwise. */
  source: 'events' | 'steam';
}

const DECLARATIONS = ['grain', 'unique', 'not_null', 'check', 'depends_on', 'refresh', 'source', 'column '];

function header(sql: string, key: string): string | undefined {
  return new RegExp(`^--\\s*${key}:\\s*(.+)$`, 'm').exec(sql)?.[1]?.trim();
}

function headers(sql: string, key: string): string[] {
  return [...sql.matchAll(new RegExp(`^--\\s*${key}:\\s*(.+)$`, 'gm'))].map((m) => m[1]!.trim());
}

const list = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/** Splits a model's SQL into statements at semicolons that end a line (comments stay with their statement). */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.replace(/^--.*$/gm, '').trim().length > 0);
}

export function parseModel(file: string, layer: Model['layer']): Model {
  const sql = readFileSync(file, 'utf8');
  const name = path.basename(file, '.sql');
  const refresh = header(sql, 'refresh') ?? 'rebuild';
  if (refresh !== 'merge' && refresh !== 'rebuild') throw new Error(`${file}: refresh must be merge or rebuild, got "${refresh}"`);
  const description = sql
    .split('\n')
    .filter((l) => l.startsWith('--'))
    .map((l) => l.replace(/^--\s?/, ''))
    .filter((l) => !DECLARATIONS.some((d) => l.startsWith(d.endsWith(' ') ? d : `${d}:`)))
    .join(' ')
    .trim();
  return {
    name,
    layer,
    file,
    sql,
    statements: splitStatements(sql),
    grain: header(sql, 'grain') ?? '',
    description,
    unique: list(header(sql, 'unique')),
    notNull: list(header(sql, 'not_null')),
    checks: headers(sql, 'check'),
    columns: Object.fromEntries([...sql.matchAll(/^--\s*column\s+([a-z_][a-z0-9_]*):\s*(.+)$/gm)].map((m) => [m[1]!, m[2]!.trim()])),
    dependsOn: list(header(sql, 'depends_on')),
    refresh,
    source: header(sql, 'source') === 'steam' || /\bsteam_/.test(sql.replace(/^--.*$/gm, '')) ? 'steam' : 'events',
    params: [...new Set([...sql.replace(/^--.*$/gm, '').matchAll(/\$([a-z_][a-z0-9_]*)/g)].map((m) => m[1]!))],
  };
}

/** Orders models so each comes after the ones it depends on (file-name order otherwise). */
export function inDependencyOrder(models: Model[]): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const done = new Set<string>();
  const out: Model[] = [];
  const visit = (m: Model, path: string[]) => {
    if (done.has(m.name)) return;
    if (path.includes(m.name)) throw new Error(`models depend on each other in a cycle: ${[...path, m.name].join(' -> ')}`);
    for (const dep of m.dependsOn) {
      const d = byName.get(dep);
      if (!d) throw new Error(`${m.name} depends on ${dep}, which is not a model of its layer`);
      visit(d, [...path, m.name]);
    }
    done.add(m.name);
    out.push(m);
  };
  for (const m of models) visit(m, []);
  return out;
}

/** The models of one layer ('staging' or 'marts'), dependencies first, else in file-name order. */
export function loadModels(layer: 'staging' | 'marts'): Model[] {
  const dir = path.join(WAREHOUSE_DIR, layer);
  return inDependencyOrder(
    readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .map((f) => parseModel(path.join(dir, f), layer)),
  );
}

/**
 * The statement that makes a staging model's rows for the new batches only: the model's own SQL, reading
 * `delta_lake_<table>` and `delta_stg_<model>` instead of `lake_<table>` and `stg_<model>`, into a temporary
 * table (read once, checked, then used by every mart).
 */
export function deltaStatement(model: Model): string {
  if (model.layer !== 'staging' || model.source !== 'events') throw new Error(`${model.name} has no delta form`);
  const body = model.statements.join(';\n');
  const rewritten = body
    .replace(new RegExp(`CREATE\\s+OR\\s+REPLACE\\s+VIEW\\s+${model.name}\\s+AS`, 'i'), `CREATE OR REPLACE TEMP TABLE delta_${model.name} AS`)
    .replace(/\blake_(?!steam_)([a-z0-9_]+)/g, 'delta_lake_$1')
    .replace(/\bstg_/g, 'delta_stg_');
  if (!rewritten.includes(`CREATE OR REPLACE TEMP TABLE delta_${model.name} AS`)) {
    throw new Error(`${model.file}: a staging model must be one CREATE OR REPLACE VIEW ${model.name} AS ... statement`);
  }
  return rewritten;
}
