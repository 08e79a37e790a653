import { rmSync } from 'node:fs';
import path from 'node:path';
import { heartbeating, say, workflowRun } from './context.ts';
import type { DataLayout } from '../lake/layout.ts';
import type { ContractRegistry } from '../transforms/contract/model.ts';
import {
  applyRetention,
  commitBatch,
  compactLake,
  eraseFromLake,
  eraseSteamPlayer,
  recordErasure,
  planReplay,
  readManifest,
  removePending,
  stageBatch,
  stageDir,
  withLakeLock,
  type CommitInput,
  type ReplaySelection,
  type StageInput,
} from '../lake/index.ts';
import { prepareDataDir } from './data-dir.ts';
import type { BatchManifest, SteamEraseReport } from '../lake/index.ts';
import { locateMatch, newestKnownMatch, planSweep, playerSnapshots, readScanState, recordSweep, revokedKeys, scanResumePoint, type SweepRecord } from './steam/index.ts';
import { batchIdOf, scanInbox, settleInboxFile } from './ingest/index.ts';
import { eraseFromSources } from './forget.ts';
import { STEAM_PRODUCT } from '../transforms/steam/ids.ts';

export type { DataDirSummary } from './data-dir.ts';
export { activityReporter } from './context.ts';
export type { BatchManifest, StageResult, CompactReport, VacuumReport, RetentionReport, ReplaySelection, ReplayReasonCounts, EraseReport } from '../lake/index.ts';
export type { InboxFile } from './ingest/index.ts';
export type { PlayerSnapshot, MatchLocation, ScanState } from './steam/index.ts';
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
  /** How many Steam keys the workers call with (one task queue each); default 1. */
  steamKeyCount?: number;
  /** Calls per second each key may make (STEAM_RATE_PER_SEC; 0: no limit); workflows size their concurrency by it. */
  steamRatePerSec?: number;
  /** Told of each batch this worker committed (its manifest): the worker's metrics. */
  onCommitted?: (manifest: BatchManifest) => void;
  /** Told of each batch that failed for good (its workflow cleans up after it). */
  onFailed?: (batchId: string) => void;
  /** Deletes a Dota 2 player's tracking Schedule (an erasure); absent: no-op. */
  untrackSteamPlayer?: (accountId: number) => Promise<void>;
}

/** Batches: the data directory, staging and committing a batch, cleaning up after one, the inbox. */
export function createIngestActivities(deps: ActivityDeps) {
  const workDir = path.join(deps.layout.root, 'work');
  return {
    async prepareDataDir() {
      return prepareDataDir(deps.layout);
    },
    /** The manifest of a committed batch, or null. */
    async lookupBatch(batchId: string) {
      return readManifest(deps.layout.lake, batchId) ?? null;
    },
    /**
     * Heartbeats every second with its latest progress, not only when progress is made: one DuckDB step of a
     * large batch on a busy machine can outlast the heartbeat timeout, and a live attempt must not be taken
     * for a lost worker (its retry would race it for the same staging folder).
     */
    async stageBatch(input: StageInput) {
      const result = await heartbeating((progress) =>
        stageBatch(input, {
          workDir,
          lakeDir: deps.layout.lake,
          registry: deps.registry,
          maxLineBytes: deps.maxLineBytes,
          maxClockSkewMs: deps.maxClockSkewMs,
          memoryLimit: deps.stageMemoryLimit,
          onProgress: (p) => progress({ step: p.step ?? 'stage', lines: p.lines, bytes: p.bytes }),
        }),
      );
      // The workflow needs the counts, not the file list (that goes to the manifest).
      const { output, ...counts } = result;
      return { ...counts, files: output.files.length };
    },
    async commitBatch(input: CommitInput) {
      const m = await heartbeating((progress) =>
        commitBatch(
          { ...input, committedBy: input.committedBy ?? workflowRun() },
          { lakeDir: deps.layout.lake, workDir, registry: deps.registry, onProgress: (step) => progress({ step }) },
        ),
      );
      if (!m.alreadyCommitted) {
        say('committed batch', { batch: m.batchId, file: m.file, lines: m.linesIn, accepted: m.accepted, quarantined: m.quarantined, duplicates: m.duplicates });
        deps.onCommitted?.(m);
      }
      return m;
    },
    /** Removes a batch's staging folder, and takes back the files of a commit that did not finish (none when committed). */
    async cleanupBatch(batchId: string, outcome: { failed?: boolean } = {}) {
      rmSync(stageDir(workDir, batchId), { recursive: true, force: true });
      await withLakeLock(deps.layout.lake, async () => removePending(deps.layout.lake, batchId));
      if (outcome.failed) deps.onFailed?.(batchId);
    },
    /** After a batch commits: the warehouse should follow (coalesced by the marts-build workflow). */
    async requestMartsBuild() {
      await deps.requestMartsBuild?.();
    },
    async scanInbox() {
      return scanInbox(deps.layout.inbox);
    },
    async settleInboxFile(file: string, outcome: 'done' | 'failed', reason?: string) {
      return settleInboxFile(deps.layout.inbox, file, outcome, reason);
    },
  };
}

