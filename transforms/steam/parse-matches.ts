/**
 * Match parsers (full matches, the sequence feed, GetMatchDetails, a player's history): a Steam Web API response (already JSON-parsed with parseSteamJson) in, lake rows out.
 * Unknown fields are kept in each row's `extra` JSON; missing optional groups (scores, picks_bans, neutral
 * items in old matches) become NULLs. A response that is not what the endpoint promises throws
 * MalformedSteamResponseError naming the endpoint and what was wrong.
 */
import { ANONYMOUS_ACCOUNT_ID, sideOfSlot, sideOfTeam, steamId64 } from './ids.ts';
import { isObject, stringifySteamJson, type SteamJson } from './json.ts';
import { MATCH_SCALARS, PLAYER_ITEMS, PLAYER_STATS, STEAM_TABLES, type SteamRow, type SteamRows } from './tables.ts';
import { bool, copyColumns, extraOf, MalformedSteamResponseError, num, push, requireInt, resultOf, str } from './values.ts';

const MATCH_KNOWN = new Set<string>([
  'match_id',
  'match_seq_num',
  'start_time',
  'radiant_win',
  'players',
  'picks_bans',
  ...MATCH_SCALARS.map(([c]) => c),
  ...['radiant', 'dire'].flatMap((s) => ['team_id', 'name', 'logo', 'team_complete', 'captain'].map((f) => `${s}_${f}`)),
]);
const PLAYER_KNOWN = new Set<string>([
  'account_id',
  'player_slot',
  'hero_id',
  'ability_upgrades',
  'additional_units',
  ...PLAYER_ITEMS.map(([c]) => c),
  ...PLAYER_STATS.map(([c]) => c),
]);
const UNIT_KNOWN = new Set<string>(['unitname', 'item_0', 'item_1', 'item_2', 'item_3', 'item_4', 'item_5']);

/** How a match reached the mirror: the scan of the sequence feed, a sweep's sequence request, or GetMatchDetails. */
export type MatchSource = 'scan' | 'sweep' | 'details';

/**
 * One full match (GetMatchDetails' result, or an element of the sequence feed's matches) into rows of
 * matches, match_players, picks_bans and additional_units.
 */
export function parseMatch(match: SteamJson, fetchedAt: number, source: MatchSource, endpoint: string, rows: SteamRows = {}): SteamRows {
  if (!isObject(match)) throw new MalformedSteamResponseError(endpoint, `a match is ${JSON.stringify(match)}, not an object`);
  const matchId = requireInt(match, 'match_id', endpoint, 'match');
  const where = `match ${matchId}`;
  const players = match.players ?? [];
  if (!Array.isArray(players)) throw new MalformedSteamResponseError(endpoint, `${where}: players is not a list`);
  const row: SteamRow = {
    match_id: matchId,
    match_seq_num: requireInt(match, 'match_seq_num', endpoint, where),
    start_time: requireInt(match, 'start_time', endpoint, where),
    radiant_win: bool(match.radiant_win),
    player_count: players.length,
    schema: 'radiant_score' in match || 'picks_bans' in match ? 'new' : 'old',
    source,
    extra: extraOf(match, MATCH_KNOWN),
    fetched_at: fetchedAt,
  };
  copyColumns(match, STEAM_TABLES.matches.columns, row);
  push(rows, 'matches', row);

  players.forEach((p, i) => {
    if (!isObject(p)) throw new MalformedSteamResponseError(endpoint, `${where}: players[${i}] is not an object`);
    const slot = requireInt(p, 'player_slot', endpoint, `${where}.players[${i}]`);
    const accountId = num(p.account_id);
    const anonymous = accountId === null || accountId === ANONYMOUS_ACCOUNT_ID;
    const pr: SteamRow = {
      match_id: matchId,
      player_slot: slot,
      side: sideOfSlot(slot),
      account_id: anonymous ? null : accountId,
      anonymous,
      steamid64: anonymous ? null : steamId64(accountId!),
      hero_id: num(p.hero_id),
      ability_upgrades: Array.isArray(p.ability_upgrades) ? stringifySteamJson(p.ability_upgrades) : null,
      extra: extraOf(p, PLAYER_KNOWN),
      fetched_at: fetchedAt,
    };
    copyColumns(p, STEAM_TABLES.match_players.columns, pr);
    push(rows, 'match_players', pr);
    const units = Array.isArray(p.additional_units) ? p.additional_units : [];
    units.forEach((u, unitIndex) => {
      if (!isObject(u)) return;
      const ur: SteamRow = { match_id: matchId, player_slot: slot, unit_index: unitIndex, unitname: str(u.unitname), extra: extraOf(u, UNIT_KNOWN), fetched_at: fetchedAt };
      copyColumns(u, STEAM_TABLES.additional_units.columns, ur);
      push(rows, 'additional_units', ur);
    });
  });

  const picks = Array.isArray(match.picks_bans) ? match.picks_bans : [];
  picks.forEach((pb, i) => {
    if (!isObject(pb)) return;
    const team = num(pb.team) ?? 0;
    push(rows, 'picks_bans', {
      match_id: matchId,
      pick_order: num(pb.order) ?? i,
      is_pick: bool(pb.is_pick),
      hero_id: num(pb.hero_id),
      team,
      side: sideOfTeam(team),
      fetched_at: fetchedAt,
    });
  });
  return rows;
}

