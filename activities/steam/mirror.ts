/**
 * What the mirror knows, for the OpenDota-style features: the scans' positions (lake/steam/_scans/<scan>.json,
 * rewritten after each page), which matches of a range of the feed are mirrored (the rescan keeps only the
 * others), where a match stands (mirrored, a known sequence number, or the mirrored matches around it),
 * and a player's references and summary (what a refresh changed).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { steamDir } from '../../lake/index.ts';
import type { SteamRows } from '../../transforms/steam/tables.ts';
import { openSteamState } from './plan.ts';

export const SCANS = ['scan', 'rescan'] as const;
export type ScanName = (typeof SCANS)[number];

export interface ScanState {
  scan: ScanName;
  /** The next match_seq_num the scan reads. */
  position: number;
  /** The highest match_seq_num any scan has seen: the feed's head as far as the mirror knows. */
  head: number;
  /** start_time of the newest match this scan read (seconds). */
  newestStartTime: number | null;
  pages: number;
  matches: number;
  /** Matches the rescan mirrored that the first scan did not have. */
  recovered: number;
  /** When the scan read its last page (ms). */
  at: number;
}

const scansDir = (lakeDir: string) => path.join(steamDir(lakeDir), '_scans');

export function readScanState(lakeDir: string, scan: ScanName): ScanState | undefined {
  const f = path.join(scansDir(lakeDir), `${scan}.json`);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as ScanState) : undefined;
}

export function readScanStates(lakeDir: string): ScanState[] {
  const dir = scansDir(lakeDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as ScanState);
}

/** Records a page a scan read (atomically: the file is read by the warehouse and `steam scan --status`). */
export function recordScanPage(
  lakeDir: string,
  scan: ScanName,
  page: { startSeq: number; lastSeq: number | null; matches: number; newestStartTime: number | null; recovered: number },
  now = Date.now(),
): ScanState {
  const before = readScanState(lakeDir, scan);
  const head = Math.max(before?.head ?? 0, ...readScanStates(lakeDir).map((s) => s.head), page.lastSeq ?? 0);
  const state: ScanState = {
    scan,
    position: page.lastSeq !== null ? page.lastSeq + 1 : Math.max(page.startSeq, before?.position ?? 0),
    head,
    newestStartTime: page.newestStartTime ?? before?.newestStartTime ?? null,
    pages: (before?.pages ?? 0) + 1,
    matches: (before?.matches ?? 0) + page.matches,
    recovered: (before?.recovered ?? 0) + page.recovered,
    at: now,
  };
  mkdirSync(scansDir(lakeDir), { recursive: true });
  const f = path.join(scansDir(lakeDir), `${scan}.json`);
  writeFileSync(`${f}.tmp-${process.pid}`, JSON.stringify(state, null, 2));
  renameSync(`${f}.tmp-${process.pid}`, f);
  return state;
}

/** Match ids the mirror has with a match_seq_num in [from, to]. */
export async function mirroredMatchIds(lakeDir: string, from: number, to: number): Promise<Set<number>> {
  const db = await openSteamState(lakeDir);
  try {
    const rows = await db.rows<{ id: bigint | number }>('SELECT DISTINCT match_id AS id FROM lake_steam_matches WHERE match_seq_num BETWEEN $from AND $to', { from, to });
    return new Set(rows.map((r) => Number(r.id)));
  } finally {
    db.close();
  }
}

/** Keeps only the rows of the given matches (every table a sequence page fills is keyed by match_id). */
export function onlyMatches(rows: SteamRows, keep: ReadonlySet<number>): SteamRows {
  return Object.fromEntries(Object.entries(rows).map(([t, list]) => [t, (list ?? []).filter((r) => r.match_id === undefined || keep.has(Number(r.match_id)))]));
}

export interface MatchLocation {
  matchId: number;
  /** Already mirrored in full. */
  mirrored: boolean;
  /** Its match_seq_num, when a history reference or an earlier fetch gave it. */
  seq: number | null;
  /** The mirrored matches with the closest ids below and above it (the feed is walked between them). */
  below: { matchId: number; seq: number } | null;
  above: { matchId: number; seq: number } | null;
}

/** Where a match stands in the mirror, and what is known around it. */
export async function locateMatch(lakeDir: string, matchId: number): Promise<MatchLocation> {
  const db = await openSteamState(lakeDir);
  try {
    const [m] = await db.rows<{ n: bigint }>("SELECT count(*) AS n FROM steam_entities WHERE entity = 'match' AND entity_id = $id AND state = 'complete'", { id: matchId });
    const [ref] = await db.rows<{ seq: bigint | null }>('SELECT max(match_seq_num) AS seq FROM steam_match_refs WHERE match_id = $id', { id: matchId });
    const [below] = await db.rows<{ id: bigint; seq: bigint }>(
      'SELECT match_id AS id, match_seq_num AS seq FROM steam_matches WHERE match_id < $id ORDER BY match_id DESC LIMIT 1',
      { id: matchId },
    );
    const [above] = await db.rows<{ id: bigint; seq: bigint }>('SELECT match_id AS id, match_seq_num AS seq FROM steam_matches WHERE match_id > $id ORDER BY match_id LIMIT 1', {
      id: matchId,
    });
    return {
      matchId,
      mirrored: Number(m?.n ?? 0) > 0,
      seq: ref?.seq === null || ref?.seq === undefined ? null : Number(ref.seq),
      below: below ? { matchId: Number(below.id), seq: Number(below.seq) } : null,
      above: above ? { matchId: Number(above.id), seq: Number(above.seq) } : null,
    };
  } finally {
    db.close();
  }
}

export interface PlayerSnapshot {
  accountId: number;
  /** Matches of theirs the mirror knows (history references). */
  matches: number;
  personaname: string | null;
  summaryFetchedAt: number | null;
}

/** What the mirror knows of some players: how many of their matches, their name and when it was fetched. */
export async function playerSnapshots(lakeDir: string, accountIds: readonly number[]): Promise<PlayerSnapshot[]> {
  const db = await openSteamState(lakeDir);
  try {
    const out: PlayerSnapshot[] = [];
    for (const id of accountIds) {
      const [r] = await db.rows<{ n: bigint }>('SELECT count(DISTINCT match_id) AS n FROM steam_match_refs WHERE account_id = $id', { id });
      const [p] = await db.rows<{ name: string | null; at: bigint | null }>('SELECT personaname AS name, fetched_at AS at FROM steam_players WHERE account_id = $id', { id });
      out.push({ accountId: id, matches: Number(r?.n ?? 0), personaname: p?.name ?? null, summaryFetchedAt: p?.at === null || p?.at === undefined ? null : Number(p.at) });
    }
    return out;
  } finally {
    db.close();
  }
}