/** Quarantine: planning a replay of quarantined lines under the contracts the worker has now. */
export function createQuarantineActivities(deps: Pick<ActivityDeps, 'layout' | 'registry' | 'maxLineBytes' | 'maxClockSkewMs'>) {
  const replayDir = path.join(deps.layout.root, 'replay');
  return {
    /**
     * Which quarantined lines match and are not recovered yet, which of them pass now, by reason; unless a
     * dry run, the replay batch of those that pass (data/replay/): its file, and the lines each one was.
     */
    async planReplay(input: { selection: ReplaySelection; dryRun?: boolean }) {
      const plan = await heartbeating((progress) =>
        planReplay({
          lakeDir: deps.layout.lake,
          registry: deps.registry,
          selection: input.selection,
          ...(input.dryRun ? {} : { outDir: replayDir }),
          maxLineBytes: deps.maxLineBytes,
          maxClockSkewMs: deps.maxClockSkewMs,
          onProgress: progress,
        }),
      );
      const { batch, ...counts } = plan;
      return {
        ...counts,
        ...(batch ? { batch: { file: batch.file, sha256: batch.sha256, batchId: batchIdOf(batch.sha256, undefined, batch.sourcesSha256), recovers: batch.sources } } : {}),
      };
    },
    /** Removes a replay batch's files once it is committed (the lake holds its lines; nothing else needs them). */
    async removeReplayFiles(input: { file: string; recovers: string }) {
      for (const f of [input.file, input.recovers]) if (path.dirname(f) === replayDir) rmSync(f, { force: true });
    },
  };
}

/** Erasure of a player (`gamelake forget`): the copies outside the lake, then the lake. */
export function createErasureActivities(deps: Pick<ActivityDeps, 'layout' | 'registry' | 'untrackSteamPlayer'>) {
  return {
    /**
     * A Dota 2 player (a Steam account) out of the Steam mirror: profile, history and facts removed, match
     * slots anonymized, raw responses scrubbed, their tracking Schedule deleted; recorded in the erasure log
     * when anything was there.
     */
    async eraseSteamPlayer(input: { accountId: number }): Promise<SteamEraseReport & { record?: string }> {
      const r = await heartbeating(() => eraseSteamPlayer(deps.layout.lake, input.accountId));
      await deps.untrackSteamPlayer?.(input.accountId);
      const removed = { ...Object.fromEntries(Object.entries(r.rows).map(([t, n]) => [`steam_${t}`, n])), ...(r.raw ? { 'source:steam_raw': r.raw } : {}) };
      if (Object.keys(removed).length === 0 && r.renamed === 0) return { ...r };
      const record = await recordErasure(deps.layout.lake, { product: STEAM_PRODUCT, player: String(input.accountId), removed });
      say('erased a Dota 2 player', { record });
      return { ...r, record };
    },
    /** Lines holding the id removed from the inbox's done/ and failed/ files, the spools and replay batches. */
    async eraseSources(input: { player: string }) {
      return eraseFromSources(
        { inboxDone: deps.layout.inboxDone, inboxFailed: deps.layout.inboxFailed, spool: deps.layout.spool, replay: path.join(deps.layout.root, 'replay') },
        input.player,
      );
    },
    /** The player's events out of every lake table and their lines out of the quarantine: one catalog commit, the erasure log's entry. */
    async eraseFromLake(input: { product: string; player: string; sources: Record<string, number> }) {
      const r = await heartbeating((progress) => eraseFromLake({ lakeDir: deps.layout.lake, registry: deps.registry, ...input, onProgress: progress }));
      if (r.record) say('erased a player', { product: input.product, events: r.events, record: r.record });
      return r;
    },
  };
}

