import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { ContractRegistry } from '../transforms/contract/model.ts';
import { QUARANTINE_RAW_LIMIT } from '../transforms/tables.ts';
import { validateLine } from '../transforms/validate.ts';
import { lakeSnapshot, tableFiles } from './catalog.ts';
import { fileList, openDb, textList } from './duckdb.ts';
import { QUARANTINE_DIR, RECOVERED_DIR } from './layout.ts';

/**
 * Planning a replay of quarantined lines (`gamelake quarantine replay`): which rejected lines match the
 * selection and are not recovered yet, and which of them the contracts the worker has now accept. When
 * some are, the replay batch: every selected line kept whole (raw text as kept), and the [batch, line]
 * each was; ingested, the accepted ones land and the rest are quarantined again with today's reasons.
 */

export interface ReplaySelection {
  /** Only these batches' lines (default: every batch's). */
  batches?: string[];
  /** Only lines whose reason starts with one of these (default: every reason). */
  reasons?: string[];
  /** Only batches committed at or after this instant (ISO 8601). */
  since?: string;
}

export interface ReplayPlanOptions {
  lakeDir: string;
  registry: ContractRegistry;
  selection: ReplaySelection;
  /** Where the replay batch file and its sources go; absent: a dry run (nothing written). */
  outDir?: string;
  maxLineBytes?: number;
  maxClockSkewMs?: number;
  now?: () => number;
  onProgress?: (progress: { lines: number }) => void;
}

export interface ReplayReasonCounts {
  /** Lines quarantined for it that matched and were not recovered before. */
  selected: number;
  /** Accepted by the contracts now. */
  recoverable: number;
  /** Not kept whole (longer than 64 KiB: only its head is kept; or not UTF-8): cannot be recovered. */
  cut: number;
  /** Still refused, by the reason they would get now. */
  stillFailing: Record<string, number>;
}

export interface ReplayPlan {
  byReason: Record<string, ReplayReasonCounts>;
  selected: number;
  recoverable: number;
  cut: number;
  /** The replay batch (absent on a dry run or when nothing is recoverable): the file, its sha256, and its sources file and that file's sha256. */
  batch?: { file: string; sha256: string; sources: string; sourcesSha256: string };
}

const PAGE = 5000;

export async function planReplay(options: ReplayPlanOptions): Promise<ReplayPlan> {
  const snapshot = lakeSnapshot(options.lakeDir);
  const quarantine = tableFiles(snapshot, options.lakeDir, QUARANTINE_DIR);
  const recovered = tableFiles(snapshot, options.lakeDir, RECOVERED_DIR);
  const plan: ReplayPlan = { byReason: {}, selected: 0, recoverable: 0, cut: 0 };
  const since = options.selection.since === undefined ? undefined : Date.parse(options.selection.since);
  const wanted = new Set(options.selection.batches ?? []);
  const batches = [...snapshot.batches.values()]
    .filter((m) => (wanted.size === 0 || wanted.has(m.batchId)) && (since === undefined || Date.parse(m.committedAt) >= since))
    .map((m) => m.batchId);
  if (quarantine.length === 0 || batches.length === 0) return plan;
  const scopes = new Map([...snapshot.batches.values()].filter((m) => m.scope).map((m) => [m.batchId, new Set(m.scope)]));
  const latestMs = (options.now ?? Date.now)() + (options.maxClockSkewMs ?? 5 * 60_000);

  const tmp = options.outDir ? path.join(options.outDir, `.replay-${process.pid}-${Date.now()}.ndjson`) : undefined;
  if (options.outDir) mkdirSync(options.outDir, { recursive: true });
  const fd = tmp ? openSync(tmp, 'w') : undefined;
  const hash = createHash('sha256');
  const sources: Array<[string, number]> = [];
  const db = await openDb({ threads: 2, memoryLimit: '512MB' });
  try {
    const params = { batches: textList(batches), reasons: textList(options.selection.reasons ?? []) };
    const recoveredJoin = recovered.length ? `ANTI JOIN read_parquet(${fileList(recovered)}) r ON r.source_batch_id = q.batch_id AND r.source_line = q.line` : '';
    await db.run(
      `CREATE TEMP TABLE selected AS SELECT q.batch_id, q.line, q.reason, q.raw, q.raw_bytes
       FROM read_parquet(${fileList(quarantine)}) q ${recoveredJoin}
       WHERE q.kind = 'rejected' AND list_contains($batches, q.batch_id)
         AND (len($reasons) = 0 OR EXISTS (SELECT 1 FROM unnest($reasons) AS p(prefix) WHERE starts_with(q.reason, p.prefix)))`,
      { batches: params.batches.value, reasons: params.reasons.value },
      { batches: params.batches.type, reasons: params.reasons.type },
    );
    let after: { batch: string; line: bigint } = { batch: '', line: -1n };
    for (;;) {
      const rows = await db.rows<{ batch_id: string; line: bigint; reason: string; raw: string | null; raw_bytes: bigint; whole: boolean }>(
        `SELECT batch_id, line, reason, raw, raw_bytes, (raw IS NOT NULL AND raw_bytes <= ${QUARANTINE_RAW_LIMIT} AND reason <> 'invalid_utf8') AS whole FROM selected
         WHERE batch_id > $b OR (batch_id = $b AND line > $l) ORDER BY batch_id, line LIMIT ${PAGE}`,
        { b: after.batch, l: after.line },
      );
      if (rows.length === 0) break;
      for (const r of rows) {
        const counts = (plan.byReason[r.reason] ??= { selected: 0, recoverable: 0, cut: 0, stillFailing: {} });
        counts.selected += 1;
        plan.selected += 1;
        if (!r.whole || r.raw === null) {
          counts.cut += 1;
          plan.cut += 1;
          continue;
        }
        const products = scopes.get(r.batch_id);
        const result = validateLine(r.raw, options.registry, { maxLineBytes: options.maxLineBytes, latestMs, ...(products ? { products } : {}) });
        if (result.ok) {
          counts.recoverable += 1;
          plan.recoverable += 1;
        } else {
          counts.stillFailing[result.reason] = (counts.stillFailing[result.reason] ?? 0) + 1;
        }
        // Lines still refused go into the replay batch too: its quarantine then holds them with the reason
        // the contracts give now (the batch is made only when something is recoverable).
        sources.push([r.batch_id, Number(r.line)]);
        if (fd !== undefined) {
          const bytes = Buffer.from(`${r.raw}\n`);
          writeSync(fd, bytes);
          hash.update(bytes);
        }
      }
      const last = rows.at(-1)!;
      after = { batch: last.batch_id, line: last.line };
      options.onProgress?.({ lines: plan.selected });
    }
  } finally {
    db.close();
    if (fd !== undefined) closeSync(fd);
  }
  if (!tmp || !options.outDir) return plan;
  if (plan.recoverable === 0) {
    rmSync(tmp, { force: true });
    return plan;
  }
  const sha256 = hash.digest('hex');
  const sourcesText = JSON.stringify(sources);
  const sourcesSha256 = createHash('sha256').update(sourcesText).digest('hex');
  const file = path.join(options.outDir, `replay-${sha256.slice(0, 16)}-${sourcesSha256.slice(0, 16)}.ndjson`);
  const sourcesFile = `${file.slice(0, -'.ndjson'.length)}.sources.json`;
  writeFileSync(`${sourcesFile}.tmp`, sourcesText);
  renameSync(`${sourcesFile}.tmp`, sourcesFile);
  renameSync(tmp, file);
  return { ...plan, batch: { file, sha256, sources: sourcesFile, sourcesSha256 } };
}
