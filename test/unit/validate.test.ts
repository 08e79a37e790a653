import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../transforms/contract.ts';
import { redactRawLine, validateLine } from '../../transforms/validate.ts';
import { VALID } from '../fixtures/events.ts';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const opts = { latestMs: NOW + 5 * 60_000, maxLineBytes: 4096 };
const mutate = (type: string, change: (e: Record<string, unknown>) => void) => {
  const e = structuredClone(VALID[type]!);
  change(e);
  return JSON.stringify(e);
};

describe('validateLine accepts every event type of the contract', () => {
  it('has an example for each type', () => expect(Object.keys(VALID).sort()).toEqual(Object.keys(EVENT_TYPES).sort()));
  it.each(Object.entries(VALID))('%s', (type, event) => {
    const result = validateLine(JSON.stringify(event), opts);
    expect(result).toMatchObject({ ok: true, eventType: type, eventId: `e-${type}`, occurredMs: Date.parse('2026-01-02T01:04:05.678Z') });
  });
});

describe('validateLine rejects with the contract reason', () => {
  it.each([
    ['invalid JSON', '{"event_id": "x", ', 'invalid_json'],
    ['an array', '[1, 2]', 'not_an_object'],
    ['a string', '"hello"', 'not_an_object'],
    ['an empty line', '   ', 'empty_line'],
    ['an oversized line', JSON.stringify({ ...VALID.set_ready, pad: 'x'.repeat(5000) }), 'too_large'],
    ['no event_id', mutate('set_ready', (e) => delete e.event_id), 'missing_field:event_id'],
    ['an empty event_id', mutate('set_ready', (e) => (e.event_id = '')), 'out_of_range:event_id'],
    ['an event_id of 129 chars', mutate('set_ready', (e) => (e.event_id = 'x'.repeat(129))), 'out_of_range:event_id'],
    ['a numeric event_id', mutate('set_ready', (e) => (e.event_id = 12)), 'wrong_type:event_id'],
    ['no event_type', mutate('set_ready', (e) => delete e.event_type), 'missing_field:event_type'],
    ['no product_id', mutate('set_ready', (e) => delete e.product_id), 'missing_field:product_id'],
    ['no occurred_at', mutate('set_ready', (e) => delete e.occurred_at), 'missing_field:occurred_at'],
    ['occurred_at without offset', mutate('set_ready', (e) => (e.occurred_at = '2026-01-01T00:00:00')), 'wrong_type:occurred_at'],
    ['occurred_at month 13', mutate('set_ready', (e) => (e.occurred_at = '2026-13-01T00:00:00Z')), 'wrong_type:occurred_at'],
    ['occurred_at as epoch number', mutate('set_ready', (e) => (e.occurred_at = 1735689600)), 'wrong_type:occurred_at'],
    ['occurred_at in the future', mutate('set_ready', (e) => (e.occurred_at = '2026-11-21T12:06:00Z')), 'out_of_range:occurred_at'],
    ['schema_version 0', mutate('set_ready', (e) => (e.schema_version = 0)), 'out_of_range:schema_version'],
    ['schema_version as text', mutate('set_ready', (e) => (e.schema_version = '1')), 'wrong_type:schema_version'],
    ['an unknown type', mutate('set_ready', (e) => (e.event_type = 'teleport')), 'unknown_event_type'],
    ['no game_id', mutate('game_over', (e) => delete e.game_id), 'missing_field:game_id'],
    ['an unknown weapon code', mutate('select_weapon', (e) => (e.event_data = '3')), 'out_of_range:event_data'],
    ['a weapon as number', mutate('select_weapon', (e) => (e.event_data = 0)), 'wrong_type:event_data'],
    ['an unknown progress event', mutate('progression', (e) => (e.progress_event = 'paused')), 'out_of_range:progress_event'],
    ['negative gold', mutate('player_created', (e) => (e.gold = -1)), 'out_of_range:gold'],
    ['fractional player_id', mutate('player_created', (e) => (e.player_id = 1.5)), 'wrong_type:player_id'],
    ['inventory as list', mutate('player_created', (e) => (e.inventory = [])), 'wrong_type:inventory'],
    ['inventory without items', mutate('player_state', (e) => delete (e.inventory as Record<string, unknown>).items), 'missing_field:inventory.items'],
    ['an item with text quantity', mutate('player_created', (e) => (((e.inventory as { items: Array<Record<string, unknown>> }).items[1]!.quantity = 'two'))), 'wrong_type:inventory.items[1].quantity'],
    ['an item that is a number', mutate('player_created', (e) => ((e.inventory as { items: unknown[] }).items[0] = 5)), 'wrong_type:inventory.items[0]'],
    ['valid as text', mutate('trade', (e) => (e.valid = 'yes')), 'wrong_type:valid'],
    ['one side only', mutate('trade', (e) => (e.sides = [(e.sides as unknown[])[0]])), 'out_of_range:sides'],
    ['a side without gold', mutate('trade', (e) => delete (e.sides as Array<Record<string, unknown>>)[1]!.gold), 'missing_field:sides[1].gold'],
    ['a traded item without item_id', mutate('trade', (e) => delete (e.sides as Array<{ items: Array<Record<string, unknown>> }>)[0]!.items[0]!.item_id), 'missing_field:sides[0].items[0].item_id'],
    ['fail_reason as number', mutate('trade', (e) => (e.fail_reason = 3)), 'wrong_type:fail_reason'],
    ['an unknown purchase status', mutate('buy_sword', (e) => (e.status = 'maybe')), 'out_of_range:status'],
    ['a negative cost', mutate('buy_sword', (e) => (e.cost = -5)), 'out_of_range:cost'],
    ['player without wealth', mutate('buy_spell', (e) => delete (e.player as Record<string, unknown>).wealth), 'missing_field:player.wealth'],
    ['an inventory entry that is not a string', mutate('buy_spell', (e) => ((e.player as { inventory: unknown[] }).inventory = [3])), 'wrong_type:player.inventory[0]'],
    ['an affiliation with a bad joined_at', mutate('join_team', (e) => ((e.player as { affiliations: Array<Record<string, unknown>> }).affiliations[0]!.joined_at = 'noon')), 'wrong_type:player.affiliations[0].joined_at'],
    ['a join without org', mutate('join_guild', (e) => delete e.org), 'missing_field:org'],
  ])('%s -> %s', (_name, line, reason) => {
    const result = validateLine(line, opts);
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.reason).toBe(reason);
  });

  it('keeps the event id of a rejected line when it has one', () => {
    expect(validateLine(mutate('game_over', (e) => delete e.winner_id), opts)).toEqual({ ok: false, reason: 'missing_field:winner_id', eventId: 'e-game_over' });
  });
});

describe('secrets', () => {
  it('removes password fields before anything is written', () => {
    const result = validateLine(JSON.stringify(VALID.create_user), opts);
    expect(result.ok && result.event).not.toHaveProperty('password');
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });
  it('removes a password whose key is written with a unicode escape', () => {
    const line = JSON.stringify(VALID.view_user_data).replace('}', ',"pass\\u0077ord":"hunter2"}');
    expect(JSON.stringify(validateLine(line, opts))).not.toContain('hunter2');
  });
  it.each([
    ['{"user_id":"u1","password":"hunter2","x":1}', '{"user_id":"u1","password":"[REDACTED]","x":1}'],
    ['{"password": "hun\\"ter2"}', '{"password": "[REDACTED]"}'],
    ['{"password":"hunter2', '{"password":"[REDACTED]"'],
    ['{"password":12345}', '{"password":"[REDACTED]"}'],
    ['{"pass\\u0077ord":"hunter2","x":1', '{"pass\\u0077ord":"[REDACTED]","x":1'],
  ])('masks the secret in quarantined text %s', (raw, masked) => {
    expect(redactRawLine(raw)).toBe(masked);
  });
});
