import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEFAULT_MAX_LINE_BYTES } from '../../transforms/contract.ts';
import { BatchFileError } from './errors.ts';
import { hashFile } from './inbox.ts';
import { isGzip } from './lines.ts';
import { lineAlignedRanges } from './ranges.ts';
import type { RangeResult, RangeTask } from './stage-range.ts';

export interface StageInput {
  file: string;
  batchId: string;
  /** sha256 of the file as submitted; staging fails if the file no longer matches. */
  sha256: string;
}

export interface StageResult {
  batchId: string;
  linesIn: number;
  /** Lines that passed validation (duplicates among them are found at commit). */
  valid: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  products: string[];
  eventTypes: Record<string, number>;
  /** The ranges the file was staged in: the first line number of each (0-based offset). */
  ranges: Array<{ range: number; base: number; lines: number }>;
  bytes: number;
  stageMs: number;
}

export interface StageOptions {
  workDir: string;
  maxLineBytes?: number;
  /** Latest accepted occurred_at = now + this. */
  maxClockSkewMs?: number;
  now?: () => number;
  /** Worker threads for plain files (default: one per core, at most 4). */
  threads?: number;
  /** Called every few thousand lines with the lines read so far. */
  onProgress?: (lines: number) => void;
}

export const STAGED_MARKER = '_STAGED.json';

export function stageDir(workDir: string, batchId: string): string {
  return path.join(workDir, batchId);
}

const WORKER_URL = new URL('./stage-range.ts', import.meta.url);

function runRange(task: RangeTask, onProgress: (lines: number) => void): Promise<RangeResult> {
  return new Promise((resolve, reject) => {
    // A bounded heap per thread: garbage from JSON.parse is collected early instead of piling up.
    const worker = new Worker(WORKER_URL, { workerData: { task }, resourceLimits: { maxOldGenerationSizeMb: 192 } });
    worker.on('message', (m: { progress?: number; result?: RangeResult; error?: string }) => {
      if (m.progress !== undefined) onProgress(m.progress);
      if (m.result) resolve(m.result);
      if (m.error) reject(new Error(m.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`staging worker for range ${task.range} exited with code ${code}`));
    });
  });
}

/**
 * Reads a batch file once (split into line-aligned ranges, one worker thread each), validating and
 * flattening every line into staging CSV files while the main thread checks the file's sha256.
 * Idempotent: a retry starts from an empty staging directory. The marker file written last says staging
 * completed.
 */
export async function stageBatch(input: StageInput, options: StageOptions): Promise<StageResult> {
  const started = Date.now();
  const dir = stageDir(options.workDir, input.batchId);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let size: number;
  let gzip: boolean;
  try {
    size = statSync(input.file).size;
    gzip = await isGzip(input.file);
  } catch (cause) {
    throw new BatchFileError(`batch ${input.batchId}: cannot read ${input.file}`, { cause });
  }
  const threads = options.threads ?? Math.min(4, os.availableParallelism());
  const ranges = gzip ? [{ start: undefined, end: undefined }] : lineAlignedRanges(input.file, threads);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const latestMs = (options.now ?? Date.now)() + (options.maxClockSkewMs ?? 5 * 60_000);
  const progress = ranges.map(() => 0);

  let results: RangeResult[];
  let digest: string;
  try {
    [digest, ...results] = await Promise.all([
      hashFile(input.file),
      ...ranges.map((r, range) =>
        runRange({ file: input.file, dir, range, start: r.start, end: r.end, maxLineBytes, latestMs }, (lines) => {
          progress[range] = lines;
          options.onProgress?.(progress.reduce((s, n) => s + n, 0));
        }),
      ),
    ]) as [string, ...RangeResult[]];
  } catch (cause) {
    throw new BatchFileError(`batch ${input.batchId}: reading ${input.file} failed: ${(cause as Error).message}`, { cause });
  }
  if (digest !== input.sha256) {
    throw new BatchFileError(`batch ${input.batchId}: ${input.file} changed since it was submitted (sha256 ${digest.slice(0, 16)}, expected ${input.sha256.slice(0, 16)})`);
  }
  const rejectedByReason: Record<string, number> = {};
  const eventTypes: Record<string, number> = {};
  const products = new Set<string>();
  const bases: StageResult['ranges'] = [];
  let base = 0;
  for (const r of results) {
    bases.push({ range: r.range, base, lines: r.lines });
    base += r.lines;
    for (const [k, n] of Object.entries(r.rejectedByReason)) rejectedByReason[k] = (rejectedByReason[k] ?? 0) + n;
    for (const [k, n] of Object.entries(r.eventTypes)) eventTypes[k] = (eventTypes[k] ?? 0) + n;
    for (const p of r.products) products.add(p);
  }
  const result: StageResult = {
    batchId: input.batchId,
    linesIn: base,
    valid: results.reduce((s, r) => s + r.valid, 0),
    rejected: results.reduce((s, r) => s + r.rejected, 0),
    rejectedByReason,
    products: [...products].sort(),
    eventTypes,
    ranges: bases,
    bytes: size,
    stageMs: Date.now() - started,
  };
  writeFileSync(path.join(dir, STAGED_MARKER), JSON.stringify(result));
  return result;
}