export interface SequencePage {
  rows: SteamRows;
  matches: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Newest start_time on the page (unix s): how far behind the feed's head the scanner is. */
  newestStartTime: number | null;
  matchIds: number[];
}

/** GetMatchHistoryBySequenceNum: {result:{status:1, matches:[full match...]}} in sequence order. */
export function parseSequencePage(json: SteamJson, fetchedAt: number, by: 'scan' | 'sweep' = 'scan'): SequencePage {
  const endpoint = 'GetMatchHistoryBySequenceNum';
  const result = resultOf(json, endpoint);
  if (num(result.status) !== 1) throw new MalformedSteamResponseError(endpoint, `status ${JSON.stringify(result.status ?? null)}: ${str(result.statusDetail) ?? 'no detail'}`);
  if (!Array.isArray(result.matches)) throw new MalformedSteamResponseError(endpoint, 'result.matches is not a list');
  const rows: SteamRows = {};
  for (const m of result.matches) parseMatch(m, fetchedAt, by, endpoint, rows);
  const matches = rows.matches ?? [];
  const seqs = matches.map((m) => m.match_seq_num as number);
  return {
    rows,
    matches: matches.length,
    firstSeq: seqs.length ? Math.min(...seqs) : null,
    lastSeq: seqs.length ? Math.max(...seqs) : null,
    newestStartTime: matches.length ? Math.max(...matches.map((m) => m.start_time as number)) : null,
    matchIds: matches.map((m) => m.match_id as number),
  };
}

export type MatchDetails =
  | { kind: 'ok'; rows: SteamRows }
  /** Permanent for this match: "Match ID not found" or the practice-match message. */
  | { kind: 'not_found' | 'practice'; detail: string }
  /** The `{}` GetMatchDetails answers for most matches since 7.36: try the sequence feed instead. */
  | { kind: 'unavailable'; detail: string };

export function parseMatchDetails(json: SteamJson, fetchedAt: number): MatchDetails {
  const endpoint = 'GetMatchDetails';
  if (isObject(json) && Object.keys(json).length === 0) return { kind: 'unavailable', detail: 'empty response {}' };
  const result = resultOf(json, endpoint);
  const error = str(result.error);
  if (error !== null) return { kind: /practice/i.test(error) ? 'practice' : 'not_found', detail: error };
  if (!('match_id' in result)) return { kind: 'unavailable', detail: 'result without match_id' };
  return { kind: 'ok', rows: parseMatch(result, fetchedAt, 'details', endpoint) };
}

export type MatchHistoryPage =
  | { kind: 'ok'; rows: SteamRows; matches: number; resultsRemaining: number; lastMatchId: number | null; matchIds: number[] }
  /** status 15 (the player hides their match data) or another refusal: a fact about the player, not retried. */
  | { kind: 'private' | 'refused'; status: number | null; detail: string };

/** GetMatchHistory for one account: match references, newest first. */
export function parseMatchHistory(json: SteamJson, accountId: number, fetchedAt: number): MatchHistoryPage {
  const endpoint = 'GetMatchHistory';
  const result = resultOf(json, endpoint);
  const status = num(result.status);
  const detail = str(result.statusDetail) ?? '';
  if (status === 15) return { kind: 'private', status, detail: detail || 'match history is private' };
  if (status !== 1) return { kind: 'refused', status, detail: detail || `status ${JSON.stringify(result.status ?? null)}` };
  if (!Array.isArray(result.matches)) throw new MalformedSteamResponseError(endpoint, 'result.matches is not a list');
  const refs: SteamRow[] = [];
  for (const [i, m] of result.matches.entries()) {
    if (!isObject(m)) throw new MalformedSteamResponseError(endpoint, `matches[${i}] is not an object`);
    const me = Array.isArray(m.players) ? m.players.find((p) => isObject(p) && num(p.account_id) === accountId) : undefined;
    refs.push({
      account_id: accountId,
      match_id: requireInt(m, 'match_id', endpoint, `matches[${i}]`),
      match_seq_num: num(m.match_seq_num),
      start_time: num(m.start_time),
      lobby_type: num(m.lobby_type),
      hero_id: isObject(me) ? num(me.hero_id) : null,
      player_slot: isObject(me) ? num(me.player_slot) : null,
      fetched_at: fetchedAt,
    });
  }
  const ids = refs.map((r) => r.match_id as number);
  return {
    kind: 'ok',
    rows: { match_refs: refs },
    matches: refs.length,
    resultsRemaining: num(result.results_remaining) ?? 0,
    lastMatchId: ids.length ? Math.min(...ids) : null,
    matchIds: ids,
  };
}
