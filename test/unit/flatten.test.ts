import { describe, expect, it } from 'vitest';
import { flattenEvent, type Cell } from '../../transforms/flatten.ts';
import { TABLES, type EventTableName } from '../../transforms/tables.ts';
import { validateLine, type ValidEvent } from '../../transforms/validate.ts';
import { VALID } from '../fixtures/events.ts';

function rows(event: Record<string, unknown>): Partial<Record<EventTableName, Array<Record<string, Cell>>>> {
  const v = validateLine(JSON.stringify(event), { latestMs: Date.parse('2030-01-01T00:00:00Z') }) as ValidEvent;
  expect(v.ok).toBe(true);
  const out: Partial<Record<EventTableName, Array<Record<string, Cell>>>> = {};
  flattenEvent(v, (table, row) => {
    const columns = TABLES[table].columns;
    expect(row).toHaveLength(columns.length);
    (out[table] ??= []).push(Object.fromEntries(columns.map(([name], k) => [name, row[k]!])));
  });
  return out;
}

describe('flattenEvent', () => {
  it('emits the envelope row first, with the UTC event date and no unknown fields', () => {
    const out = rows(VALID.set_ready!);
    expect(out.events).toEqual([
      { event_id: 'e-set_ready', event_type: 'set_ready', event_date: '2026-01-02', product_id: 'exrps', occurred_at: '2026-01-02T03:04:05.678+02:00', schema_version: 1, extra: null },
    ]);
  });

  it('keeps unknown top-level fields as JSON instead of dropping them', () => {
    const out = rows({ ...VALID.game_removed, region: 'eu', tags: ['a'] });
    expect(JSON.parse(out.events![0]!.extra as string)).toEqual({ region: 'eu', tags: ['a'] });
  });

  it.each([
    ['0', 'rock'],
    ['1', 'paper'],
    ['2', 'scissors'],
    ['null', 'botch'],
  ])('maps exrps weapon code %s to %s', (code, weapon) => {
    const out = rows({ ...VALID.select_weapon, event_data: code });
    expect(out.exrps_events).toEqual([expect.objectContaining({ game_id: 'g1', user_id: 'u1', event_data: code, weapon })]);
  });

  it('puts game_over winner and loser in their columns', () => {
    expect(rows(VALID.game_over!).exrps_events).toEqual([expect.objectContaining({ winner_id: 'u1', loser_id: 'u2', weapon: null, user_id: null })]);
  });

  it('uses player_id of a disconnect as the user', () => {
    expect(rows(VALID.player_disconnect!).exrps_events![0]).toMatchObject({ user_id: 'u2' });
  });

  it('writes one state row and one row per inventory item for player_created', () => {
    const out = rows(VALID.player_created!);
    expect(out.player_states).toEqual([
      { state_id: 'created:e-player_created', player_id: 1, username: 'p1', player_class: 'farmer', gold: 500, max_capacity: 999, current_capacity: 3, distinct_items: 2, item_value: 30 },
    ]);
    expect(out.player_inventory).toEqual([
      { state_id: 'created:e-player_created', player_id: 1, username: 'p1', item_id: 5, item_name: 'item 5', item_level: 1, item_value: 10, quantity: 2 },
      { state_id: 'created:e-player_created', player_id: 1, username: 'p1', item_id: 6, item_name: 'item 6', item_level: 1, item_value: 10, quantity: 1 },
    ]);
  });

  it('keeps a snapshot with an empty inventory as a state row without item rows', () => {
    const out = rows(VALID.player_state!);
    expect(out.player_states).toHaveLength(1);
    expect(out.player_inventory).toBeUndefined();
  });

  it('writes a trade, both sides (the gold-only side too) and each traded item', () => {
    const out = rows(VALID.trade!);
    expect(out.trades).toEqual([{ trade_id: 't1', valid: true, fail_reason: null, player_a: 1, player_b: 2, value_a: 20, value_b: 20 }]);
    expect(out.trade_sides).toEqual([
      { trade_id: 't1', side: 0, player_id: 1, counterparty_id: 2, gold: 0, item_count: 1, items_value: 20, value_given: 20, value_received: 20, valid: true, fail_reason: null },
      { trade_id: 't1', side: 1, player_id: 2, counterparty_id: 1, gold: 20, item_count: 0, items_value: 0, value_given: 20, value_received: 20, valid: true, fail_reason: null },
    ]);
    expect(out.trade_items).toEqual([{ trade_id: 't1', side: 0, player_id: 1, receiver_id: 2, item_id: 5, item_name: 'item 5', item_level: 1, item_value: 10, quantity: 2, valid: true }]);
  });

  it('computes a lopsided trade\'s values', () => {
    const trade = { ...VALID.trade, valid: false, fail_reason: 'not enough gold', sides: [{ player_id: 1, items: [{ item_id: 20, name: 'Proof of Loyalty', level: 1, value: 1000000, quantity: 1 }], gold: 5 }, { player_id: 2, items: [], gold: 1 }] };
    const out = rows(trade);
    expect(out.trades![0]).toMatchObject({ value_a: 1000005, value_b: 1, valid: false, fail_reason: 'not enough gold' });
  });

  it('drops the password of create_user and defaults wealth', () => {
    const out = rows({ ...VALID.create_user, wealth: undefined });
    expect(out.placebo_events).toEqual([expect.objectContaining({ user_id: 'u1', username: 'neo', wealth: 100000 })]);
    expect(JSON.stringify(out)).not.toContain('hunter2');
  });

  it('flattens a purchase\'s player state: one row per inventory item and per affiliation', () => {
    const out = rows(VALID.buy_sword!);
    expect(out.placebo_events).toEqual([
      { user_id: 'u1', username: null, wealth: null, item_type: 'saber', cost: 50, status: 'approved_purchase', org: null, level: null, player_created_at: '2026-01-01T00:00:00Z', player_wealth: 100 },
    ]);
    expect(out.placebo_inventory).toEqual([{ user_id: 'u1', position: 0, item: 'dagger' }]);
    expect(out.placebo_affiliations).toEqual([{ user_id: 'u1', position: 0, org: 'red_team', level: 1, joined_at: '2026-01-01T00:00:00Z' }]);
  });

  it('puts a join\'s org, level and cost in their columns', () => {
    expect(rows(VALID.join_guild!).placebo_events![0]).toMatchObject({ org: 'iron_fist', level: 2, cost: 9000, status: 'approved_join' });
  });

  it.each(Object.keys(VALID))('emits exactly one envelope row for %s', (type) => {
    expect(rows(VALID[type]!).events).toHaveLength(1);
  });
});
