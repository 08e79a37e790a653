/**
 * The game event contract (shared/reference/game-events.md) as data: the envelope and, per event type,
 * the payload fields with their types and ranges. Validation, the simulator's bad lines and the docs all
 * read this one table.
 */
export type FieldType = 'string' | 'int' | 'number' | 'bool' | 'timestamp' | 'object' | 'array';

export interface FieldSpec {
  name: string;
  type: FieldType;
  /** Absent or null fails with missing_field:<name> unless `nullable`. */
  required: boolean;
  /** null is an accepted value (still present). */
  nullable?: boolean;
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
  /** Accepted values (strings). */
  oneOf?: readonly string[];
}

export const ENVELOPE: readonly FieldSpec[] = [
  { name: 'event_id', type: 'string', required: true, minLength: 1, maxLength: 128 },
  { name: 'event_type', type: 'string', required: true, minLength: 1 },
  { name: 'product_id', type: 'string', required: true, minLength: 1, maxLength: 64 },
  { name: 'occurred_at', type: 'timestamp', required: true },
  { name: 'schema_version', type: 'int', required: false, min: 1 },
];

const s = (name: string, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type: 'string', required: true, minLength: 1, ...extra });
const i = (name: string, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type: 'int', required: true, ...extra });

const inventoryOwner = [
  i('player_id', { min: 0 }),
  s('username'),
  s('player_class'),
  i('gold', { min: 0 }),
  { name: 'inventory', type: 'object', required: true },
] satisfies FieldSpec[];

const placeboPlayer: FieldSpec = { name: 'player', type: 'object', required: true };

export const EVENT_TYPES: Readonly<Record<string, readonly FieldSpec[]>> = {
  // exrps
  game_over: [s('game_id'), s('winner_id'), s('loser_id')],
  select_weapon: [s('game_id'), s('user_id'), s('event_data', { oneOf: ['0', '1', '2', 'null'] })],
  select_fighter: [s('game_id'), s('user_id'), s('event_data')],
  set_ready: [s('game_id'), s('user_id')],
  progression: [
    s('game_id'),
    s('progress_event', { oneOf: ['round_started', 'round_finished'] }),
    s('p1_id'),
    s('p2_id'),
    s('round_winner_id', { required: false }),
    s('round_loser_id', { required: false }),
  ],
  state_change: [s('game_id'), s('new_state', { oneOf: ['creator_joined', 'all_players_joined'] })],
  player_disconnect: [s('game_id'), s('player_id')],
  game_removed: [s('game_id')],
  // trade-engine
  player_created: inventoryOwner,
  player_state: [s('state_id'), ...inventoryOwner],
  trade: [
    s('trade_id'),
    { name: 'valid', type: 'bool', required: true },
    s('fail_reason', { required: false, nullable: true }),
    { name: 'sides', type: 'array', required: true, minLength: 2, maxLength: 2 },
  ],
  // placebo
  create_user: [s('user_id'), s('username'), s('password', { required: false }), { name: 'wealth', type: 'number', required: false }],
  login: [s('user_id'), s('password', { required: false })],
  buy_sword: [s('user_id'), s('item_type'), { name: 'cost', type: 'number', required: true, min: 0 }, s('status', { oneOf: ['approved_purchase', 'insufficient_funds'] }), placeboPlayer],
  buy_spell: [s('user_id'), s('item_type'), { name: 'cost', type: 'number', required: true, min: 0 }, s('status', { oneOf: ['approved_purchase', 'insufficient_funds'] }), placeboPlayer],
  join_guild: [s('user_id'), s('org'), i('level', { min: 0 }), { name: 'cost', type: 'number', required: true, min: 0 }, s('status', { oneOf: ['approved_join'] }), placeboPlayer],
  join_team: [s('user_id'), s('org'), i('level', { min: 0 }), { name: 'cost', type: 'number', required: true, min: 0 }, s('status', { oneOf: ['approved_join'] }), placeboPlayer],
  view_user_data: [s('user_id')],
};

/** Fields removed before anything is written (secrets). */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['password']);

/** Default longest accepted line, in bytes. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
