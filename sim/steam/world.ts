/**
 * A deterministic synthetic Dota 2 world for the Steam API simulator: players (some private, some missing
 * from GetPlayerSummaries), leagues, teams with 64-bit logos, heroes and items from real Dota data, and
 * matches in old and new schemas that keep appearing over time. Same seed, same world.
 */
import { Random } from '../random.ts';
import { ANONYMOUS_ACCOUNT_ID, steamId64 } from '../../transforms/steam/ids.ts';
import { dotaData, type HeroData, type ItemData } from './dota-data.ts';

export interface WorldOptions {
  seed: string;
  /** Players in the world (default 200). */
  players?: number;
  /** Matches that exist when the world starts (default 600). */
  matches?: number;
  /** New matches per minute of wall-clock time after the start (default 0: a fixed world). */
  matchesPerMinute?: number;
  /** Share of players who hide their match data (anonymous in matches, history status 15); default 0.1. */
  privateShare?: number;
  /** Share of GetMatchDetails calls answered with HTTP 500 or `{}`, as Valve does since 7.36; default 0.85. */
  detailsFailureRate?: number;
}

export interface WorldPlayer {
  accountId: number;
  personaname: string;
  private: boolean;
  /** Not listed by GetPlayerSummaries at all. */
  hidden: boolean;
  timecreated: number;
  country: string | null;
}

export interface WorldTeam {
  team_id: number;
  name: string;
  tag: string;
  time_created: number;
  logo: bigint;
  logo_sponsor: bigint;
  country_code: string;
  url: string;
  players: number[];
}
export interface WorldLeague {
  league_id: number;
  name: string;
  tier: number;
  region: number;
  total_prize_pool: number;
  start_timestamp: number;
  end_timestamp: number;
  status: number;
}

export type MatchJson = Record<string, unknown> & { match_id: number; match_seq_num: number; start_time: number; lobby_type: number; players: Array<Record<string, unknown>> };

export const FIRST_MATCH_ID = 7_100_000_000;
export const FIRST_SEQ = 6_000_000_000;
const WORLD_EPOCH = 1_735_689_600; // 2025-01-01T00:00:00Z: the first match starts here

const NAMES = [
  'Miracle',
  'Puppey',
  'N0tail',
  'Ana',
  'Topson',
  'Ceb',
  'Arteezy',
  'SumaiL',
  'Dendi',
  'KuroKy',
  'Yatoro',
  'Collapse',
  'Mira',
  'Larl',
  'Miposhka',
  'Ame',
  'Xm',
  'Somnus',
  'Chalice',
  'fy',
];
const COUNTRIES = ['US', 'DE', 'SE', 'UA', 'RU', 'PE', 'PH', 'CN', 'BR', null];

export class World {
  readonly seed: string;
  readonly heroes: HeroData[];
  readonly items: ItemData[];
  readonly players: WorldPlayer[];
  readonly teams: WorldTeam[];
  readonly leagues: WorldLeague[];
  readonly detailsFailureRate: number;
  private readonly initialMatches: number;
  private readonly perMinute: number;
  private readonly startedAt: number;
  private readonly generated: MatchJson[] = [];
  private readonly byPlayer = new Map<number, MatchJson[]>();
  private readonly byId = new Map<number, MatchJson>();
  private readonly playerIndex = new Map<number, WorldPlayer>();
  private readonly shopItems: ItemData[];
  private readonly neutralItems: ItemData[];
  private readonly now: () => number;

