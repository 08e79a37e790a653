import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContractRegistry } from '../../transforms/contract/model.ts';
import { maskSecrets } from '../../transforms/secrets.ts';
import { listValue } from '@duckdb/node-api';
import { type Db, fileList, openDb, sqlLiteral } from '../duckdb.ts';
import { BatchInvariantError, StageMissingError } from '../errors.ts';
import { lakeSnapshot, tableFiles } from '../catalog.ts';
import { EVENT_ID_DIR, pendingPath, QUARANTINE_DIR, RECOVERED_DIR, stageDir } from '../layout.ts';
import { withLakeLock } from '../lock.ts';
import { committedBatches, readManifest, writeManifest, type BatchManifest } from '../manifest.ts';
import { fetchLines, filesUnder, OUTPUT_DIR, type BatchOutput } from './output.ts';
import { STAGED_MARKER, type StageResult } from './stage.ts';

export interface CommitInput {
  batchId: string;
  sha256: string;
  file: string;
  /**
   * Who commits (the workflow run). When a batch's manifest names the same committer, an earlier attempt of
   * this same commit finished before its worker was lost: the commit is this run's own, not one found.
   */
  committedBy?: string;
}

export interface CommitOptions {
  lakeDir: string;
  workDir: string;
  registry: ContractRegistry;
  onProgress?: (step: string) => void;
}

/** A commit in progress: the files it moves into the lake (written before the first move). */
interface Pending {
  batchId: string;
  files: string[];
}

/**
 * Commits a staged batch into the lake exactly once, under the lake's lock: checks the batch's event ids
 * against batches committed since it was staged (a rare overlap is moved to quarantine, its files written
 * again), checks that its counts add up, records which files it moves, moves them (renames on one
 * filesystem) and writes the manifest last: the commit point. A commit that crashed midway is rolled
 * forward by the next attempt; a batch already committed is returned as it is.
 */
export async function commitBatch(input: CommitInput, options: CommitOptions): Promise<BatchManifest & { alreadyCommitted: boolean }> {
  const started = Date.now();
  const existing = readManifest(options.lakeDir, input.batchId);
  if (existing) return { ...existing, alreadyCommitted: !ownCommit(existing, input) };
  const dir = stageDir(options.workDir, input.batchId);
  const log = options.onProgress ?? (() => {});

  return withLakeLock(options.lakeDir, async () => {
    const again = readManifest(options.lakeDir, input.batchId);
    if (again) return { ...again, alreadyCommitted: !ownCommit(again, input) };
    const stage = readStaged(input, dir, options.lakeDir);
    const out = path.join(dir, OUTPUT_DIR);
    let output = stage.output;
    const pending = readPending(options.lakeDir, input.batchId);
    if (!pending) {
      // Batches committed after this one was staged may share event ids with it: those become duplicates.
      const since = committedBatches(options.lakeDir).filter((b) => b !== input.batchId && !output.checkedAgainst.includes(b));
      if (since.length > 0) {
        log(`checking against ${since.length} batches committed since staging`);
        output = await dropLateDuplicates(input, output, out, options, since);
      }
      checkCounts(input, stage, output);
    }
    const files = pending?.files ?? output.files;
    // The list of files first, then the moves: a crash between moves is finished by the next attempt.
    writePending(options.lakeDir, { batchId: input.batchId, files });
    log(`moving ${files.length} files into the lake`);
    moveIntoLake(input, out, options.lakeDir, files);
    const manifest = manifestOf(input, stage, output, files, Date.now() - started);
    writeManifest(options.lakeDir, manifest);
    removePending(options.lakeDir, input.batchId);
    return { ...manifest, alreadyCommitted: false };
  });
}

/** The staging's result, or StageMissingError (after taking back any half-done commit) when it never completed. */
function readStaged(input: CommitInput, dir: string, lakeDir: string): StageResult {
  const marker = path.join(dir, STAGED_MARKER);
  if (!existsSync(marker)) {
    removePending(lakeDir, input.batchId);
    throw new StageMissingError(`batch ${input.batchId}: no completed staging in ${dir}`);
  }
  return JSON.parse(readFileSync(marker, 'utf8')) as StageResult;
}

/** Renames the staged files into the lake's partition folders; files already moved by an earlier attempt are skipped. */
function moveIntoLake(input: CommitInput, out: string, lakeDir: string, files: readonly string[]): void {
  for (const rel of files) {
    const from = path.join(out, rel);
    const to = path.join(lakeDir, rel);
    if (existsSync(from)) {
      mkdirSync(path.dirname(to), { recursive: true });
      renameSync(from, to);
    } else if (!existsSync(to)) {
      throw new StageMissingError(`batch ${input.batchId}: ${rel} is neither staged nor in the lake`);
    }
  }
}