/** The lake's upkeep: merging small files, dropping what is past its contract's retention. */
export function createCompactionActivities(deps: Pick<ActivityDeps, 'layout' | 'registry'>) {
  return {
    /** Merges the lake's small files (heartbeats each group: a killed worker's compaction resumes elsewhere). */
    async compactLake(input: { targetBytes?: number } = {}) {
      return heartbeating((progress) => compactLake({ lakeDir: deps.layout.lake, targetBytes: input.targetBytes, onProgress: progress }));
    },
    /** Drops the month partitions past the contracts' retention as of `asOf` (ISO), under the worker's contracts. */
    async applyRetention(input: { asOf: string; dryRun?: boolean }) {
      const asOfMs = Date.parse(input.asOf);
      return heartbeating((progress) => applyRetention({ lakeDir: deps.layout.lake, registry: deps.registry, asOfMs, dryRun: input.dryRun, onProgress: progress }));
    },
  };
}

/**
 * The Steam mirror's bookkeeping (what workflows read from the lake to decide which calls to make); the
 * calls themselves are `createSteamFetchActivities`, one worker per key.
 */
export function createSteamBookkeepingActivities(deps: Pick<ActivityDeps, 'layout' | 'requestSteamSweep' | 'steamKeyCount' | 'steamRatePerSec'>) {
  return {
    /** What the Steam mirror lacks, per entity type, and the calls that fill it. */
    async steamPlanSweep(input: { staleAfterHours?: number; refreshStale?: boolean; maxCalls?: number }) {
      return planSweep(deps.layout.lake, input);
    },
    async steamRecordSweep(record: SweepRecord) {
      await recordSweep(deps.layout.lake, record);
    },
    /** The Steam keys workflows may dispatch calls to: how many, and which were refused (by position). */
    async steamKeyState() {
      return { count: deps.steamKeyCount ?? 1, revoked: revokedKeys(deps.layout.lake), ratePerSec: deps.steamRatePerSec ?? 1 };
    },
    /** Where the first scan and the rescan stand (lake/steam/_scans). */
    async steamScanPositions() {
      return { scan: readScanState(deps.layout.lake, 'scan') ?? null, rescan: readScanState(deps.layout.lake, 'rescan') ?? null };
    },
    /** Where a match stands in the mirror (for `steam match`). */
    async steamLocateMatch(matchId: number) {
      return locateMatch(deps.layout.lake, matchId);
    },
    /** What the mirror knows of some players (for `steam refresh`: what changed). */
    async steamPlayerSnapshots(accountIds: number[]) {
      return playerSnapshots(deps.layout.lake, accountIds);
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
  };
}

/** The main queue's activities, one factory per concern, around their dependencies (tests inject their own). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createIngestActivities(deps),
    ...createQuarantineActivities(deps),
    ...createErasureActivities(deps),
    ...createCompactionActivities(deps),
    ...createSteamBookkeepingActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
