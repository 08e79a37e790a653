import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { flattenEvent, type Cell } from '../../transforms/flatten.ts';
import { EVENT_TABLE_NAMES, QUARANTINE_RAW_LIMIT, type EventTableName } from '../../transforms/tables.ts';
import { redactRawLine, validateLine, type ValidationResult } from '../../transforms/validate.ts';
import { CsvWriter } from './csv-writer.ts';
import { readLines } from './lines.ts';

export interface RangeTask {
  file: string;
  dir: string;
  range: number;
  /** Byte offsets [start, end) of a plain file; absent for the whole file (gzip). */
  start?: number;
  end?: number;
  maxLineBytes: number;
  latestMs: number;
}

export interface RangeResult {
  range: number;
  lines: number;
  valid: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  products: string[];
  eventTypes: Record<string, number>;
}

/** File name of one range's staged rows for a table. */
export function stagedFile(dir: string, table: string, range: number): string {
  return path.join(dir, `${table}.${range}.csv`);
}

/**
 * Validates and flattens the lines of one range of a batch file into staging CSV files. Every row starts
 * with (range, line within range); the commit turns that into the batch line number and joins a child
 * row to its event. De-duplication happens at commit, across ranges and batches.
 */
export async function stageRange(task: RangeTask, onProgress?: (lines: number) => void): Promise<RangeResult> {
  const writers = new Map<EventTableName, CsvWriter>(EVENT_TABLE_NAMES.map((t) => [t, new CsvWriter(stagedFile(task.dir, t, task.range))]));
  const quarantine = new CsvWriter(stagedFile(task.dir, 'quarantine', task.range));
  const result: RangeResult = { range: task.range, lines: 0, valid: 0, rejected: 0, rejectedByReason: {}, products: [], eventTypes: {} };
  const products = new Set<string>();
  let prefix = '';
  const emit = (table: EventTableName, row: Cell[]) => writers.get(table)!.write(row, prefix);
  try {
    for await (const line of readLines(task.file, { maxBytes: task.maxLineBytes, headLimit: QUARANTINE_RAW_LIMIT, start: task.start, end: task.end })) {
      result.lines = line.number;
      if (line.number % 50_000 === 0) onProgress?.(line.number);
      prefix = `${task.range},${line.number},`;
      const v: ValidationResult = line.oversized ? { ok: false, reason: 'too_large' } : validateLine(line.text, { maxLineBytes: task.maxLineBytes, latestMs: task.latestMs });
      if (!v.ok) {
        result.rejected += 1;
        result.rejectedByReason[v.reason] = (result.rejectedByReason[v.reason] ?? 0) + 1;
        quarantine.write(['rejected', v.reason, v.eventId ?? null, redactRawLine(line.text.slice(0, QUARANTINE_RAW_LIMIT)), line.bytes], prefix);
        continue;
      }
      result.valid += 1;
      products.add(v.productId);
      result.eventTypes[v.eventType] = (result.eventTypes[v.eventType] ?? 0) + 1;
      flattenEvent(v, emit);
    }
  } finally {
    for (const w of writers.values()) w.close();
    quarantine.close();
  }
  result.products = [...products];
  return result;
}

// As a worker thread: run the task given in workerData, report progress and the result.
if (parentPort && (workerData as { task?: RangeTask } | undefined)?.task) {
  const port = parentPort;
  stageRange((workerData as { task: RangeTask }).task, (lines) => port.postMessage({ progress: lines })).then(
    (result) => port.postMessage({ result }),
    (err: Error) => port.postMessage({ error: err.message }),
  );
}
