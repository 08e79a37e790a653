/**
 * The Steam mirror's lake tables: one Parquet folder each under lake/steam/<table>/. Rows are append-only
 * and carry fetched_at; staging keeps the newest row per key. Column types are DuckDB's.
 */

export type SteamColumnType = 'BIGINT' | 'UBIGINT' | 'INTEGER' | 'VARCHAR' | 'BOOLEAN' | 'JSON';
export type SteamCell = number | bigint | string | boolean | null;
export type SteamRow = Record<string, SteamCell>;

export interface SteamTable {
  /** Columns that identify a row (the newest row per key wins in staging). */
  key: readonly string[];
  columns: ReadonlyArray<readonly [string, SteamColumnType]>;
}

const int = (...names: string[]) => names.map((n) => [n, 'INTEGER'] as const);
const items = (prefix = '') => int(...[0, 1, 2, 3, 4, 5].map((i) => `${prefix}item_${i}`));

/** Match fields copied as they are (when present) into `matches`. */
export const MATCH_SCALARS = [
  ...int(
    'duration',
    'pre_game_duration',
    'first_blood_time',
    'lobby_type',
    'game_mode',
    'human_players',
    'leagueid',
    'cluster',
    'flags',
    'engine',
    'radiant_score',
    'dire_score',
    'tower_status_radiant',
    'tower_status_dire',
    'barracks_status_radiant',
    'barracks_status_dire',
    'positive_votes',
    'negative_votes',
  ),
] as const;

const TEAM_SIDE = (side: 'radiant' | 'dire') =>
  [
    [`${side}_team_id`, 'BIGINT'],
    [`${side}_name`, 'VARCHAR'],
    [`${side}_logo`, 'UBIGINT'],
    [`${side}_team_complete`, 'INTEGER'],
    [`${side}_captain`, 'BIGINT'],
  ] as const;

export const PLAYER_STATS = int(
  'kills',
  'deaths',
  'assists',
  'leaver_status',
  'gold',
  'last_hits',
  'denies',
  'gold_per_min',
  'xp_per_min',
  'level',
  'hero_damage',
  'tower_damage',
  'hero_healing',
  'gold_spent',
  'scaled_hero_damage',
  'scaled_tower_damage',
  'scaled_hero_healing',
  'net_worth',
  'team_number',
  'team_slot',
  'hero_variant',
  'aghanims_scepter',
  'aghanims_shard',
  'moonshard',
);

export const PLAYER_ITEMS = [...items(), ...int('backpack_0', 'backpack_1', 'backpack_2', 'item_neutral', 'item_neutral2')];

