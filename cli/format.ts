import { tableFromJSON, tableToIPC } from 'apache-arrow';
import { UsageError } from '../platform/errors.ts';
import type { QueryResult } from '../warehouse/queries.ts';

export const FORMATS = ['table', 'csv', 'json', 'arrow'] as const;
export type Format = (typeof FORMATS)[number];

export function parseFormat(value: unknown): Format {
  const format = (value ?? 'table') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got ${String(value)})`);
  return format;
}

/** Plain JSON-able value: bigint to number (or string when too big), dates to ISO text. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

function text(value: unknown): string {
  const v = plain(value);
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Renders a result as an aligned table, CSV, JSON lines or an Arrow IPC stream. */
export function render(result: QueryResult, format: Format): string | Uint8Array {
  const { columns, rows } = result;
  switch (format) {
    case 'json':
      return rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c) => [c, plain(r[c])])))).join('\n') + (rows.length ? '\n' : '');
    case 'csv':
      return [columns.map(csvField).join(','), ...rows.map((r) => columns.map((c) => csvField(text(r[c]))).join(','))].join('\n') + '\n';
    case 'arrow':
      return tableToIPC(tableFromJSON(rows.map((r) => Object.fromEntries(columns.map((c) => [c, plain(r[c])])))), 'stream');
    case 'table': {
      const cells = rows.map((r) => columns.map((c) => text(r[c])));
      const widths = columns.map((c, k) => Math.max(c.length, ...cells.map((row) => row[k]!.length)));
      const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => r[c] === null || typeof r[c] === 'number' || typeof r[c] === 'bigint'));
      const line = (row: string[]) => row.map((v, k) => (numeric[k] ? v.padStart(widths[k]!) : v.padEnd(widths[k]!))).join('  ').trimEnd();
      return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`].join('\n') + '\n';
    }
  }
}
