/**
 * Steam activities: each makes exactly one Steam Web API call (so the task queue's activity rate limit is
 * the API call rate), keeps the raw response, and writes the parsed rows to the lake. Answers that are facts
 * about an entity (a private history, a match Valve does not know) are written as facts and returned, not
 * thrown: they are not retried.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import {
  parseHeroes,
  parseItems,
  parseLeagues,
  parseMatchDetails,
  parseMatchHistory,
  parsePlayerSummaries,
  parseSequencePage,
  parseTeams,
  rowCounts,
} from '../../transforms/steam/index.ts';
import { steamId64 } from '../../transforms/steam/ids.ts';
import type { SteamRow, SteamRows } from '../../transforms/steam/tables.ts';
import type { SteamClient, SteamEndpoint } from './client.ts';
import { SteamAuthError, SteamRateLimitedError, SteamRequestError } from './errors.ts';
import { writeRaw, writeSteamRows } from '../../lake/index.ts';
import { assertKeyInRotation, isOutOfRotation, revokeKey } from './keys.ts';
import { say } from '../context.ts';
import { mirroredMatchIds, onlyMatches, recordScanPage } from './mirror.ts';

export interface SteamFetchDeps {
  lakeDir: string;
  /** The key's client (one key per worker; see `pick` for a worker with all of them). */
  client?: SteamClient;
  /** Which of several keys this client calls with (STEAM_API_KEYS): named by position in messages, never by value. */
  key?: { position: number; count: number };
  /** Identifies this attempt's activity across retries (run id + activity id); makes file names repeatable. */
  callId?: () => string;
  now?: () => number;
  /**
   * On the queue every key shares (workflows since STEAM_ONE_QUEUE_PATCH): chooses the key of each call
   * (undefined: none is in rotation). A key Steam refuses is taken out and the call goes to the next.
   */
  pick?: () => { client: SteamClient; key: { position: number; count: number } } | undefined;
  /** Told of each call's outcome (ok, rate_limited, refused, failed): the worker's metrics. */
  onCall?: (endpoint: SteamEndpoint, outcome: 'ok' | 'rate_limited' | 'refused' | 'failed', key: number) => void;
}

/** Turns classified Steam errors into Temporal failures: 429 retried after Retry-After; 401/403/404 not retried. */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof SteamRateLimitedError) {
    return ApplicationFailure.create({ message: err.message, type: err.name, nextRetryDelay: err.retryAfterMs !== undefined ? Math.max(err.retryAfterMs, 500) : undefined });
  }
  if (err instanceof SteamAuthError || err instanceof SteamRequestError) return ApplicationFailure.nonRetryable(err.message, err.name);
  return err;
}

function fact(entity: string, id: number, name: string, detail: string, at: number): SteamRow {
  return { entity, entity_id: id, fact: name, detail, fetched_at: at };
}

