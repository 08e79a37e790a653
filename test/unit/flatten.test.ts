import { describe, expect, it } from 'vitest';
import { loadContracts } from '../../lake/contracts.ts';
import { flattenEvent, type Row } from '../../transforms/flatten.ts';
import { fileColumns, lakeTables } from '../../transforms/tables.ts';
import { validateLine, type Instant, type ValidEvent } from '../../transforms/validate.ts';
import { VALID } from '../fixtures/events.ts';

const registry = loadContracts();
const tables = lakeTables(registry);

/** The rows an event flattens into, per table; timestamps as ISO text. */
function rows(event: Record<string, unknown>): Record<string, Row[]> {
  const v = validateLine(JSON.stringify(event), registry, { latestMs: Date.parse('2030-01-01T00:00:00Z') }) as ValidEvent;
  expect(v.ok).toBe(true);
  const out: Record<string, Row[]> = {};
  flattenEvent(v, registry, (table, row) => {
    // Every row has only its table's columns (batch_id and line are the caller's; absent values are left out).
    const columns = fileColumns(tables.get(table)!)
      .map((c) => c.name)
      .filter((c) => c !== 'batch_id' && c !== 'line');
    const unknown = Object.keys(row).filter((key) => !columns.includes(key));
    expect(unknown, `${table} row`).toEqual([]);
    const plain = Object.fromEntries(Object.entries(row).map(([k, c]) => [k, c !== null && typeof c === 'object' ? (c as Instant).toISOString() : c]));
    (out[table] ??= []).push(plain);
  });
  return out;
}

const envelope = (type: string, product: string) => ({
  event_id: `e-${type}`,
  event_type: type,
  event_date: '2026-01-02',
  product_id: product,
  occurred_at: '2026-01-02T01:04:05.678Z',
});

describe('flattenEvent', () => {
  it('emits the events row first: envelope, UTC date, schema version, no extra', () => {
    expect(rows(VALID.set_ready!).events).toEqual([{ ...envelope('set_ready', 'exrps'), schema_version: 1, extra: null, typed: true }]);
  });

  it('keeps unknown top-level fields as JSON instead of dropping them', () => {
    expect(rows({ ...VALID.game_removed, region: 'eu', tags: ['a'] }).events![0]!.extra).toBe('{"region":"eu","tags":["a"]}');
  });

  it('writes one row per event type into its table, the columns its contract names', () => {
    expect(rows(VALID.game_over!).exrps_events).toEqual([{ ...envelope('game_over', 'exrps'), game_id: 'g1', winner_id: 'u1', loser_id: 'u2' }]);
    expect(rows(VALID.player_disconnect!).exrps_events![0]).toMatchObject({ user_id: 'u2' });
  });

  it('writes a snapshot and one row per inventory item, with the item index and carried columns', () => {
    const out = rows(VALID.player_created!);
    expect(out.player_states).toEqual([
      { ...envelope('player_created', 'trade-engine'), player_id: '1', username: 'p1', player_class: 'farmer', gold: 500, max_capacity: 999, current_capacity: 3 },
    ]);
    expect(out.player_inventory).toEqual([
      { ...envelope('player_created', 'trade-engine'), player_id: '1', username: 'p1', item_index: 0, item_id: 5, item_name: 'item 5', item_level: 1, item_value: 10, quantity: 2 },
      { ...envelope('player_created', 'trade-engine'), player_id: '1', username: 'p1', item_index: 1, item_id: 6, item_name: 'item 6', item_level: 1, item_value: 10, quantity: 1 },
    ]);
  });

  it('keeps a snapshot with an empty inventory as a row without item rows', () => {
    const out = rows(VALID.player_state!);
    expect(out.player_states).toHaveLength(1);
    expect(out.player_inventory).toBeUndefined();
  });

  it('writes a trade, both sides (the gold-only side too) and each item of each side', () => {
    const out = rows(VALID.trade!);
    const e = envelope('trade', 'trade-engine');
    expect(out.trades).toEqual([{ ...e, trade_id: 't1', valid: true, fail_reason: null }]);
    expect(out.trade_sides).toEqual([
      { ...e, trade_id: 't1', valid: true, fail_reason: null, side: 0, player_id: '1', gold: 0 },
      { ...e, trade_id: 't1', valid: true, fail_reason: null, side: 1, player_id: '2', gold: 20 },
    ]);
    expect(out.trade_items).toEqual([
      { ...e, trade_id: 't1', side: 0, player_id: '1', valid: true, item_index: 0, item_id: 5, item_name: 'item 5', item_level: 1, item_value: 10, quantity: 2 },
    ]);
  });

  it('applies a field default and never writes a password', () => {
    const out = rows({ ...VALID.create_user, wealth: undefined });
    expect(out.placebo_events).toEqual([{ ...envelope('create_user', 'placebo'), user_id: 'u1', username: 'neo', wealth: 100000 }]);
    expect(JSON.stringify(out)).not.toContain('hunter2');
  });

  it("flattens a purchase's player state: one row per inventory entry and per affiliation", () => {
    const out = rows(VALID.buy_sword!);
    const e = envelope('buy_sword', 'placebo');
    expect(out.placebo_events).toEqual([
      { ...e, user_id: 'u1', item_type: 'saber', cost: 50, status: 'approved_purchase', player_created_at: '2026-01-01T00:00:00.000Z', player_wealth: 100 },
    ]);
    expect(out.placebo_inventory).toEqual([{ ...e, user_id: 'u1', position: 0, item: 'dagger' }]);
    expect(out.placebo_affiliations).toEqual([{ ...e, user_id: 'u1', position: 0, org: 'red_team', level: '1', joined_at: '2026-01-01T00:00:00.000Z' }]);
  });

  it("puts a join's org, level (as text) and cost in their columns", () => {
    expect(rows(VALID.join_guild!).placebo_events![0]).toMatchObject({ org: 'iron_fist', level: '2', cost: 9000, status: 'approved_join' });
  });

  it.each(Object.keys(VALID))('emits exactly one events row for %s', (type) => {
    expect(rows(VALID[type]!).events).toHaveLength(1);
  });
});
