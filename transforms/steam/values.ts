/**
 * Helpers the Steam parsers share: reading a JSON value as a column's type, the unknown fields of an object
 * as `extra`, the envelope of an answer, and the error every parser throws for a malformed answer.
 */
import { GamelakeError } from '../errors.ts';
import { stringifySteamJson, isObject, type SteamJson, type SteamObject } from './json.ts';
import type { SteamRow, SteamRows, SteamTableName } from './tables.ts';

/** A 200 answer that is not shaped as the endpoint promises (retryable: Valve sometimes sends these). */
export class MalformedSteamResponseError extends GamelakeError {
  readonly endpoint: string;
  constructor(endpoint: string, what: string) {
    super(`${endpoint}: malformed response: ${what}`);
    this.endpoint = endpoint;
  }
}

export function num(value: SteamJson | undefined): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

export function big(value: SteamJson | undefined): bigint | null {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  return null;
}

export function str(value: SteamJson | undefined): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return null;
}

export function bool(value: SteamJson | undefined): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  return null;
}

/** The fields of `obj` not in `known`, as JSON text (NULL when there are none). */
export function extraOf(obj: SteamObject, known: ReadonlySet<string>): string | null {
  const extra: SteamObject = {};
  let any = false;
  for (const [k, v] of Object.entries(obj)) {
    if (!known.has(k)) {
      extra[k] = v;
      any = true;
    }
  }
  return any ? stringifySteamJson(extra) : null;
}

export function copyColumns(obj: SteamObject, columns: ReadonlyArray<readonly [string, string]>, row: SteamRow): void {
  for (const [name, type] of columns) {
    if (name in row) continue;
    const v = obj[name];
    row[name] = type === 'UBIGINT' ? big(v) : type === 'VARCHAR' ? str(v) : type === 'BOOLEAN' ? bool(v) : num(v);
  }
}

export function requireInt(obj: SteamObject, field: string, endpoint: string, where: string): number {
  const v = num(obj[field]);
  if (v === null || !Number.isInteger(v)) throw new MalformedSteamResponseError(endpoint, `${where}.${field} is ${JSON.stringify(obj[field] ?? null)}, not an integer`);
  return v;
}

export function push(rows: SteamRows, table: SteamTableName, row: SteamRow): void {
  (rows[table] ??= []).push(row);
}

export function resultOf(json: SteamJson, endpoint: string, envelope: 'result' | 'response' = 'result'): SteamObject {
  if (!isObject(json)) throw new MalformedSteamResponseError(endpoint, 'the body is not a JSON object');
  const result = json[envelope];
  if (!isObject(result)) throw new MalformedSteamResponseError(endpoint, `no "${envelope}" object (keys: ${Object.keys(json).join(', ') || 'none'})`);
  return result;
}

export function listOf(result: SteamObject, field: string, endpoint: string): SteamJson[] {
  const list = result[field];
  if (!Array.isArray(list)) throw new MalformedSteamResponseError(endpoint, `${field} is not a list`);
  return list;
}

/** Counts per table, for progress and activity results. */
export function rowCounts(rows: SteamRows): Record<string, number> {
  return Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v?.length ?? 0]));
}
