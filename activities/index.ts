import { rmSync } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { DataLayout } from '../platform/env.ts';
import type { ContractRegistry } from '../transforms/contract/model.ts';
import { commitBatch, compactLake, readManifest, removePending, stageBatch, stageDir, vacuumLake, withLakeLock, type CommitInput, type StageInput } from '../lake/index.ts';
import { buildWarehouse, referencedLakeFiles } from '../warehouse/build.ts';
import { prepareDataDir } from './data-dir.ts';
import { newestKnownMatch, planSweep, recordSweep, scanResumePoint, type SweepRecord } from './steam/index.ts';
import { scanInbox, settleInboxFile } from './ingest/index.ts';

export type { DataDirSummary } from './data-dir.ts';
export type { BatchManifest, StageResult, CompactReport, VacuumReport } from '../lake/index.ts';
export type { InboxFile } from './ingest/index.ts';
export type { BuildReport } from '../warehouse/build.ts';
export type { SteamFetchActivities, EntityCount, SweepWork, SweepPlan, SweepRecord } from './steam/index.ts';

/** What activities need from the worker: paths and settings, never secrets passed through workflows. */
export interface ActivityDeps {
  layout: DataLayout;
  /** The game contracts (contracts/*.yaml), read once when the worker starts. */
  registry: ContractRegistry;
  /** DuckDB's memory limit for staging a batch (default 512MB). */
  stageMemoryLimit?: string;
  /** Longest accepted event line in bytes (default 1 MiB). */
  maxLineBytes?: number;
  /** How far in the future occurred_at may be (default 5 minutes). */
  maxClockSkewMs?: number;
  /** Asks for a warehouse build (signal-with-start of the marts-build workflow); absent: no-op. */
  requestMartsBuild?: () => Promise<void>;
  /** Asks for a Steam convergence sweep (signal-with-start of the steam-sweep workflow); absent: no-op. */
  requestSteamSweep?: () => Promise<void>;
  /** Files a compaction replaced are removed this long after, once the warehouse no longer reads them (default 5 minutes). */
  vacuumMinAgeMs?: number;
}

/** Heartbeats when running inside an activity; a no-op when called directly (unit tests). */
function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not in an activity context
  }
}

/** One line in the worker's log (platform/logger.ts keeps lines marked gamelake); a no-op outside an activity. */
function say(message: string, fields: Record<string, unknown>): void {
  try {
    Context.current().log.info(message, { gamelake: true, ...fields });
  } catch {
    // not in an activity context
  }
}

/**
 * Runs `work` heartbeating every second with its latest progress, so a short heartbeat timeout tells a dead
 * worker from a long step (one merge of 128 MiB) quickly.
 */
async function heartbeating<T>(work: (progress: (details: unknown) => void) => Promise<T>): Promise<T> {
  let last: unknown = { step: 'starting' };
  heartbeat(last);
  const timer = setInterval(() => heartbeat(last), 1000);
  try {
    return await work((details) => {
      last = details;
      heartbeat(details);
    });
  } finally {
    clearInterval(timer);
  }
}

/** Builds the worker's activities around their dependencies (tests inject their own). */
export function createActivities(deps: ActivityDeps) {
  const workDir = path.join(deps.layout.root, 'work');
  const vacuum = async () =>
    vacuumLake(deps.layout.lake, { referenced: await referencedLakeFiles(deps.layout.warehouse, deps.layout.lake), minAgeMs: deps.vacuumMinAgeMs });
  return {
    async prepareDataDir() {
      return prepareDataDir(deps.layout);
    },
    /** The manifest of a committed batch, or null. */
    async lookupBatch(batchId: string) {
      return readManifest(deps.layout.lake, batchId) ?? null;
    },
    async stageBatch(input: StageInput) {
      const result = await stageBatch(input, {
        workDir,
        lakeDir: deps.layout.lake,
        registry: deps.registry,
        maxLineBytes: deps.maxLineBytes,
        maxClockSkewMs: deps.maxClockSkewMs,
        memoryLimit: deps.stageMemoryLimit,
        onProgress: (p) => heartbeat({ step: p.step ?? 'stage', lines: p.lines, bytes: p.bytes }),
      });
      // The workflow needs the counts, not the file list (that goes to the manifest).
      const { output, ...counts } = result;
      return { ...counts, files: output.files.length };
    },
    async commitBatch(input: CommitInput) {
      const m = await commitBatch(input, { lakeDir: deps.layout.lake, workDir, registry: deps.registry, onProgress: (step) => heartbeat({ step }) });
      if (!m.alreadyCommitted) say('committed batch', { batch: m.batchId, file: m.file, lines: m.linesIn, accepted: m.accepted, quarantined: m.quarantined, duplicates: m.duplicates });
      return m;
    },
    /** Removes a batch's staging folder, and takes back the files of a commit that did not finish (none when committed). */
    async cleanupBatch(batchId: string) {
      rmSync(stageDir(workDir, batchId), { recursive: true, force: true });
      await withLakeLock(deps.layout.lake, async () => removePending(deps.layout.lake, batchId));
    },
    /** Brings warehouse.duckdb up to date with the lake (atomically replaced), then removes replaced lake files nothing reads. */
    async buildWarehouse(request: { full?: boolean } = {}) {
      const report = await buildWarehouse({ lakeDir: deps.layout.lake, warehousePath: deps.layout.warehouse, registry: deps.registry, full: request.full, onProgress: (step) => heartbeat({ step }) });
      const removed = await vacuum();
      say('built the warehouse', { kind: report.kind, new_batches: report.newBatches, batches: report.batches, checks: report.checks, seconds: (report.ms / 1000).toFixed(1), ...(removed.removed.length ? { lake_files_removed: removed.removed.length } : {}) });
      return report;
    },
    /** Merges the lake's small files (heartbeats each group: a killed worker's compaction resumes elsewhere). */
    async compactLake(input: { targetBytes?: number } = {}) {
      return heartbeating((progress) => compactLake({ lakeDir: deps.layout.lake, targetBytes: input.targetBytes, onProgress: progress }));
    },
    /** Removes lake files a compaction replaced that the current warehouse no longer reads. */
    async vacuumLake() {
      return vacuum();
    },
    /** After a batch commits: the warehouse should follow (coalesced by the marts-build workflow). */
    async requestMartsBuild() {
      await deps.requestMartsBuild?.();
    },
    /** What the Steam mirror lacks, per entity type, and the calls that fill it. */
    async steamPlanSweep(input: { staleAfterHours?: number; refreshStale?: boolean; maxCalls?: number }) {
      return planSweep(deps.layout.lake, input);
    },
    async steamRecordSweep(record: SweepRecord) {
      await recordSweep(deps.layout.lake, record);
    },
    async steamScanResumePoint() {
      return scanResumePoint(deps.layout.lake);
    },
    async steamNewestKnownMatch(accountId: number) {
      return newestKnownMatch(deps.layout.lake, accountId);
    },
    async requestSteamSweep() {
      await deps.requestSteamSweep?.();
    },
    async scanInbox() {
      return scanInbox(deps.layout.inbox);
    },
    async settleInboxFile(file: string, outcome: 'done' | 'failed', reason?: string) {
      return settleInboxFile(deps.layout.inbox, file, outcome, reason);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
