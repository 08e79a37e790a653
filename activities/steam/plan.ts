/**
 * Planning for the Steam mirror, from the lake itself: what is complete, what is a stub, what is stale,
 * and the fewest calls that fill it. Read-only: Parquet files are read where they lie.
 */
import { openDb, type Db } from '../../lake/duckdb.ts';
import { createSteamState, loadSteamLake, writeSteamRows } from '../../lake/index.ts';

export const STEAM_ENTITIES = ['match', 'player', 'hero', 'item', 'league', 'team'] as const;
export type SteamEntity = (typeof STEAM_ENTITIES)[number];

export interface EntityCount {
  entity: SteamEntity;
  total: number;
  complete: number;
  stubs: number;
  unavailable: number;
  stale: number;
}

export interface SweepWork {
  /** Sequence-feed requests that cover missing matches without re-fetching mirrored ones. */
  matchRuns: Array<{ startSeq: number; count: number }>;
  /** Missing matches with no known match_seq_num (GetMatchDetails). */
  matchIds: number[];
  /** GetPlayerSummaries batches (up to 100 ids each): stubs and stale players. */
  playerBatches: number[][];
  heroes: boolean;
  items: boolean;
  leagues: boolean;
  teams: number[];
}

export interface SweepPlan {
  counts: EntityCount[];
  work: SweepWork;
  calls: number;
}

/** An in-memory DuckDB with the Steam lake as views and the mirror's state (lake/steam/read.ts). */
export async function openSteamState(lakeDir: string): Promise<Db> {
  const db = await openDb({ threads: 2 });
  await loadSteamLake(db, lakeDir);
  await createSteamState(db);
  return db;
}

/** Splits sorted missing seqs into runs that contain no mirrored seq and span at most 100 seqs. */
export function matchRuns(missing: readonly number[], mirrored: readonly number[]): Array<{ startSeq: number; count: number }> {
  const runs: Array<{ startSeq: number; count: number }> = [];
  let j = 0;
  let start: number | undefined;
  let last = 0;
  for (const seq of missing) {
    while (j < mirrored.length && mirrored[j]! < seq) j++;
    const blocked = start !== undefined && j > 0 && mirrored[j - 1]! > start;
    if (start === undefined || blocked || seq - start >= 100) {
      if (start !== undefined) runs.push({ startSeq: start, count: last - start + 1 });
      start = seq;
    }
    last = seq;
  }
  if (start !== undefined) runs.push({ startSeq: start, count: last - start + 1 });
  return runs;
}

export function callsOf(work: SweepWork): number {
  return work.matchRuns.length + work.matchIds.length + work.playerBatches.length + Number(work.heroes) + Number(work.items) + Number(work.leagues) + work.teams.length;
}

