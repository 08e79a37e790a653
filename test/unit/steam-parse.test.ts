import { describe, expect, it } from 'vitest';
import { matchRuns } from '../../activities/steam/plan.ts';
import {
  MalformedSteamResponseError,
  parseHeroes,
  parseLeagues,
  parseMatch,
  parseMatchDetails,
  parseMatchHistory,
  parsePlayerSummaries,
  parseSequencePage,
  parseSteamJson,
  parseTeams,
  sideOfSlot,
  steamId64,
  stringifySteamJson,
} from '../../transforms/steam/index.ts';

const player = (accountId: number, slot: number, extra: Record<string, unknown> = {}) => ({
  account_id: accountId,
  player_slot: slot,
  hero_id: 8,
  item_0: 1,
  item_1: 0,
  item_2: 0,
  item_3: 0,
  item_4: 0,
  item_5: 0,
  backpack_0: 0,
  backpack_1: 0,
  backpack_2: 0,
  kills: 5,
  deaths: 2,
  assists: 7,
  leaver_status: 0,
  last_hits: 200,
  denies: 10,
  gold_per_min: 500,
  xp_per_min: 600,
  level: 22,
  hero_damage: 15000,
  tower_damage: 3000,
  hero_healing: 0,
  gold_spent: 14000,
  gold: 800,
  ...extra,
});

const oldMatch = {
  players: [player(4294967295, 0), player(86745912, 132, { leaver_status: 2 })],
  radiant_win: true,
  duration: 2000,
  start_time: 1370000000,
  match_id: 200000001,
  match_seq_num: 180000000,
  tower_status_radiant: 1,
  tower_status_dire: 0,
  barracks_status_radiant: 63,
  barracks_status_dire: 0,
  cluster: 111,
  first_blood_time: 30,
  lobby_type: 0,
  human_players: 10,
  leagueid: 0,
  positive_votes: 0,
  negative_votes: 0,
  game_mode: 1,
};

describe('Steam ids', () => {
  it.each([
    [0, 'radiant'],
    [4, 'radiant'],
    [128, 'dire'],
    [132, 'dire'],
  ] as const)('player_slot %i is %s', (slot, side) => expect(sideOfSlot(slot)).toBe(side));
  it('derives steamid64 exactly', () => expect(steamId64(86745912)).toBe(76561198047011640n));
});

describe('parseSteamJson', () => {
  it('keeps 64-bit integers exact and round-trips them', () => {
    const text = '{"logo":1152921504606846977,"small":42,"neg":-3}';
    const v = parseSteamJson(text) as Record<string, unknown>;
    expect(v).toEqual({ logo: 1152921504606846977n, small: 42, neg: -3 });
    expect(stringifySteamJson(v)).toBe(text);
  });
});