/** True when this manifest was written by an earlier attempt of the same committer. */
function ownCommit(manifest: BatchManifest, input: CommitInput): boolean {
  return input.committedBy !== undefined && manifest.committedBy === input.committedBy;
}

function manifestOf(input: CommitInput, stage: StageResult, output: BatchOutput, files: string[], commitMs: number): BatchManifest {
  return {
    batchId: input.batchId,
    sha256: input.sha256,
    file: input.file,
    linesIn: stage.linesIn,
    accepted: output.accepted,
    quarantined: output.quarantined,
    duplicates: output.duplicates,
    duplicatesInBatch: output.duplicatesInBatch,
    duplicatesAcrossBatches: output.duplicatesAcrossBatches,
    rejectedByReason: stage.rejectedByReason,
    ...(stage.scope ? { scope: stage.scope } : {}),
    products: output.products,
    eventTypes: output.eventTypes,
    evolved: output.evolved,
    byProduct: output.byProduct,
    coercions: stage.coercions,
    files,
    rows: output.rows,
    bytes: stage.bytes,
    stageMs: stage.stageMs,
    commitMs,
    committedAt: new Date().toISOString(),
    ...(input.committedBy ? { committedBy: input.committedBy } : {}),
  };
}

function checkCounts(input: CommitInput, stage: StageResult, output: BatchOutput): void {
  if (stage.linesIn !== output.accepted + output.quarantined + output.duplicates || output.quarantined !== stage.rejected) {
    throw new BatchInvariantError(
      `batch ${input.batchId} (${input.file}): counts do not add up: linesIn ${stage.linesIn} != accepted ${output.accepted} + quarantined ${output.quarantined} + duplicates ${output.duplicates} (staging rejected ${stage.rejected})`,
    );
  }
}

function readPending(lakeDir: string, batchId: string): Pending | undefined {
  const file = pendingPath(lakeDir, batchId);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Pending) : undefined;
}

function writePending(lakeDir: string, pending: Pending): void {
  const file = pendingPath(lakeDir, pending.batchId);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(pending));
  renameSync(`${file}.tmp`, file);
}

/**
 * Takes back a commit that cannot finish (its staged output is gone): removes the files it had moved into
 * the lake, so partition folders hold only committed files. Safe to call when there is nothing to undo.
 */
export function removePending(lakeDir: string, batchId: string): string[] {
  const pending = readPending(lakeDir, batchId);
  if (!pending) return [];
  if (readManifest(lakeDir, batchId)) {
    rmSync(pendingPath(lakeDir, batchId), { force: true });
    return [];
  }
  const removed: string[] = [];
  for (const rel of pending.files) {
    const file = path.join(lakeDir, rel);
    if (existsSync(file)) {
      rmSync(file, { force: true });
      removed.push(rel);
    }
  }
  rmSync(pendingPath(lakeDir, batchId), { force: true });
  return removed;
}

/**
 * Moves events that a batch committed after staging already accepted into quarantine as duplicates, and
 * writes the batch's files again without them (rare: two batches with the same events staged at once).
 */
async function dropLateDuplicates(input: CommitInput, output: BatchOutput, out: string, options: CommitOptions, since: string[]): Promise<BatchOutput> {
  const sinceSet = new Set(since);
  const others = tableFiles(lakeSnapshot(options.lakeDir), options.lakeDir, EVENT_ID_DIR, sinceSet);
  const mine = path.join(out, EVENT_ID_DIR, `${input.batchId}.parquet`);
  if (others.length === 0 || !existsSync(mine)) return { ...output, checkedAgainst: [...output.checkedAgainst, ...since] };
  const db = await openDb({ threads: 2, memoryLimit: '512MB', tempDirectory: path.join(path.dirname(out), 'duckdb-tmp'), preserveInsertionOrder: false });
  try {
    const late = await db.rows<LateLine>(
      `SELECT m.line, m.event_id, min(o.batch_id) AS first_batch FROM read_parquet(${sqlLiteral(mine)}) m
       JOIN (SELECT * FROM read_parquet(${fileList(others)}) WHERE list_contains($since, batch_id)) o USING (event_id) GROUP BY ALL ORDER BY m.line`,
      { since: listValue(since) },
    );
    if (late.length === 0) return { ...output, checkedAgainst: [...output.checkedAgainst, ...since] };
    await db.run('CREATE TABLE late (line BIGINT, event_id VARCHAR, reason VARCHAR)');
    const app = await db.conn.createAppender('late');
    for (const l of late) {
      app.appendBigInt(l.line);
      app.appendVarchar(l.event_id);
      app.appendVarchar(`duplicate_event_id:batch ${l.first_batch}`);
      app.endRow();
    }
    app.closeSync();
    const rewritten = path.join(path.dirname(out), `${OUTPUT_DIR}.late`);
    rmSync(rewritten, { recursive: true, force: true });
    const rows = await rewriteWithoutLate(db, output.files, out, rewritten);
    await quarantineLate(db, input, late, out, rewritten, options.registry);
    const accepted = await recountAccepted(db, output, rewritten);
    rmSync(out, { recursive: true, force: true });
    renameSync(rewritten, out);
    return {
      ...output,
      ...accepted,
      files: filesUnder(out),
      rows: Object.fromEntries(Object.entries(rows).filter(([, n]) => n > 0)),
      accepted: rows.events ?? 0,
      duplicates: output.duplicates + late.length,
      duplicatesAcrossBatches: output.duplicatesAcrossBatches + late.length,
      checkedAgainst: [...output.checkedAgainst, ...since],
    };
  } finally {
    db.close();
  }
}

