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
  /** Models of the same layer this one reads (`-- depends_on:`); they are built first. */
  dependsOn: string[];
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
    dependsOn: list(header(sql, 'depends_on')),
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
  return inDependencyOrder(readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => parseModel(path.join(dir, f))));
}