describe('parseMatch', () => {
  it('parses an old-schema match: no scores, no picks_bans, anonymous player, leaver', () => {
    const rows = parseMatch(oldMatch, 1, 'scan', 'test');
    expect(rows.matches).toHaveLength(1);
    expect(rows.matches![0]).toMatchObject({
      match_id: 200000001,
      match_seq_num: 180000000,
      radiant_win: true,
      schema: 'old',
      radiant_score: null,
      dire_score: null,
      player_count: 2,
      extra: null,
      source: 'scan',
    });
    expect(rows.picks_bans).toBeUndefined();
    const [anon, leaver] = rows.match_players!;
    expect(anon).toMatchObject({ account_id: null, anonymous: true, steamid64: null, side: 'radiant', item_neutral: null });
    expect(leaver).toMatchObject({ account_id: 86745912, anonymous: false, steamid64: 76561198047011640n, side: 'dire', leaver_status: 2 });
  });

  it('parses a new-schema match with picks_bans, teams, 64-bit logos, additional_units and unknown fields', () => {
    const text = stringifySteamJson({
      ...oldMatch,
      match_id: 8000000001,
      radiant_score: 31,
      dire_score: 12,
      picks_bans: [
        { is_pick: false, hero_id: 5, team: 1, order: 0 },
        { is_pick: true, hero_id: 8, team: 0, order: 1 },
      ],
      radiant_team_id: 111,
      radiant_name: 'R',
      radiant_team_complete: 1,
      radiant_captain: 5,
      players: [
        player(1, 0, {
          item_neutral: 300,
          net_worth: 20000,
          additional_units: [{ unitname: 'spirit_bear', item_0: 50, item_1: 0, item_2: 0, item_3: 0, item_4: 0, item_5: 0 }],
          brand_new_stat: 7,
        }),
      ],
      patch_2030_field: [1, 2],
    }).replace('"radiant_captain":5', '"radiant_captain":5,"radiant_logo":1152921504606846977');
    const rows = parseMatch(parseSteamJson(text), 2, 'details', 'test');
    expect(rows.matches![0]).toMatchObject({
      schema: 'new',
      radiant_score: 31,
      radiant_team_id: 111,
      radiant_logo: 1152921504606846977n,
      dire_team_id: null,
      extra: '{"patch_2030_field":[1,2]}',
    });
    expect(rows.picks_bans).toEqual([
      { match_id: 8000000001, pick_order: 0, is_pick: false, hero_id: 5, team: 1, side: 'dire', fetched_at: 2 },
      { match_id: 8000000001, pick_order: 1, is_pick: true, hero_id: 8, team: 0, side: 'radiant', fetched_at: 2 },
    ]);
    expect(rows.additional_units).toEqual([expect.objectContaining({ match_id: 8000000001, player_slot: 0, unit_index: 0, unitname: 'spirit_bear', item_0: 50 })]);
    expect(rows.match_players![0]).toMatchObject({ item_neutral: 300, net_worth: 20000, extra: '{"brand_new_stat":7}' });
  });

  it.each([
    [{ ...oldMatch, match_id: 'x' }, /match.match_id is "x", not an integer/],
    [{ ...oldMatch, match_seq_num: undefined }, /match 200000001.match_seq_num/],
    [{ ...oldMatch, players: {} }, /players is not a list/],
    [[1], /not an object/],
  ])('rejects a malformed match (%#)', (m, message) => {
    expect(() => parseMatch(JSON.parse(JSON.stringify(m)), 1, 'scan', 'GetMatchDetails')).toThrow(message);
  });
});