/**
 * The accepted events' counts again, from the batch's events files without the late duplicates: by type,
 * by evolution, by product (the lines a product lost moved to its duplicates).
 */
async function recountAccepted(db: Db, output: BatchOutput, rewritten: string): Promise<Pick<BatchOutput, 'eventTypes' | 'products' | 'evolved' | 'byProduct'>> {
  const events = output.files.filter((f) => f.startsWith('events/')).map((f) => path.join(rewritten, f));
  const counted = events.length
    ? await db.rows<{ product: string; etype: string; typed: boolean; n: bigint }>(
        `SELECT product_id AS product, event_type AS etype, typed, count(*) AS n FROM read_parquet(${fileList(events)}) GROUP BY ALL ORDER BY ALL`,
      )
    : [];
  const eventTypes: Record<string, number> = {};
  const byProduct: BatchOutput['byProduct'] = structuredClone(output.byProduct);
  const acceptedNow: Record<string, number> = {};
  let evolved = 0;
  for (const c of counted) {
    const n = Number(c.n);
    eventTypes[c.etype] = (eventTypes[c.etype] ?? 0) + n;
    acceptedNow[c.product] = (acceptedNow[c.product] ?? 0) + n;
    if (!c.typed) evolved += n;
  }
  for (const [product, counts] of Object.entries(byProduct)) {
    const now = acceptedNow[product] ?? 0;
    counts.duplicates += counts.accepted - now;
    counts.accepted = now;
  }
  return { eventTypes, evolved, byProduct, products: Object.keys(acceptedNow).sort() };
}

interface LateLine {
  line: bigint;
  event_id: string;
  first_batch: string;
}

/** Writes each of the batch's table files again without the late duplicates (in table `late`); rows per table. */
async function rewriteWithoutLate(db: Db, files: readonly string[], out: string, rewritten: string): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  for (const rel of files) {
    const from = path.join(out, rel);
    const to = path.join(rewritten, rel);
    mkdirSync(path.dirname(to), { recursive: true });
    if (rel.startsWith(`${QUARANTINE_DIR}/`)) continue;
    // A replay's record of its sources stands: a late duplicate's event is in the lake (recovered) all the same.
    if (rel.startsWith(`${RECOVERED_DIR}/`)) {
      copyFileSync(from, to);
      continue;
    }
    const [r] = await db.rows<{ Count: bigint }>(
      `COPY (SELECT * FROM read_parquet(${sqlLiteral(from)}) t WHERE t.line NOT IN (SELECT line FROM late)) TO ${sqlLiteral(to)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    const table = rel.split('/')[0]!;
    if (table !== EVENT_ID_DIR) rows[table] = (rows[table] ?? 0) + Number(r!.Count);
  }
  return rows;
}

/** The batch's quarantine file again, with the late duplicates added (their raw lines, secrets masked). */
async function quarantineLate(db: Db, input: CommitInput, late: LateLine[], out: string, rewritten: string, registry: ContractRegistry): Promise<void> {
  const text = await fetchLines(input.file, new Set(late.map((l) => Number(l.line))));
  const q = path.join(QUARANTINE_DIR, `${input.batchId}.parquet`);
  await db.run(`CREATE TABLE q AS SELECT * FROM read_parquet(${sqlLiteral(path.join(out, q))})`);
  const qa = await db.conn.createAppender('q');
  for (const l of late) {
    const t = text.get(Number(l.line));
    qa.appendVarchar(input.batchId);
    qa.appendBigInt(l.line);
    qa.appendVarchar('duplicate');
    qa.appendVarchar(`duplicate_event_id:batch ${l.first_batch}`);
    qa.appendVarchar(l.event_id);
    if (t) qa.appendVarchar(maskSecrets(t.text, registry.secretKeys));
    else qa.appendNull();
    qa.appendBigInt(BigInt(t?.bytes ?? 0));
    qa.endRow();
  }
  qa.closeSync();
  await db.run(`COPY (SELECT * FROM q ORDER BY line) TO ${sqlLiteral(path.join(rewritten, q))} (FORMAT parquet, COMPRESSION zstd)`);
}
