/**
 * The lake's tables: name, grain and typed columns (DuckDB types). Flattening emits rows as arrays in this
 * column order; the writer and the warehouse's staging views read the same definitions.
 */
export interface TableDef {
  name: string;
  /** What one row is. */
  grain: string;
  columns: ReadonlyArray<readonly [name: string, type: string]>;
  /** Hive partition columns (a subset of columns). */
  partitionBy: readonly string[];
}

/**
 * Columns every lake table starts with. Flattening does not repeat them per child row: the commit joins
 * them from the event's row by its line, so a player_state with 30 items writes its envelope once.
 */
export const COMMON = [
  ['batch_id', 'VARCHAR'],
  ['line', 'BIGINT'],
  ['event_id', 'VARCHAR'],
  ['event_type', 'VARCHAR'],
  ['event_date', 'DATE'],
  ['product_id', 'VARCHAR'],
  ['occurred_at', 'TIMESTAMPTZ'],
] as const;

/** What flattening emits for the `events` table (the envelope), before batch_id and line are added. */
export const EVENT_ENVELOPE_COLUMNS = [
  ['event_id', 'VARCHAR'],
  ['event_type', 'VARCHAR'],
  ['event_date', 'DATE'],
  ['product_id', 'VARCHAR'],
  ['occurred_at', 'TIMESTAMPTZ'],
  ['schema_version', 'INTEGER'],
  ['extra', 'JSON'],
] as const;

const BY_TYPE_DATE = ['event_type', 'event_date'] as const;

/** `columns` are what flattening emits for the table; the lake file has COMMON columns first. */
const def = (name: string, grain: string, columns: ReadonlyArray<readonly [string, string]>): TableDef => ({
  name,
  grain,
  columns,
  partitionBy: BY_TYPE_DATE,
});

export const TABLES = {
  events: def('events', 'one row per accepted event', EVENT_ENVELOPE_COLUMNS),
  exrps_events: def('exrps_events', 'one row per exrps-style game event (game_over, select_weapon, ...)', [
    ['game_id', 'VARCHAR'],
    ['user_id', 'VARCHAR'],
    ['event_data', 'VARCHAR'],
    ['weapon', 'VARCHAR'],
    ['progress_event', 'VARCHAR'],
    ['p1_id', 'VARCHAR'],
    ['p2_id', 'VARCHAR'],
    ['round_winner_id', 'VARCHAR'],
    ['round_loser_id', 'VARCHAR'],
    ['winner_id', 'VARCHAR'],
    ['loser_id', 'VARCHAR'],
    ['new_state', 'VARCHAR'],
  ]),
  player_states: def('player_states', 'one row per player_created or player_state snapshot', [
    ['state_id', 'VARCHAR'],
    ['player_id', 'BIGINT'],
    ['username', 'VARCHAR'],
    ['player_class', 'VARCHAR'],
    ['gold', 'DOUBLE'],
    ['max_capacity', 'INTEGER'],
    ['current_capacity', 'INTEGER'],
    ['distinct_items', 'INTEGER'],
    ['item_value', 'DOUBLE'],
  ]),
  player_inventory: def('player_inventory', 'one row per item in a player_created/player_state inventory', [
    ['state_id', 'VARCHAR'],
    ['player_id', 'BIGINT'],
    ['username', 'VARCHAR'],
    ['item_id', 'INTEGER'],
    ['item_name', 'VARCHAR'],
    ['item_level', 'INTEGER'],
    ['item_value', 'DOUBLE'],
    ['quantity', 'INTEGER'],
  ]),
  trades: def('trades', 'one row per trade event', [
    ['trade_id', 'VARCHAR'],
    ['valid', 'BOOLEAN'],
    ['fail_reason', 'VARCHAR'],
    ['player_a', 'BIGINT'],
    ['player_b', 'BIGINT'],
    ['value_a', 'DOUBLE'],
    ['value_b', 'DOUBLE'],
  ]),
  trade_sides: def('trade_sides', 'one row per side of a trade (a gold-only or empty side is still a row)', [
    ['trade_id', 'VARCHAR'],
    ['side', 'INTEGER'],
    ['player_id', 'BIGINT'],
    ['counterparty_id', 'BIGINT'],
    ['gold', 'DOUBLE'],
    ['item_count', 'INTEGER'],
    ['items_value', 'DOUBLE'],
    ['value_given', 'DOUBLE'],
    ['value_received', 'DOUBLE'],
    ['valid', 'BOOLEAN'],
    ['fail_reason', 'VARCHAR'],
  ]),
  trade_items: def('trade_items', 'one row per item kind offered by one side of a trade', [
    ['trade_id', 'VARCHAR'],
    ['side', 'INTEGER'],
    ['player_id', 'BIGINT'],
    ['receiver_id', 'BIGINT'],
    ['item_id', 'INTEGER'],
    ['item_name', 'VARCHAR'],
    ['item_level', 'INTEGER'],
    ['item_value', 'DOUBLE'],
    ['quantity', 'INTEGER'],
    ['valid', 'BOOLEAN'],
  ]),
  placebo_events: def('placebo_events', 'one row per Placebo API event', [
    ['user_id', 'VARCHAR'],
    ['username', 'VARCHAR'],
    ['wealth', 'DOUBLE'],
    ['item_type', 'VARCHAR'],
    ['cost', 'DOUBLE'],
    ['status', 'VARCHAR'],
    ['org', 'VARCHAR'],
    ['level', 'INTEGER'],
    ['player_created_at', 'TIMESTAMPTZ'],
    ['player_wealth', 'DOUBLE'],
  ]),
  placebo_inventory: def('placebo_inventory', 'one row per element of a Placebo player\'s inventory in a purchase/join event', [
    ['user_id', 'VARCHAR'],
    ['position', 'INTEGER'],
    ['item', 'VARCHAR'],
  ]),
  placebo_affiliations: def('placebo_affiliations', 'one row per affiliation of a Placebo player in a purchase/join event', [
    ['user_id', 'VARCHAR'],
    ['position', 'INTEGER'],
    ['org', 'VARCHAR'],
    ['level', 'INTEGER'],
    ['joined_at', 'TIMESTAMPTZ'],
  ]),
} as const satisfies Record<string, TableDef>;

export type EventTableName = keyof typeof TABLES;
export const EVENT_TABLE_NAMES = Object.keys(TABLES) as EventTableName[];

/** Rejected and duplicate lines: one row per line that was not accepted. */
export const QUARANTINE: TableDef = {
  name: 'quarantine',
  grain: 'one row per rejected or duplicate line of a batch',
  columns: [
    ['batch_id', 'VARCHAR'],
    ['line', 'BIGINT'],
    ['kind', 'VARCHAR'],
    ['reason', 'VARCHAR'],
    ['event_id', 'VARCHAR'],
    ['raw', 'VARCHAR'],
    ['raw_bytes', 'BIGINT'],
  ],
  partitionBy: [],
};

/** Longest raw text kept in quarantine (a too_large line keeps its head). */
export const QUARANTINE_RAW_LIMIT = 64 * 1024;