describe('envelopes', () => {
  it.each([
    [
      'sequence page',
      () => parseSequencePage({ result: { status: 1, matches: [oldMatch] } }, 1),
      (r: ReturnType<typeof parseSequencePage>) => expect([r.matches, r.firstSeq, r.lastSeq, r.newestStartTime]).toEqual([1, 180000000, 180000000, 1370000000]),
    ],
    [
      'empty sequence page',
      () => parseSequencePage({ result: { status: 1, matches: [] } }, 1),
      (r: ReturnType<typeof parseSequencePage>) => expect([r.matches, r.lastSeq]).toEqual([0, null]),
    ],
  ])('%s', (_name, run, check) => check(run() as never));

  it.each([
    [{}, /no "result" object/],
    [{ result: { status: 8, statusDetail: 'busy' } }, /status 8: busy/],
    [{ result: { status: 1 } }, /result.matches is not a list/],
    ['[]', /not a JSON object/],
  ])('rejects a bad sequence page %#', (body, message) => {
    expect(() => parseSequencePage(body as never, 1)).toThrow(MalformedSteamResponseError);
    expect(() => parseSequencePage(body as never, 1)).toThrow(message);
  });

  it.each([
    [{}, 'unavailable'],
    [{ result: { error: 'Match ID not found' } }, 'not_found'],
    [{ result: { error: 'Practice matches are not available via GetMatchDetails' } }, 'practice'],
    [{ result: oldMatch }, 'ok'],
  ])('GetMatchDetails %# is %s', (body, kind) => expect(parseMatchDetails(body as never, 1).kind).toBe(kind));

  it('reads a match history page and a private history', () => {
    const page = parseMatchHistory(
      {
        result: {
          status: 1,
          num_results: 2,
          total_results: 40,
          results_remaining: 38,
          matches: [
            { match_id: 12, match_seq_num: 102, start_time: 5, lobby_type: 7, radiant_team_id: 0, dire_team_id: 0, players: [{ account_id: 9, player_slot: 129, hero_id: 3 }] },
            { match_id: 10, match_seq_num: 100, start_time: 4, lobby_type: 7, players: [] },
          ],
        },
      },
      9,
      1,
    );
    expect(page).toMatchObject({ kind: 'ok', matches: 2, resultsRemaining: 38, lastMatchId: 10 });
    expect((page as { rows: { match_refs: unknown[] } }).rows.match_refs[0]).toMatchObject({ account_id: 9, match_id: 12, match_seq_num: 102, hero_id: 3, player_slot: 129 });
    expect(parseMatchHistory({ result: { status: 15, statusDetail: "Cannot get match history for a user that hasn't allowed it" } }, 9, 1)).toMatchObject({
      kind: 'private',
      status: 15,
    });
  });

  it('reads player summaries (response, not result); missing ids become facts', () => {
    const r = parsePlayerSummaries(
      { response: { players: [{ steamid: '76561198047011640', personaname: 'x', communityvisibilitystate: 3, profilestate: 1, avatarhash: 'ab' }] } },
      [86745912, 5],
      1,
    );
    expect(r.rows.players![0]).toMatchObject({ account_id: 86745912, steamid64: 76561198047011640n, personaname: 'x', extra: '{"avatarhash":"ab"}' });
    expect(r.missing).toEqual([5]);
    expect(r.rows.entity_facts).toEqual([{ entity: 'player', entity_id: 5, fact: 'not_in_summaries', detail: expect.any(String), fetched_at: 1 }]);
  });

  it('reads heroes (status 200), leagues and teams (team_id may be absent)', () => {
    expect(parseHeroes({ result: { heroes: [{ name: 'npc_dota_hero_axe', id: 2, localized_name: 'Axe' }], status: 200, count: 1 } }, 1).heroes).toEqual([
      { hero_id: 2, name: 'npc_dota_hero_axe', localized_name: 'Axe', extra: null, fetched_at: 1 },
    ]);
    expect(() => parseHeroes({ result: { heroes: [], status: 1 } }, 1)).toThrow(/GetHeroes: malformed response: status 1/);
    expect(parseLeagues({ infos: [{ league_id: 7, name: 'L', tier: 2 }] }, 1).leagues![0]).toMatchObject({ league_id: 7, name: 'L', tier: 2 });
    const teams = parseTeams(parseSteamJson('{"result":{"status":1,"teams":[{"name":"T","logo":18446744073709551615,"player_0_account_id":5}]}}'), 42, 1, 1);
    expect(teams.teams![0]).toMatchObject({ team_id: 42, name: 'T', logo: 18446744073709551615n, extra: '{"player_0_account_id":5}' });
  });
});

describe('matchRuns', () => {
  it.each([
    [[], [], []],
    [[10, 11, 12], [], [{ startSeq: 10, count: 3 }]],
    [
      [10, 12, 20],
      [11],
      [
        { startSeq: 10, count: 1 },
        { startSeq: 12, count: 9 },
      ],
    ],
    [
      [0, 99, 100, 250],
      [],
      [
        { startSeq: 0, count: 100 },
        { startSeq: 100, count: 1 },
        { startSeq: 250, count: 1 },
      ],
    ],
    [[5, 6], [1, 2, 9], [{ startSeq: 5, count: 2 }]],
  ])('missing %j, mirrored %j', (missing, mirrored, runs) => expect(matchRuns(missing, mirrored)).toEqual(runs));
});
