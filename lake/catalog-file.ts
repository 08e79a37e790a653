import { readFileSync } from 'node:fs';
import { LakeCatalogError } from './errors.ts';

/**
 * Reads one catalog file (a manifest, a compaction record) as JSON and checks its shape; a file that cannot be
 * parsed, or is not what its folder holds, is an error naming its path (never a bare SyntaxError).
 */
export function readCatalogFile<T>(file: string, what: string, problem: (value: Record<string, unknown>) => string | undefined): T {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LakeCatalogError(`${file} is not a readable ${what}: ${(err as Error).message} (restore it, or move it out of the lake's catalog)`, { cause: err });
  }
  const wrong = value === null || typeof value !== 'object' || Array.isArray(value) ? 'not a JSON object' : problem(value as Record<string, unknown>);
  if (wrong) throw new LakeCatalogError(`${file} is not a ${what}: ${wrong} (restore it, or move it out of the lake's catalog)`);
  return value as T;
}

/** A shape check: the first field (of `fields`) that is missing or of another kind, described. */
export function missingFields(value: Record<string, unknown>, fields: Record<string, 'string' | 'number' | 'array' | 'object'>): string | undefined {
  for (const [name, kind] of Object.entries(fields)) {
    const v = value[name];
    const ok = kind === 'array' ? Array.isArray(v) : kind === 'object' ? v !== null && typeof v === 'object' && !Array.isArray(v) : typeof v === kind;
    if (!ok) return `its ${name} is ${v === undefined ? 'missing' : `not a${kind === 'array' || kind === 'object' ? 'n' : ''} ${kind}`}`;
  }
  return undefined;
}