  constructor(options: WorldOptions, now: () => number = Date.now) {
    this.seed = options.seed;
    this.now = now;
    this.startedAt = now();
    this.initialMatches = options.matches ?? 600;
    this.perMinute = options.matchesPerMinute ?? 0;
    this.detailsFailureRate = options.detailsFailureRate ?? 0.85;
    const data = dotaData();
    const r = new Random(`${options.seed}/world`);
    // GetHeroes' ids are neither sorted nor contiguous: keep the real ids, shuffle the order.
    this.heroes = data.heroes
      .map((h) => ({ h, k: r.float() }))
      .sort((a, b) => a.k - b.k)
      .map(({ h }) => h);
    this.items = data.items;
    this.shopItems = data.items.filter((i) => i.cost >= 300 && i.recipe === 0 && i.secret_shop === 0);
    this.neutralItems = data.items.filter((i) => i.cost === 0 && i.recipe === 0).slice(0, 40);
    const privateShare = options.privateShare ?? 0.1;
    this.players = Array.from({ length: options.players ?? 200 }, (_, i) => ({
      accountId: 100_000_000 + i * 7919,
      personaname: `${r.pick(NAMES)}${i}`,
      private: r.chance(privateShare),
      hidden: r.chance(0.03),
      timecreated: 1_300_000_000 + r.int(0, 400_000_000),
      country: r.pick(COUNTRIES),
    }));
    for (const p of this.players) this.playerIndex.set(p.accountId, p);
    this.leagues = Array.from({ length: 4 }, (_, i) => ({
      league_id: 15_000 + i * 37,
      name: `Sim League ${i + 1}`,
      tier: 1 + (i % 3),
      region: i % 6,
      total_prize_pool: 10_000 * (i + 1),
      start_timestamp: WORLD_EPOCH - 86_400 * 30,
      end_timestamp: WORLD_EPOCH + 86_400 * 365,
      status: 2,
    }));
    this.teams = Array.from({ length: 8 }, (_, i) => ({
      team_id: 8_000_000 + i * 1_013,
      name: `Team ${String.fromCharCode(65 + i)}lpha`,
      tag: `T${String.fromCharCode(65 + i)}`,
      time_created: 1_500_000_000 + i * 1_000,
      // Valve's UGC logo ids are 64-bit: beyond 2^53, a double would round them.
      logo: 9_007_199_254_740_993n + BigInt(i) * 1_000_003n,
      logo_sponsor: i % 2 === 0 ? 0n : 1_152_921_504_606_846_977n + BigInt(i),
      country_code: r.pick(['US', 'SE', 'CN', 'PE']),
      url: `https://example.test/team/${i}`,
      players: this.players.slice(i * 5, i * 5 + 5).map((p) => p.accountId),
    }));
  }

  player(accountId: number): WorldPlayer | undefined {
    return this.playerIndex.get(accountId);
  }

  /** Matches that exist now: the initial ones plus those that appeared since the world started. */
  matchCount(): number {
    const minutes = (this.now() - this.startedAt) / 60_000;
    return this.initialMatches + Math.floor(minutes * this.perMinute);
  }

  /** Every match that exists now, in sequence order (match_seq_num ascending). */
  matches(): MatchJson[] {
    const n = this.matchCount();
    while (this.generated.length < n) {
      const m = this.makeMatch(this.generated.length);
      this.generated.push(m);
      this.byId.set(m.match_id, m);
      for (const p of m.players) {
        const real = (p as { _account: number })._account;
        const list = this.byPlayer.get(real) ?? [];
        list.push(m);
        this.byPlayer.set(real, list);
      }
    }
    return this.generated.slice(0, n);
  }

  match(matchId: number): MatchJson | undefined {
    this.matches();
    return this.byId.get(matchId);
  }

  /** A player's matches, newest first (all of them; Valve's 500 cap is applied by the endpoint). */
  historyOf(accountId: number): MatchJson[] {
    this.matches();
    return [...(this.byPlayer.get(accountId) ?? [])].reverse();
  }

