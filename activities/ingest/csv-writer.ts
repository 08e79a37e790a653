import { closeSync, openSync, writeSync } from 'node:fs';
import type { Cell } from '../../transforms/flatten.ts';

const NEEDS_QUOTES = /[",\n\r]/;

/**
 * Encodes one CSV field: NULL as an empty unquoted field; strings quoted only when they must be (empty,
 * or holding a quote, comma or line break), so the common case costs no copying.
 */
export function csvCell(value: Cell | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') {
    if (value !== '' && !NEEDS_QUOTES.test(value)) return value;
    return `"${value.replaceAll('"', '""')}"`;
  }
  return String(value);
}

/** Buffered, synchronous CSV writer for staging rows (DuckDB's CSV reader loads them, typed, in parallel). */
export class CsvWriter {
  private buffer: string[] = [];
  private size = 0;
  private readonly fd: number;
  rows = 0;
  readonly file: string;

  constructor(file: string) {
    this.file = file;
    this.fd = openSync(file, 'w');
  }

  /** Writes one row; `prefix` (already encoded, ending in a comma) goes first. */
  write(row: readonly Cell[], prefix = ''): void {
    let line = prefix;
    for (let k = 0; k < row.length; k++) line += (k === 0 ? '' : ',') + csvCell(row[k]);
    line += '\n';
    this.buffer.push(line);
    this.size += line.length;
    this.rows += 1;
    if (this.size > 1 << 20) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