export const STEAM_TABLES = {
  matches: {
    key: ['match_id'],
    columns: [
      ['match_id', 'BIGINT'],
      ['match_seq_num', 'BIGINT'],
      ['start_time', 'BIGINT'],
      ['radiant_win', 'BOOLEAN'],
      ...MATCH_SCALARS,
      ...TEAM_SIDE('radiant'),
      ...TEAM_SIDE('dire'),
      ['player_count', 'INTEGER'],
      ['schema', 'VARCHAR'],
      ['source', 'VARCHAR'],
      ['extra', 'JSON'],
      ['fetched_at', 'BIGINT'],
    ],
  },
  match_players: {
    key: ['match_id', 'player_slot'],
    columns: [
      ['match_id', 'BIGINT'],
      ['player_slot', 'INTEGER'],
      ['side', 'VARCHAR'],
      ['account_id', 'BIGINT'],
      ['anonymous', 'BOOLEAN'],
      ['steamid64', 'UBIGINT'],
      ['hero_id', 'INTEGER'],
      ...PLAYER_ITEMS,
      ...PLAYER_STATS,
      ['ability_upgrades', 'JSON'],
      ['extra', 'JSON'],
      ['fetched_at', 'BIGINT'],
    ],
  },
  picks_bans: {
    key: ['match_id', 'pick_order'],
    columns: [
      ['match_id', 'BIGINT'],
      ['pick_order', 'INTEGER'],
      ['is_pick', 'BOOLEAN'],
      ['hero_id', 'INTEGER'],
      ['team', 'INTEGER'],
      ['side', 'VARCHAR'],
      ['fetched_at', 'BIGINT'],
    ],
  },
  additional_units: {
    key: ['match_id', 'player_slot', 'unit_index'],
    columns: [['match_id', 'BIGINT'], ['player_slot', 'INTEGER'], ['unit_index', 'INTEGER'], ['unitname', 'VARCHAR'], ...items(), ['extra', 'JSON'], ['fetched_at', 'BIGINT']],
  },
  players: {
    key: ['account_id'],
    columns: [
      ['account_id', 'BIGINT'],
      ['steamid64', 'UBIGINT'],
      ['personaname', 'VARCHAR'],
      ['profileurl', 'VARCHAR'],
      ['avatar', 'VARCHAR'],
      ['avatarmedium', 'VARCHAR'],
      ['avatarfull', 'VARCHAR'],
      ['communityvisibilitystate', 'INTEGER'],
      ['profilestate', 'INTEGER'],
      ['personastate', 'INTEGER'],
      ['lastlogoff', 'BIGINT'],
      ['realname', 'VARCHAR'],
      ['loccountrycode', 'VARCHAR'],
      ['timecreated', 'BIGINT'],
      ['primaryclanid', 'VARCHAR'],
      ['extra', 'JSON'],
      ['fetched_at', 'BIGINT'],
    ],
  },
  heroes: {
    key: ['hero_id'],
    columns: [
      ['hero_id', 'INTEGER'],
      ['name', 'VARCHAR'],
      ['localized_name', 'VARCHAR'],
      ['extra', 'JSON'],
      ['fetched_at', 'BIGINT'],
    ],
  },
  items: {
    key: ['item_id'],
    columns: [
      ['item_id', 'INTEGER'],
      ['name', 'VARCHAR'],
      ['cost', 'INTEGER'],
      ['secret_shop', 'INTEGER'],
      ['side_shop', 'INTEGER'],
      ['recipe', 'INTEGER'],
      ['localized_name', 'VARCHAR'],
      ['extra', 'JSON'],
      ['fetched_at', 'BIGINT'],
    ],
  },
  leagues: {
    key: ['league_id'],
    columns: [
      ['league_id', 'BIGINT'],
      ['name', 'VARCHAR'],
      ['tier', 'INTEGER'],
      ['region', 'INTEGER'],
      ['most_recent_activity', 'BIGINT'],
      ['total_prize_pool', 'BIGINT'],
      ['start_timestamp', 'BIGINT'],
      ['end_timestamp', 'BIGINT'],
      ['status', 'INTEGER'],
      ['extra', 'JSON'],
      ['fetched_at', 'BIGINT'],
    ],
  },
  teams: {
    key: ['team_id'],
    columns: [
      ['team_id', 'BIGINT'],
      ['name', 'VARCHAR'],
      ['tag', 'VARCHAR'],
      ['time_created', 'BIGINT'],
      ['logo', 'UBIGINT'],
      ['logo_sponsor', 'UBIGINT'],
      ['country_code', 'VARCHAR'],
      ['url', 'VARCHAR'],
      ['admin_account_id', 'BIGINT'],
      ['extra', 'JSON'],
      ['fetched_at', 'BIGINT'],
    ],
  },
  /** What a player's match history says: the player played this match (known before the match is mirrored). */
  match_refs: {
    key: ['account_id', 'match_id'],
    columns: [
      ['account_id', 'BIGINT'],
      ['match_id', 'BIGINT'],
      ['match_seq_num', 'BIGINT'],
      ['start_time', 'BIGINT'],
      ['lobby_type', 'INTEGER'],
      ['hero_id', 'INTEGER'],
      ['player_slot', 'INTEGER'],
      ['fetched_at', 'BIGINT'],
    ],
  },
  /** Permanent answers about one entity: a private match history, a match Valve does not know. */
  entity_facts: {
    key: ['entity', 'entity_id', 'fact'],
    columns: [
      ['entity', 'VARCHAR'],
      ['entity_id', 'BIGINT'],
      ['fact', 'VARCHAR'],
      ['detail', 'VARCHAR'],
      ['fetched_at', 'BIGINT'],
    ],
  },
  /** One row per sweep and entity type: how complete the mirror was before and after. */
  sweeps: {
    key: ['sweep_id', 'entity'],
    columns: [
      ['sweep_id', 'VARCHAR'],
      ['entity', 'VARCHAR'],
      ['total_before', 'BIGINT'],
      ['complete_before', 'BIGINT'],
      ['stubs_before', 'BIGINT'],
      ['total_after', 'BIGINT'],
      ['complete_after', 'BIGINT'],
      ['stubs_after', 'BIGINT'],
      ['api_calls', 'BIGINT'],
      ['started_at', 'BIGINT'],
      ['fetched_at', 'BIGINT'],
    ],
  },
} as const satisfies Record<string, SteamTable>;

export type SteamTableName = keyof typeof STEAM_TABLES;
export const STEAM_TABLE_NAMES = Object.keys(STEAM_TABLES) as SteamTableName[];

/** The column list of a table for CREATE TABLE (JSON columns are stored as VARCHAR). */
export function steamColumnsDdl(name: SteamTableName): string {
  return STEAM_TABLES[name].columns.map(([c, t]) => `"${c}" ${t === 'JSON' ? 'VARCHAR' : t}`).join(', ');
}

/** Rows per lake table produced by one response. */
export type SteamRows = Partial<Record<SteamTableName, SteamRow[]>>;