  private makeMatch(i: number): MatchJson {
    const r = new Random(`${this.seed}/match/${i}`);
    const total = Math.max(this.initialMatches, 1);
    const newSchema = i >= Math.floor(total * 0.3);
    const duration = r.int(900, 3600);
    const end = WORLD_EPOCH + i * 120 + r.int(0, 100);
    const start = end - duration;
    const practice = r.chance(0.03);
    const league = !practice && r.chance(0.12) ? r.pick(this.leagues) : undefined;
    const lobbyType = practice ? 1 : league ? 2 : r.pick([0, 7, 7, 7]);
    // 10 distinct players, some much more active than others (the first players of the list play most).
    const chosen = new Set<number>();
    while (chosen.size < 10) chosen.add(Math.floor(r.float() ** 1.6 * this.players.length));
    const heroes = new Set<number>();
    while (heroes.size < 10) heroes.add(r.pick(this.heroes).id);
    const heroList = [...heroes];
    const radiantWin = r.chance(0.52);
    const players = [...chosen].map((pi, slotIndex) => {
      const wp = this.players[pi]!;
      const slot = slotIndex < 5 ? slotIndex : 128 + slotIndex - 5;
      const heroId = heroList[slotIndex]!;
      const item = () => (r.chance(0.15) ? 0 : r.pick(this.shopItems).id);
      const p: Record<string, unknown> = {
        account_id: wp.private ? ANONYMOUS_ACCOUNT_ID : wp.accountId,
        player_slot: slot,
        hero_id: heroId,
        item_0: item(),
        item_1: item(),
        item_2: item(),
        item_3: item(),
        item_4: item(),
        item_5: item(),
        backpack_0: r.chance(0.5) ? item() : 0,
        backpack_1: 0,
        backpack_2: 0,
        kills: r.int(0, 20),
        deaths: r.int(0, 15),
        assists: r.int(0, 25),
        leaver_status: r.chance(0.03) ? r.pick([1, 2, 3]) : 0,
        gold: r.int(0, 5000),
        last_hits: r.int(0, 500),
        denies: r.int(0, 40),
        gold_per_min: r.int(200, 800),
        xp_per_min: r.int(250, 900),
        level: r.int(8, 30),
        hero_damage: r.int(1000, 60000),
        tower_damage: r.int(0, 15000),
        hero_healing: r.int(0, 8000),
        gold_spent: r.int(5000, 40000),
      };
      if (newSchema) {
        Object.assign(p, {
          scaled_hero_damage: r.int(1000, 50000),
          scaled_tower_damage: r.int(0, 12000),
          scaled_hero_healing: r.int(0, 7000),
          team_number: slot < 128 ? 0 : 1,
          team_slot: slot & 0x7f,
          hero_variant: r.int(0, 2),
          item_neutral: r.pick(this.neutralItems).id,
          item_neutral2: 0,
          net_worth: r.int(5000, 45000),
          aghanims_scepter: r.int(0, 1),
          aghanims_shard: r.int(0, 1),
          moonshard: 0,
          ability_upgrades: [{ ability: 5000 + r.int(0, 500), time: r.int(0, 200), level: 1 }],
        });
      }
      // Lone Druid's Spirit Bear carries items of its own.
      if (heroId === 80) p.additional_units = [{ unitname: 'spirit_bear', item_0: item(), item_1: item(), item_2: 0, item_3: 0, item_4: 0, item_5: 0 }];
      Object.defineProperty(p, '_account', { value: wp.accountId, enumerable: false });
      return p;
    });
    const m: MatchJson = {
      players: players as MatchJson['players'],
      radiant_win: radiantWin,
      duration,
      pre_game_duration: newSchema ? 90 : undefined,
      start_time: start,
      match_id: FIRST_MATCH_ID + i * 17 + r.int(0, 9),
      match_seq_num: FIRST_SEQ + i,
      tower_status_radiant: r.int(0, 2047),
      tower_status_dire: r.int(0, 2047),
      barracks_status_radiant: r.int(0, 63),
      barracks_status_dire: r.int(0, 63),
      cluster: r.pick([111, 122, 133, 151, 181]),
      first_blood_time: r.int(0, 300),
      lobby_type: lobbyType,
      human_players: 10,
      leagueid: league?.league_id ?? 0,
      positive_votes: 0,
      negative_votes: 0,
      game_mode: league ? 2 : r.pick([1, 22, 22, 23]),
      flags: newSchema ? 1 : undefined,
      engine: 1,
    };
    for (const k of Object.keys(m)) if (m[k] === undefined) delete m[k];
    if (newSchema) {
      const kills = (side: number) => players.filter((_, s) => (s < 5 ? 0 : 1) === side).reduce((a, p) => a + (p.kills as number), 0);
      // Not always the sum of the side's kills (denied heroes, suicides), as Valve's are.
      m.radiant_score = kills(0) + (r.chance(0.2) ? 1 : 0);
      m.dire_score = kills(1);
      const bans = [...this.heroes].filter((h) => !heroes.has(h.id)).map((h) => h.id);
      m.picks_bans = [
        ...Array.from({ length: 4 }, (_, k) => ({ is_pick: false, hero_id: bans[(i * 7 + k * 13) % bans.length]!, team: k % 2, order: k })),
        ...heroList.map((h, k) => ({ is_pick: true, hero_id: h, team: k < 5 ? 0 : 1, order: 4 + k })),
      ];
      // A field this parser has never heard of: it must be kept, not fatal.
      m.sim_future_field = { version: 2 };
    }
    if (league) {
      const [a, b] = [r.pick(this.teams), r.pick(this.teams)];
      const dire = a === b ? this.teams[(this.teams.indexOf(a) + 1) % this.teams.length]! : b;
      Object.assign(m, {
        radiant_team_id: a.team_id,
        radiant_name: a.name,
        radiant_logo: a.logo,
        radiant_team_complete: 1,
        radiant_captain: a.players[0],
        dire_team_id: dire.team_id,
        dire_name: dire.name,
        dire_logo: dire.logo,
        dire_team_complete: 1,
        dire_captain: dire.players[0],
      });
    }
    return m;
  }

