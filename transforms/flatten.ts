import { ENVELOPE, EVENT_TYPES } from './contract.ts';
import type { EventTableName } from './tables.ts';
import type { JsonObject, ValidEvent } from './validate.ts';

export type Cell = string | number | boolean | null;
export type Emit = (table: EventTableName, row: Cell[]) => void;

/** exrps weapon codes: "0" rock, "1" paper, "2" scissors, "null" botch (no weapon chosen in time). */
export const WEAPONS: Readonly<Record<string, string>> = { '0': 'rock', '1': 'paper', '2': 'scissors', null: 'botch' };

interface Item {
  item_id: number;
  name: string;
  level: number;
  value: number;
  quantity: number;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

const MS_PER_DAY = 86_400_000;
let lastDay = NaN;
let lastDate = '';

/** UTC calendar date (YYYY-MM-DD) of an instant (events come in time order: the last day is remembered). */
export function utcDate(ms: number): string {
  const day = Math.floor(ms / MS_PER_DAY);
  if (day !== lastDay) {
    lastDay = day;
    lastDate = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
  }
  return lastDate;
}

const KNOWN_FIELDS = new Map(
  Object.entries(EVENT_TYPES).map(([type, fields]) => [type, new Set([...ENVELOPE.map((f) => f.name), ...fields.map((f) => f.name)])]),
);

/** Top-level fields that the contract does not name: kept as JSON, not dropped. */
export function unknownFields(event: JsonObject, eventType: string): JsonObject | null {
  const known = KNOWN_FIELDS.get(eventType) ?? new Set(ENVELOPE.map((f) => f.name));
  let extra: JsonObject | null = null;
  for (const key of Object.keys(event)) {
    if (!known.has(key)) (extra ??= {})[key] = event[key];
  }
  return extra;
}

const itemsValue = (items: Item[]) => items.reduce((s, i) => s + i.value * i.quantity, 0);

/**
 * Flattens one validated event into typed rows of the lake's tables (see tables.ts for the columns and
 * grain of each), calling `emit` once per row: first the envelope row of `events`, then the rows of its
 * type's tables, which carry only their own columns (the envelope is joined back by line). Pure.
 */
export function flattenEvent(v: ValidEvent, emit: Emit): void {
  const e = v.event;
  const extra = unknownFields(e, v.eventType);
  emit('events', [v.eventId, v.eventType, utcDate(v.occurredMs), v.productId, e.occurred_at as string, num(e.schema_version) ?? 1, extra === null ? null : JSON.stringify(extra)]);

  switch (v.eventType) {
    case 'game_over':
    case 'select_weapon':
    case 'select_fighter':
    case 'set_ready':
    case 'progression':
    case 'state_change':
    case 'player_disconnect':
    case 'game_removed': {
      const weapon = v.eventType === 'select_weapon' ? (WEAPONS[e.event_data as string] ?? null) : null;
      emit('exrps_events', [
        str(e.game_id),
        str(e.user_id) ?? str(e.player_id),
        str(e.event_data),
        weapon,
        str(e.progress_event),
        str(e.p1_id),
        str(e.p2_id),
        str(e.round_winner_id),
        str(e.round_loser_id),
        str(e.winner_id),
        str(e.loser_id),
        str(e.new_state),
      ]);
      return;
    }
    case 'player_created':
    case 'player_state': {
      const inv = e.inventory as { max_capacity: number; current_capacity: number; items: Item[] };
      // player_created has no state_id in the contract: the event id names that first snapshot.
      const stateId = (str(e.state_id) ?? `created:${v.eventId}`);
      const kinds = new Set(inv.items.filter((i) => i.quantity > 0).map((i) => i.item_id)).size;
      emit('player_states', [stateId, e.player_id as number, e.username as string, e.player_class as string, e.gold as number, inv.max_capacity, inv.current_capacity, kinds, itemsValue(inv.items)]);
      for (const item of inv.items) {
        emit('player_inventory', [stateId, e.player_id as number, e.username as string, item.item_id, item.name, item.level, item.value, item.quantity]);
      }
      return;
    }
    case 'trade': {
      const sides = e.sides as Array<{ player_id: number; items: Item[]; gold: number }>;
      const [a, b] = sides as [(typeof sides)[0], (typeof sides)[0]];
      const given = sides.map((s) => itemsValue(s.items) + s.gold);
      const valid = e.valid as boolean;
      const failReason = str(e.fail_reason);
      emit('trades', [e.trade_id as string, valid, failReason, a.player_id, b.player_id, given[0]!, given[1]!]);
      sides.forEach((side, k) => {
        const other = sides[1 - k]!;
        emit('trade_sides', [e.trade_id as string, k, side.player_id, other.player_id, side.gold, side.items.length, itemsValue(side.items), given[k]!, given[1 - k]!, valid, failReason]);
        for (const item of side.items) {
          emit('trade_items', [e.trade_id as string, k, side.player_id, other.player_id, item.item_id, item.name, item.level, item.value, item.quantity, valid]);
        }
      });
      return;
    }
    case 'create_user':
    case 'login':
    case 'view_user_data':
    case 'buy_sword':
    case 'buy_spell':
    case 'join_guild':
    case 'join_team': {
      const player = (e.player ?? null) as { created_at: string; wealth: number; inventory: string[]; affiliations: Array<{ org: string; level: number; joined_at: string }> } | null;
      emit('placebo_events', [
        e.user_id as string,
        str(e.username),
        num(e.wealth) ?? (v.eventType === 'create_user' ? 100000 : null),
        str(e.item_type),
        num(e.cost),
        str(e.status),
        str(e.org),
        num(e.level),
        player?.created_at ?? null,
        player?.wealth ?? null,
      ]);
      if (player) {
        player.inventory.forEach((item, k) => emit('placebo_inventory', [e.user_id as string, k, item]));
        player.affiliations.forEach((a, k) => emit('placebo_affiliations', [e.user_id as string, k, a.org, a.level, a.joined_at]));
      }
      return;
    }
  }
}
