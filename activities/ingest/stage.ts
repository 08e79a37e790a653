import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_MAX_LINE_BYTES } from '../../transforms/contract.ts';
import { flattenEvent } from '../../transforms/flatten.ts';
import { EVENT_TABLE_NAMES, QUARANTINE_RAW_LIMIT, type EventTableName } from '../../transforms/tables.ts';
import { redactRawLine, validateLine, type ValidationResult } from '../../transforms/validate.ts';
import { CsvWriter } from './csv-writer.ts';
import { BatchFileError } from './errors.ts';
import { readLines } from './lines.ts';

export interface StageInput {
  file: string;
  batchId: string;
  /** sha256 of the file as submitted; staging fails if the file no longer matches. */
  sha256: string;
}

export interface StageResult {
  batchId: string;
  linesIn: number;
  /** Valid and not a duplicate within the batch (cross-batch duplicates are removed at commit). */
  valid: number;
  rejected: number;
  duplicatesInBatch: number;
  rejectedByReason: Record<string, number>;
  products: string[];
  eventTypes: Record<string, number>;
  bytes: number;
  stageMs: number;
}

export interface StageOptions {
  workDir: string;
  maxLineBytes?: number;
  /** Latest accepted occurred_at = now + this. */
  maxClockSkewMs?: number;
  now?: () => number;
  /** Called every few thousand lines with the lines read so far. */
  onProgress?: (lines: number) => void;
}

export const STAGED_MARKER = '_STAGED.json';

export function stageDir(workDir: string, batchId: string): string {
  return path.join(workDir, batchId);
}

/**
 * Reads a batch file once, validating, de-duplicating within the batch and flattening every line into
 * staging CSV files (one per lake table, plus quarantine and the batch's event ids). Idempotent: a retry
 * starts from an empty staging directory. The marker file written last says staging completed.
 */
export async function stageBatch(input: StageInput, options: StageOptions): Promise<StageResult> {
  const started = Date.now();
  const dir = stageDir(options.workDir, input.batchId);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let size: number;
  try {
    size = statSync(input.file).size;
  } catch (cause) {
    throw new BatchFileError(`batch ${input.batchId}: cannot read ${input.file}`, { cause });
  }

  const writers = new Map<EventTableName, CsvWriter>(EVENT_TABLE_NAMES.map((t) => [t, new CsvWriter(path.join(dir, `${t}.csv`))]));
  const quarantine = new CsvWriter(path.join(dir, 'quarantine.csv'));
  const ids = new CsvWriter(path.join(dir, 'ids.csv'));
  const emit = (table: EventTableName, row: Parameters<CsvWriter['write']>[0]) => writers.get(table)!.write(row);

  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const latestMs = (options.now ?? Date.now)() + (options.maxClockSkewMs ?? 5 * 60_000);
  const hash = createHash('sha256');
  const seen = new Map<string, number>();
  const rejectedByReason: Record<string, number> = {};
  const eventTypes: Record<string, number> = {};
  const products = new Set<string>();
  let linesIn = 0;
  let valid = 0;
  let rejected = 0;
  let duplicatesInBatch = 0;

  try {
    for await (const line of readLines(input.file, { maxBytes: maxLineBytes, headLimit: QUARANTINE_RAW_LIMIT, onRaw: (c) => hash.update(c) })) {
      linesIn = line.number;
      if (line.number % 20_000 === 0) options.onProgress?.(line.number);
      const result: ValidationResult = line.oversized ? { ok: false, reason: 'too_large' } : validateLine(line.text, { maxLineBytes, latestMs });
      if (!result.ok) {
        rejected += 1;
        rejectedByReason[result.reason] = (rejectedByReason[result.reason] ?? 0) + 1;
        quarantine.write([input.batchId, line.number, 'rejected', result.reason, result.eventId ?? null, redactRawLine(line.text.slice(0, QUARANTINE_RAW_LIMIT)), line.bytes]);
        continue;
      }
      const first = seen.get(result.eventId);
      if (first !== undefined) {
        duplicatesInBatch += 1;
        quarantine.write([input.batchId, line.number, 'duplicate', `duplicate_event_id:line ${first}`, result.eventId, redactRawLine(line.text.slice(0, QUARANTINE_RAW_LIMIT)), line.bytes]);
        continue;
      }
      seen.set(result.eventId, line.number);
      valid += 1;
      products.add(result.productId);
      eventTypes[result.eventType] = (eventTypes[result.eventType] ?? 0) + 1;
      ids.write([result.eventId, line.number]);
      flattenEvent(result, input.batchId, line.number, emit);
    }
  } catch (cause) {
    if (cause instanceof BatchFileError) throw cause;
    throw new BatchFileError(`batch ${input.batchId}: reading ${input.file} failed at line ${linesIn + 1}: ${(cause as Error).message}`, { cause });
  } finally {
    for (const w of writers.values()) w.close();
    quarantine.close();
    ids.close();
  }
  const digest = hash.digest('hex');
  if (digest !== input.sha256) {
    throw new BatchFileError(`batch ${input.batchId}: ${input.file} changed since it was submitted (sha256 ${digest.slice(0, 16)}, expected ${input.sha256.slice(0, 16)})`);
  }
  const result: StageResult = {
    batchId: input.batchId,
    linesIn,
    valid,
    rejected,
    duplicatesInBatch,
    rejectedByReason,
    products: [...products].sort(),
    eventTypes,
    bytes: size,
    stageMs: Date.now() - started,
  };
  writeFileSync(path.join(dir, STAGED_MARKER), JSON.stringify(result));
  return result;
}