  /** The GetPlayerSummaries entry of a player (private profiles show fewer fields), or undefined. */
  summary(accountId: number): Record<string, unknown> | undefined {
    const p = this.playerIndex.get(accountId);
    if (!p || p.hidden) return undefined;
    const base: Record<string, unknown> = {
      steamid: steamId64(accountId).toString(),
      communityvisibilitystate: p.private ? 1 : 3,
      profilestate: 1,
      personaname: p.personaname,
      profileurl: `https://steamcommunity.com/profiles/${steamId64(accountId)}/`,
      avatar: `https://avatars.example.test/${accountId}.jpg`,
      avatarmedium: `https://avatars.example.test/${accountId}_medium.jpg`,
      avatarfull: `https://avatars.example.test/${accountId}_full.jpg`,
      avatarhash: 'fef49e7fa7e1997310d705b2a6158ff8dc1cdfeb',
      lastlogoff: 1_760_000_000 + (accountId % 100_000),
      personastate: accountId % 3,
    };
    if (!p.private) Object.assign(base, { timecreated: p.timecreated, primaryclanid: '103582791429521408', ...(p.country ? { loccountrycode: p.country } : {}) });
    return base;
  }
}

/** The world as plain data, for tests to compare a mirror against (64-bit values as strings). */
export function groundTruth(world: World) {
  const matches = world.matches();
  return {
    heroes: world.heroes.map((h) => ({ hero_id: h.id, name: h.name, localized_name: h.localized_name })),
    items: world.items.map((i) => ({ item_id: i.id, name: i.name, cost: i.cost, localized_name: i.localized_name })),
    leagues: world.leagues.map((l) => ({ league_id: l.league_id, name: l.name, tier: l.tier })),
    teams: world.teams.map((t) => ({ team_id: t.team_id, name: t.name, tag: t.tag, logo: t.logo.toString(), logo_sponsor: t.logo_sponsor.toString() })),
    players: world.players.map((p) => ({ account_id: p.accountId, personaname: p.personaname, private: p.private, in_summaries: !p.hidden })),
    matches: matches.map((m) => ({
      match_id: m.match_id,
      match_seq_num: m.match_seq_num,
      start_time: m.start_time,
      radiant_win: m.radiant_win as boolean,
      lobby_type: m.lobby_type,
      leagueid: m.leagueid as number,
      radiant_team_id: (m.radiant_team_id as number | undefined) ?? null,
      dire_team_id: (m.dire_team_id as number | undefined) ?? null,
      schema: 'radiant_score' in m ? 'new' : 'old',
      picks_bans: Array.isArray(m.picks_bans) ? m.picks_bans.length : 0,
      players: m.players.map((p) => ({
        player_slot: p.player_slot as number,
        account_id: p.account_id === ANONYMOUS_ACCOUNT_ID ? null : (p.account_id as number),
        hero_id: p.hero_id as number,
        kills: p.kills as number,
        deaths: p.deaths as number,
        assists: p.assists as number,
        additional_units: Array.isArray(p.additional_units) ? p.additional_units.length : 0,
      })),
    })),
  };
}

export type GroundTruth = ReturnType<typeof groundTruth>;