export async function planSweep(lakeDir: string, options: { staleAfterHours?: number; refreshStale?: boolean; maxCalls?: number; now?: number } = {}): Promise<SweepPlan> {
  const db = await openSteamState(lakeDir);
  try {
    const staleBefore = (options.now ?? Date.now()) - (options.staleAfterHours ?? 24 * 7) * 3_600_000;
    // Read the lake once: both questions below are about the same entity list.
    await db.run('CREATE TEMP TABLE entities AS SELECT * FROM steam_entities');
    const rows = await db.rows<{ entity: SteamEntity; state: string; stale: boolean; n: bigint }>(
      `SELECT entity, state, coalesce(entity = 'player' AND state = 'complete' AND fetched_at < $stale_before, false) AS stale, count(*) AS n
       FROM entities GROUP BY ALL`,
      { stale_before: staleBefore },
    );
    const counts: EntityCount[] = STEAM_ENTITIES.map((entity) => {
      const of = (f: (r: (typeof rows)[number]) => boolean) => rows.filter((r) => r.entity === entity && f(r)).reduce((s, r) => s + Number(r.n), 0);
      return {
        entity,
        total: of(() => true),
        complete: of((r) => r.state === 'complete'),
        stubs: of((r) => r.state === 'stub'),
        unavailable: of((r) => r.state === 'unavailable'),
        stale: of((r) => r.stale),
      };
    });
    const todo = await db.rows<{ entity: SteamEntity; entity_id: bigint; seq: bigint | null }>(
      `SELECT entity, entity_id, seq FROM entities
       WHERE state = 'stub' OR ($refresh_stale AND entity = 'player' AND state = 'complete' AND fetched_at < $stale_before)
       ORDER BY entity, seq NULLS LAST, entity_id`,
      { stale_before: staleBefore, refresh_stale: options.refreshStale ?? true },
    );
    const ids = (entity: SteamEntity) => todo.filter((t) => t.entity === entity).map((t) => Number(t.entity_id));
    const missingSeqs = todo.filter((t) => t.entity === 'match' && t.seq !== null).map((t) => Number(t.seq));
    let mirrored: number[] = [];
    if (missingSeqs.length > 0) {
      mirrored = (
        await db.rows<{ seq: bigint }>('SELECT match_seq_num AS seq FROM steam_matches WHERE match_seq_num BETWEEN $lo AND $hi ORDER BY 1', {
          lo: missingSeqs[0]!,
          hi: missingSeqs.at(-1)!,
        })
      ).map((r) => Number(r.seq));
    }
    const players = ids('player');
    const work: SweepWork = {
      matchRuns: matchRuns(missingSeqs, mirrored),
      matchIds: todo.filter((t) => t.entity === 'match' && t.seq === null).map((t) => Number(t.entity_id)),
      playerBatches: Array.from({ length: Math.ceil(players.length / 100) }, (_, i) => players.slice(i * 100, i * 100 + 100)),
      heroes: ids('hero').length > 0,
      items: ids('item').length > 0,
      leagues: ids('league').length > 0,
      teams: ids('team'),
    };
    // A bounded amount of work per round keeps workflow inputs small; the sweep plans again after each round.
    const max = options.maxCalls ?? 500;
    if (callsOf(work) > max) {
      work.matchRuns = work.matchRuns.slice(0, max);
      work.matchIds = work.matchIds.slice(0, Math.max(0, max - work.matchRuns.length));
      work.playerBatches = work.playerBatches.slice(0, 50);
      work.teams = work.teams.slice(0, 100);
    }
    return { counts, work, calls: callsOf(work) };
  } finally {
    db.close();
  }
}

/** Where a scan without --from-seq resumes: after the highest match_seq_num the scan itself read, or null. */
export async function scanResumePoint(lakeDir: string): Promise<number | null> {
  const db = await openSteamState(lakeDir);
  try {
    const [row] = await db.rows<{ seq: bigint | null }>('SELECT max(match_seq_num) AS seq FROM steam_matches WHERE source = $source', { source: 'scan' });
    return row?.seq === null || row?.seq === undefined ? null : Number(row.seq) + 1;
  } finally {
    db.close();
  }
}

/** The newest match of a player's history the mirror has seen (paging stops there), or null. */
export async function newestKnownMatch(lakeDir: string, accountId: number): Promise<number | null> {
  const db = await openSteamState(lakeDir);
  try {
    const [row] = await db.rows<{ id: bigint | null }>('SELECT max(match_id) AS id FROM steam_match_refs WHERE account_id = $account_id', { account_id: accountId });
    return row?.id === null || row?.id === undefined ? null : Number(row.id);
  } finally {
    db.close();
  }
}

export interface SweepRecord {
  sweepId: string;
  startedAt: number;
  before: EntityCount[];
  after: EntityCount[];
  calls: number;
}

/** One row per entity type in lake/steam/sweeps: how complete it was before and after this sweep. */
export async function recordSweep(lakeDir: string, record: SweepRecord, now = Date.now()): Promise<void> {
  await writeSteamRows(lakeDir, `sweep_${record.sweepId}`, {
    sweeps: record.before.map((b) => {
      const a = record.after.find((x) => x.entity === b.entity) ?? b;
      return {
        sweep_id: record.sweepId,
        entity: b.entity,
        total_before: b.total,
        complete_before: b.complete,
        stubs_before: b.stubs,
        total_after: a.total,
        complete_after: a.complete,
        stubs_after: a.stubs,
        api_calls: record.calls,
        started_at: record.startedAt,
        fetched_at: now,
      };
    }),
  });
}
