/**
 * The simulator's endpoints in replay mode: recorded real responses served by what they answered
 * (a match id, a sequence number, an account id), with Valve's answers for what was not recorded.
 */
import { isObject } from '../../transforms/steam/json.ts';
import { type Endpoints, html, ok } from './reply.ts';
import type { ReplayStore } from './replay.ts';

export interface ReplayCall {
  store: ReplayStore;
  endpoint: string;
  q: URLSearchParams;
  /** Count full matches delivered (and refetches). */
  deliver(matches: readonly unknown[]): void;
}

const PRIVATE = { result: { status: 15, statusDetail: "Cannot get match history for a user that hasn't allowed it" } };

function getMatchHistoryBySequenceNum({ store, endpoint, q, deliver }: ReplayCall) {
  const start = q.get('start_at_match_seq_num') ?? '0';
  const body = store.get(endpoint, start) ?? { result: { status: 1, matches: store.sequenceFrom(Number(start), Math.min(Number(q.get('matches_requested') ?? 100), 100)) } };
  if (isObject(body) && isObject(body.result) && Array.isArray(body.result.matches)) deliver(body.result.matches);
  return ok(body);
}

function getPlayerSummaries({ store, endpoint, q }: ReplayCall) {
  const players = (q.get('steamids') ?? '').split(',').flatMap((id) => {
    const r = store.get(endpoint, id);
    return isObject(r) && isObject(r.response) && Array.isArray(r.response.players) ? r.response.players : [];
  });
  return ok({ response: { players } });
}

/** The catalogue endpoints: any recorded response of that method. */
function recorded({ store, endpoint }: ReplayCall) {
  const r = store.any(endpoint);
  return r === undefined ? html(404, `no recorded ${endpoint} response`) : ok(r);
}

export const REPLAY_HANDLERS: Endpoints<ReplayCall> = {
  GetMatchDetails: ({ store, endpoint, q }) => ok(store.get(endpoint, q.get('match_id') ?? '') ?? { result: { error: 'Match ID not found' } }),
  GetMatchHistoryBySequenceNum: getMatchHistoryBySequenceNum,
  GetMatchHistory: ({ store, endpoint, q }) => ok(store.get(endpoint, q.get('start_at_match_id') ?? q.get('account_id') ?? '') ?? PRIVATE),
  GetPlayerSummaries: getPlayerSummaries,
  GetTeamInfoByTeamID: ({ store, endpoint, q }) => ok(store.get(endpoint, q.get('start_at_team_id') ?? '') ?? { result: { status: 1, teams: [] } }),
  GetHeroes: recorded,
  GetGameItems: recorded,
  GetLeagueInfoList: recorded,
};