export function createSteamFetchActivities(deps: SteamFetchDeps) {
  const now = deps.now ?? Date.now;
  const suffix = () => (deps.callId ? `_${createHash('sha256').update(deps.callId()).digest('hex').slice(0, 12)}` : `_${now()}`);
  const key = deps.key ?? { position: 1, count: 1 };
  const call = async (endpoint: SteamEndpoint, params: Record<string, string | number>, rawKey: string) => {
    for (;;) {
      // Which key sends it: the worker's choice (the key whose next slot comes first), or this worker's one key.
      const chosen = deps.pick ? deps.pick() : { client: deps.client!, key };
      if (!chosen) throw ApplicationFailure.nonRetryable(`every Steam key was refused (401/403): check STEAM_API_KEYS`, SteamAuthError.name);
      const name = `Steam key ${chosen.key.position} of ${chosen.key.count}`;
      // A key Steam refused is not used again, by this worker or another (the refusal is kept in the lake).
      try {
        assertKeyInRotation(deps.lakeDir, chosen.key, endpoint);
        const res = await chosen.client.get(endpoint, params);
        deps.onCall?.(endpoint, 'ok', chosen.key.position);
        writeRaw(deps.lakeDir, endpoint, rawKey, res.text);
        return res;
      } catch (err) {
        const seenBefore = isOutOfRotation(err as Error);
        if (!seenBefore) {
          deps.onCall?.(
            endpoint,
            err instanceof SteamRateLimitedError ? 'rate_limited' : err instanceof SteamAuthError || err instanceof SteamRequestError ? 'refused' : 'failed',
            chosen.key.position,
          );
        }
        if (err instanceof SteamAuthError && chosen.key.count > 1) {
          const reason = err.message.replace(/ \(http[^)]*\)$/, '');
          const refusal = `${name} was refused (${reason}): taken out of rotation, the other keys carry on`;
          if (!seenBefore) revokeKey(deps.lakeDir, chosen.key.position, reason);
          // Rotation in the worker: the next key takes the call at once.
          if (deps.pick) {
            if (!seenBefore) say(refusal, { key: chosen.key.position, endpoint });
            continue;
          }
          if (!seenBefore) throw toActivityFailure(new SteamAuthError(refusal, err.url));
        }
        throw toActivityFailure(err);
      }
    }
  };
  const write = async (name: string, rows: SteamRows) => {
    await writeSteamRows(deps.lakeDir, name, rows);
    return rowCounts(rows);
  };

  return {
    /** One page of a player's match history (newest first); a private history is recorded as a fact. */
    async steamMatchHistoryPage(input: { accountId: number; startAtMatchId?: number; matchesRequested?: number }) {
      const params: Record<string, number> = { account_id: input.accountId, matches_requested: input.matchesRequested ?? 100 };
      if (input.startAtMatchId !== undefined) params.start_at_match_id = input.startAtMatchId;
      const res = await call('GetMatchHistory', params, String(input.startAtMatchId ?? input.accountId));
      const at = now();
      const page = parseMatchHistory(res.json, input.accountId, at);
      if (page.kind !== 'ok') {
        await write(`GetMatchHistory_${input.accountId}${suffix()}`, {
          entity_facts: [fact('player', input.accountId, page.kind === 'private' ? 'history_private' : 'history_refused', page.detail, at)],
        });
        return { kind: page.kind, detail: page.detail, matches: 0, resultsRemaining: 0, lastMatchId: null, newestMatchId: null };
      }
      await write(`GetMatchHistory_${input.accountId}_${input.startAtMatchId ?? 'latest'}${suffix()}`, page.rows);
      return {
        kind: 'ok' as const,
        detail: '',
        matches: page.matches,
        resultsRemaining: page.resultsRemaining,
        lastMatchId: page.lastMatchId,
        newestMatchId: page.matchIds.length ? Math.max(...page.matchIds) : null,
      };
    },

    /**
     * Up to `count` full matches from the sequence feed, starting at a match_seq_num. `onlyMissing` (the
     * rescan): only matches the mirror does not have are written, and counted as recovered; matches at or
     * past `untilSeq` are left for the first scan. A scan's page also moves its recorded position
     * (lake/steam/_scans).
     */
    async steamSequencePage(input: { startSeq: number; count: number; by: 'scan' | 'sweep' | 'rescan'; onlyMissing?: boolean; untilSeq?: number }) {
      const res = await call('GetMatchHistoryBySequenceNum', { start_at_match_seq_num: input.startSeq, matches_requested: input.count }, String(input.startSeq));
      const parsed = parseSequencePage(res.json, now(), input.by === 'rescan' ? 'scan' : input.by);
      let { rows, matches, firstSeq, lastSeq, newestStartTime, matchIds } = parsed;
      if (input.untilSeq !== undefined) {
        const kept = (rows.matches ?? []).filter((m) => Number(m.match_seq_num) < input.untilSeq!);
        rows = onlyMatches(rows, new Set(kept.map((m) => Number(m.match_id))));
        const seqs = kept.map((m) => Number(m.match_seq_num));
        matches = kept.length;
        firstSeq = seqs.length ? Math.min(...seqs) : null;
        lastSeq = seqs.length ? Math.max(...seqs) : null;
        newestStartTime = kept.length ? Math.max(...kept.map((m) => Number(m.start_time))) : null;
        matchIds = kept.map((m) => Number(m.match_id));
      }
      let recovered = 0;
      if (input.onlyMissing && firstSeq !== null && lastSeq !== null) {
        const have = await mirroredMatchIds(deps.lakeDir, firstSeq, lastSeq);
        const missing = new Set(matchIds.filter((id) => !have.has(id)));
        rows = onlyMatches(rows, missing);
        for (const m of rows.matches ?? []) m.source = 'rescan';
        recovered = missing.size;
      }
      const tables = await write(`GetMatchHistoryBySequenceNum_${input.startSeq}_${input.count}${input.by === 'rescan' ? '_rescan' : ''}`, rows);
      if (input.by === 'scan' || input.by === 'rescan') recordScanPage(deps.lakeDir, input.by, { startSeq: input.startSeq, lastSeq, matches, newestStartTime, recovered });
      // Where each match of the page sits in the feed (steam match reports how far it walked).
      const seqOf = Object.fromEntries((parsed.rows.matches ?? []).map((m) => [String(m.match_id), Number(m.match_seq_num)]));
      return { matches, firstSeq, lastSeq, newestStartTime, tables, recovered, matchIds, matchSeqs: matchIds.map((id) => seqOf[String(id)] ?? null) };
    },

    /** GetMatchDetails for a match without a known match_seq_num (the sequence feed is preferred). */
    async steamMatchDetails(input: { matchId: number }) {
      const res = await call('GetMatchDetails', { match_id: input.matchId }, String(input.matchId));
      const at = now();
      const details = parseMatchDetails(res.json, at);
      if (details.kind === 'ok') await write(`GetMatchDetails_${input.matchId}`, details.rows);
      if (details.kind === 'not_found' || details.kind === 'practice')
        await write(`GetMatchDetails_${input.matchId}_fact`, { entity_facts: [fact('match', input.matchId, details.kind, details.detail, at)] });
      // An empty answer is not a fact about the match, but it is an attempt (gamelake query missing_matches counts them).
      if (details.kind === 'unavailable')
        await write(`GetMatchDetails_${input.matchId}_unavailable${suffix()}`, { entity_facts: [fact('match', input.matchId, 'details_unavailable', details.detail, at)] });
      return { kind: details.kind };
    },

    /** Summaries of up to 100 players; those Steam does not list are recorded as such. */
    async steamPlayerSummaries(input: { accountIds: number[] }) {
      const ids = input.accountIds.slice(0, 100);
      const res = await call('GetPlayerSummaries', { steamids: ids.map((id) => steamId64(id).toString()).join(',') }, `batch-${ids[0]}-${ids.length}`);
      const parsed = parsePlayerSummaries(res.json, ids, now());
      await write(`GetPlayerSummaries_${ids[0]}_${ids.length}${suffix()}`, parsed.rows);
      return { found: parsed.found, missing: parsed.missing.length };
    },

    async steamHeroes() {
      const res = await call('GetHeroes', { language: 'english' }, 'english');
      return write(`GetHeroes${suffix()}`, parseHeroes(res.json, now()));
    },

    async steamItems() {
      const res = await call('GetGameItems', { language: 'english' }, 'english');
      return write(`GetGameItems${suffix()}`, parseItems(res.json, now()));
    },

    async steamLeagues() {
      const res = await call('GetLeagueInfoList', {}, 'all');
      return write(`GetLeagueInfoList${suffix()}`, parseLeagues(res.json, now()));
    },

    /** One team; a team Valve does not return is recorded as not found. */
    async steamTeam(input: { teamId: number }) {
      const res = await call('GetTeamInfoByTeamID', { start_at_team_id: input.teamId, teams_requested: 1 }, String(input.teamId));
      const at = now();
      const rows = parseTeams(res.json, input.teamId, 1, at);
      const found = (rows.teams ?? []).some((t) => t.team_id === input.teamId);
      if (!found) rows.entity_facts = [fact('team', input.teamId, 'not_found', 'GetTeamInfoByTeamID did not return this team', at)];
      await write(`GetTeamInfoByTeamID_${input.teamId}`, rows);
      return { found };
    },
  };
}

export type SteamFetchActivities = ReturnType<typeof createSteamFetchActivities>;
