// Renders query results for people and programs, from DuckDB's own types and values: an aligned table
// and CSV (DuckDB's text of each value), JSON lines (exact integers and decimals, ISO timestamps, nested
// lists and structs), an Arrow IPC stream (typed from DuckDB's column types). Parquet is DuckDB's own writer
// (see parquetOf in queries.ts).
import { DuckDBTypeId, type DuckDBListValue, type DuckDBMapValue, type DuckDBStructValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { toArrowIPC } from './arrow.ts';
import type { QueryResult, WarehouseReader } from './queries.ts';

export const FORMATS = ['table', 'csv', 'json', 'arrow', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];
/** Formats that are bytes, not text. */
export const BINARY_FORMATS: readonly Format[] = ['arrow', 'parquet'];

/** A number token written as it is (exact beyond 2^53): Node's JSON.rawJSON. */
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

const INTEGER_TYPES = new Set([DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER]);
const BIG_INTEGER_TYPES = new Set([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT, DuckDBTypeId.BIGNUM]);
const FLOAT_TYPES = new Set([DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE]);
const NUMERIC_TYPES = new Set([...INTEGER_TYPES, ...BIG_INTEGER_TYPES, ...FLOAT_TYPES, DuckDBTypeId.DECIMAL]);

/** A value as DuckDB prints it ('' for NULL). */
export function textOf(value: DuckDBValue): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

/** An ISO 8601 text of microseconds since the epoch: milliseconds shown, microseconds when there are any. */
function isoMicros(micros: bigint, zone: boolean): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const rest = Number(((micros % 1000n) + 1000n) % 1000n);
  const d = new Date(Number(ms));
  if (Number.isNaN(d.getTime())) return String(micros);
  const iso = d.toISOString().slice(0, -1);
  return `${iso}${rest ? String(rest).padStart(3, '0') : ''}${zone ? 'Z' : ''}`;
}

/** A value as JSON: exact where JSON allows (integers and decimals as number tokens), text where it has no type. */
export function jsonOf(type: DuckDBType, value: DuckDBValue): unknown {
  if (value === null || value === undefined) return null;
  const id = type.typeId;
  if (id === DuckDBTypeId.BOOLEAN) return value;
  if (INTEGER_TYPES.has(id)) return Number(value);
  if (BIG_INTEGER_TYPES.has(id) || id === DuckDBTypeId.DECIMAL) return rawJSON(String(value));
  if (FLOAT_TYPES.has(id)) return Number.isFinite(value as number) ? value : String(value);
  if (id === DuckDBTypeId.TIMESTAMP_TZ) return isoMicros((value as { micros: bigint }).micros, true);
  if (id === DuckDBTypeId.TIMESTAMP) return isoMicros((value as { micros: bigint }).micros, false);
  if (id === DuckDBTypeId.LIST || id === DuckDBTypeId.ARRAY) {
    const child = (type as unknown as { valueType: DuckDBType }).valueType;
    return (value as DuckDBListValue).items.map((v) => jsonOf(child, v));
  }
  if (id === DuckDBTypeId.STRUCT) {
    const t = type as unknown as { entryNames: readonly string[]; entryTypes: readonly DuckDBType[] };
    const entries = (value as DuckDBStructValue).entries;
    return Object.fromEntries(t.entryNames.map((n, k) => [n, jsonOf(t.entryTypes[k]!, entries[n] ?? null)]));
  }
  if (id === DuckDBTypeId.MAP) {
    const t = type as unknown as { keyType: DuckDBType; valueType: DuckDBType };
    return (value as DuckDBMapValue).entries.map((e) => ({ key: jsonOf(t.keyType, e.key), value: jsonOf(t.valueType, e.value) }));
  }
  if (id === DuckDBTypeId.UNION) {
    const u = value as unknown as { tag: string; value: DuckDBValue };
    return { [u.tag]: String(u.value) };
  }
  return String(value);
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A number for people: at most `digits` decimals (DOUBLE shown with up to 6 unless the query says otherwise). */
function rounded(text: string, digits: number): string {
  const n = Number(text);
  if (!Number.isFinite(n) || !text.includes('.')) return text;
  return String(Number(n.toFixed(digits)));
}

export interface RenderOptions {
  /** Decimals shown per column in the table format (a named query's `-- round:` line); other formats keep every digit. */
  round?: Record<string, number>;
}

/** Renders a result as an aligned table, CSV, JSON lines or an Arrow IPC stream (parquet: see queries.ts). */
export function render(result: QueryResult, format: Exclude<Format, 'parquet'>, options: RenderOptions = {}): string | Uint8Array {
  const { columns, duckTypes: types, values } = result;
  switch (format) {
    case 'json':
      return values.map((row) => JSON.stringify(Object.fromEntries(columns.map((c, k) => [c, jsonOf(types[k]!, row[k]!)])))).join('\n') + (values.length ? '\n' : '');
    case 'csv':
      return `${[columns.map(csvField).join(','), ...values.map((row) => row.map((v) => csvField(textOf(v))).join(','))].join('\n')}\n`;
    case 'arrow':
      return toArrowIPC(columns, types, values);
    case 'table': {
      const digits = columns.map((c, k) => options.round?.[c] ?? (FLOAT_TYPES.has(types[k]!.typeId) ? 6 : undefined));
      const cells = values.map((row) => row.map((v, k) => (digits[k] !== undefined && v !== null ? rounded(textOf(v), digits[k]!) : textOf(v))));
      const widths = columns.map((c, k) => Math.max(c.length, ...cells.map((row) => row[k]!.length)));
      const numeric = types.map((t) => NUMERIC_TYPES.has(t.typeId));
      const line = (row: string[]) =>
        row
          .map((v, k) => (numeric[k] ? v.padStart(widths[k]!) : v.padEnd(widths[k]!)))
          .join('  ')
          .trimEnd();
      return `${[line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), `(${values.length} row${values.length === 1 ? '' : 's'})`].join('\n')}\n`;
    }
  }
}

/** A query's result in a format: rendered from its values, or (parquet) written by DuckDB. */
export async function exportQuery(
  reader: WarehouseReader,
  query: { sql: string; params?: Record<string, DuckDBValue>; round?: Record<string, number> },
  format: Format,
): Promise<string | Uint8Array> {
  if (format === 'parquet') return reader.parquet(query.sql, query.params);
  return render(await reader.query(query.sql, query.params), format, { round: query.round });
}
