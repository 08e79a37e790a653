/**
 * The simulator's endpoints over a synthetic World: one handler per Steam Web API method, each answering
 * with Valve's response shape (status 15 for a private history, "sometimes 99" sequence pages while late
 * matches are hidden, GetMatchDetails failing as often as the world says).
 */
import type { Random } from '../random.ts';
import { accountIdOf } from '../../transforms/steam/ids.ts';
import { type Endpoints, html, ok } from './reply.ts';
import type { World } from './world.ts';

export interface WorldCall {
  world: World;
  q: URLSearchParams;
  random: Random;
  /** Whether the feed hides this match now (shown late). */
  hidden(matchId: number): boolean;
  /** Count matches left out of a page because they are shown late. */
  countHidden(n: number): void;
  /** Count full matches delivered (and refetches). */
  deliver(matches: readonly unknown[]): void;
}

const PRIVATE = { result: { status: 15, statusDetail: "Cannot get match history for a user that hasn't allowed it" } };

const int = (q: URLSearchParams, name: string, fallback: number) => (q.has(name) ? Number(q.get(name)) : fallback);
const clamp = (n: number, max: number) => Math.min(Math.max(n, 1), max);

function getMatchHistory({ world: w, q }: WorldCall) {
  const accountId = int(q, 'account_id', -1);
  const player = w.player(accountId);
  if (!player || player.private) return ok(PRIVATE);
  const requested = clamp(int(q, 'matches_requested', 100), 100);
  const start = int(q, 'start_at_match_id', Number.MAX_SAFE_INTEGER);
  const reachable = w.historyOf(accountId).slice(0, 500);
  const after = reachable.filter((m) => m.match_id <= start);
  const page = after.slice(0, requested);
  return ok({
    result: {
      status: 1,
      num_results: page.length,
      total_results: reachable.length,
      results_remaining: after.length - page.length,
      matches: page.map((m) => ({
        match_id: m.match_id,
        match_seq_num: m.match_seq_num,
        start_time: m.start_time,
        lobby_type: m.lobby_type,
        radiant_team_id: m.radiant_team_id ?? 0,
        dire_team_id: m.dire_team_id ?? 0,
        players: m.players.map((p) => ({ account_id: p.account_id, player_slot: p.player_slot, team_number: p.team_number, team_slot: p.team_slot, hero_id: p.hero_id })),
      })),
    },
  });
}

function getMatchHistoryBySequenceNum({ world: w, q, hidden, countHidden, deliver }: WorldCall) {
  const start = int(q, 'start_at_match_seq_num', 0);
  const requested = clamp(int(q, 'matches_requested', 100), 100);
  // A page covers `requested` consecutive matches; one the feed shows late is left out of it ("sometimes 99").
  const window = w
    .matches()
    .filter((m) => m.match_seq_num >= start)
    .slice(0, requested);
  const page = window.filter((m) => !hidden(m.match_id));
  countHidden(window.length - page.length);
  deliver(page);
  return ok({ result: { status: 1, matches: page } });
}

function getMatchDetails({ world: w, q, random, deliver }: WorldCall) {
  const m = w.match(int(q, 'match_id', -1));
  if (!m) return ok({ result: { error: 'Match ID not found' } });
  if (m.lobby_type === 1) return ok({ result: { error: 'Practice matches are not available via GetMatchDetails' } });
  if (random.chance(w.detailsFailureRate)) return random.chance(0.5) ? html(500, 'Internal Server Error') : ok({});
  deliver([m]);
  return ok({ result: m });
}

function getPlayerSummaries({ world: w, q }: WorldCall) {
  const ids = (q.get('steamids') ?? '')
    .split(',')
    .filter((s) => /^\d+$/.test(s))
    .slice(0, 100);
  return ok({ response: { players: ids.map((s) => w.summary(accountIdOf(s))).filter(Boolean) } });
}

function getTeamInfoByTeamID({ world: w, q }: WorldCall) {
  const start = int(q, 'start_at_team_id', 0);
  const requested = clamp(int(q, 'teams_requested', 1), 100);
  const teams = [...w.teams]
    .filter((t) => t.team_id >= start)
    .sort((a, b) => a.team_id - b.team_id)
    .slice(0, requested);
  return ok({
    result: {
      status: 1,
      teams: teams.map((t) => ({
        team_id: t.team_id,
        name: t.name,
        tag: t.tag,
        time_created: t.time_created,
        calibration_games_remaining: 0,
        logo: t.logo,
        logo_sponsor: t.logo_sponsor,
        country_code: t.country_code,
        url: t.url,
        games_played_with_current_roster: 12,
        ...Object.fromEntries(t.players.map((p, i) => [`player_${i}_account_id`, p])),
        admin_account_id: t.players[0],
      })),
    },
  });
}

export const WORLD_HANDLERS: Endpoints<WorldCall> = {
  GetMatchHistory: getMatchHistory,
  GetMatchHistoryBySequenceNum: getMatchHistoryBySequenceNum,
  GetMatchDetails: getMatchDetails,
  GetPlayerSummaries: getPlayerSummaries,
  GetHeroes: ({ world: w }) => ok({ result: { heroes: w.heroes, status: 200, count: w.heroes.length } }),
  GetGameItems: ({ world: w }) => ok({ result: { items: w.items, status: 200 } }),
  GetLeagueInfoList: ({ world: w }) => ok({ infos: w.leagues.map((l) => ({ ...l, most_recent_activity: l.start_timestamp + 86_400 })) }),
  GetTeamInfoByTeamID: getTeamInfoByTeamID,
};
