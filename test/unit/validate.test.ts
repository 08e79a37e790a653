import { describe, expect, it } from 'vitest';
import { loadContracts } from '../../lake/contracts.ts';
import { validateLine, type ValidEvent } from '../../transforms/validate.ts';
import { maskSecrets } from '../../transforms/secrets.ts';
import { stringifyJson } from '../../transforms/json/parse.ts';
import { VALID } from '../fixtures/events.ts';

const registry = loadContracts();
const NOW = Date.parse('2026-11-21T12:00:00Z');
const opts = { latestMs: NOW + 5 * 60_000, maxLineBytes: 4096 };
const mutate = (type: string, change: (e: Record<string, unknown>) => void) => {
  const e = structuredClone(VALID[type]!);
  change(e);
  return JSON.stringify(e);
};
const valid = (line: string) => {
  const r = validateLine(line, registry, opts);
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r;
};

describe('validateLine accepts every event type of the contracts', () => {
  it('has an example for each type', () => {
    const types = [...registry.products.values()].flatMap((c) => [...c.events.keys()]).sort();
    expect(Object.keys(VALID).sort()).toEqual(types);
  });
  it.each(Object.entries(VALID))('%s', (type, event) => {
    const result = validateLine(JSON.stringify(event), registry, opts);
    expect(result).toMatchObject({ ok: true, eventType: type, eventId: `e-${type}` });
    expect((result as ValidEvent).occurred.toISOString()).toBe('2026-01-02T01:04:05.678Z');
  });
});

describe('validateLine rejects with the contract reason', () => {
  it.each([
    ['invalid JSON', '{"event_id": "x", ', 'invalid_json'],
    ['a trailing comma', JSON.stringify(VALID.set_ready).replace('}', ',}'), 'invalid_json'],
    ['NaN', JSON.stringify(VALID.set_ready).replace('}', ',"x":NaN}'), 'invalid_json'],
    ['an array', '[1, 2]', 'not_an_object'],
    ['a string', '"hello"', 'not_an_object'],
    ['an empty line', '   ', 'empty_line'],
    ['an oversized line', JSON.stringify({ ...VALID.set_ready, pad: 'x'.repeat(5000) }), 'too_large'],
    ['JSON nested 100,000 levels deep', `{"event_id":"d1","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`.slice(0, 4000), 'invalid_json'],
    ['no event_id', mutate('set_ready', (e) => delete e.event_id), 'missing_field:event_id'],
    ['an empty event_id', mutate('set_ready', (e) => (e.event_id = '')), 'out_of_range:event_id'],
    ['an event_id of 129 chars', mutate('set_ready', (e) => (e.event_id = 'x'.repeat(129))), 'out_of_range:event_id'],
    ['a fractional event_id', mutate('set_ready', (e) => (e.event_id = 12.5)), 'wrong_type:event_id'],
    ['a boolean event_id', mutate('set_ready', (e) => (e.event_id = true)), 'wrong_type:event_id'],
    ['no event_type', mutate('set_ready', (e) => delete e.event_type), 'missing_field:event_type'],
    ['no product_id', mutate('set_ready', (e) => delete e.product_id), 'missing_field:product_id'],
    ['an unregistered product', mutate('set_ready', (e) => (e.product_id = 'tetris')), 'unknown_product'],
    ['no occurred_at', mutate('set_ready', (e) => delete e.occurred_at), 'missing_field:occurred_at'],
    ['occurred_at without offset', mutate('set_ready', (e) => (e.occurred_at = '2026-01-01T00:00:00')), 'wrong_type:occurred_at'],
    ['occurred_at month 13', mutate('set_ready', (e) => (e.occurred_at = '2026-13-01T00:00:00Z')), 'wrong_type:occurred_at'],
    ['occurred_at February 31', mutate('set_ready', (e) => (e.occurred_at = '2026-02-31T00:00:00Z')), 'wrong_type:occurred_at'],
    ['occurred_at February 29 of a common year', mutate('set_ready', (e) => (e.occurred_at = '2025-02-29T10:00:00Z')), 'wrong_type:occurred_at'],
    ['occurred_at at 24:00', mutate('set_ready', (e) => (e.occurred_at = '2026-01-01T24:00:00Z')), 'wrong_type:occurred_at'],
    ['occurred_at with a space and no offset', mutate('set_ready', (e) => (e.occurred_at = '2026-01-01 10:00:00.123456')), 'wrong_type:occurred_at'],
    ['occurred_at with a dot and no digits', mutate('set_ready', (e) => (e.occurred_at = '2026-01-01T10:00:00.Z')), 'wrong_type:occurred_at'],
    ['occurred_at with two spaces', mutate('set_ready', (e) => (e.occurred_at = '2026-01-01  10:00:00Z')), 'wrong_type:occurred_at'],
    ['occurred_at as epoch number', mutate('set_ready', (e) => (e.occurred_at = 1735689600)), 'wrong_type:occurred_at'],
    ['occurred_at in the future', mutate('set_ready', (e) => (e.occurred_at = '2026-11-21T12:06:00Z')), 'out_of_range:occurred_at'],
    ['schema_version 0', mutate('set_ready', (e) => (e.schema_version = 0)), 'out_of_range:schema_version'],
    ['schema_version 3e9', mutate('set_ready', (e) => (e.schema_version = 3e9)), 'out_of_range:schema_version'],
    ['schema_version as text', mutate('set_ready', (e) => (e.schema_version = '1')), 'wrong_type:schema_version'],
    ['an unknown type', mutate('set_ready', (e) => (e.event_type = 'teleport')), 'unknown_event_type'],
    ['event_type __proto__', mutate('set_ready', (e) => (e.event_type = '__proto__')), 'unknown_event_type'],
    ['event_type constructor', mutate('set_ready', (e) => (e.event_type = 'constructor')), 'unknown_event_type'],
    ['event_type toString', mutate('set_ready', (e) => (e.event_type = 'toString')), 'unknown_event_type'],
    ['event_type hasOwnProperty', mutate('set_ready', (e) => (e.event_type = 'hasOwnProperty')), 'unknown_event_type'],
    ['a type of another product', mutate('set_ready', (e) => (e.event_type = 'trade')), 'unknown_event_type'],
    ['no game_id', mutate('game_over', (e) => delete e.game_id), 'missing_field:game_id'],
    ['an unknown weapon code', mutate('select_weapon', (e) => (e.event_data = '3')), 'out_of_range:event_data'],
    ['a weapon as number', mutate('select_weapon', (e) => (e.event_data = 0)), 'wrong_type:event_data'],
    ['an unknown progress event', mutate('progression', (e) => (e.progress_event = 'paused')), 'out_of_range:progress_event'],
    ['negative gold', mutate('player_created', (e) => (e.gold = -1)), 'out_of_range:gold'],
    ['gold as a word', mutate('player_created', (e) => (e.gold = 'lots')), 'wrong_type:gold'],
    ['fractional player_id', mutate('player_created', (e) => (e.player_id = 1.5)), 'wrong_type:player_id'],
    ['player_id as an object', mutate('player_created', (e) => (e.player_id = { id: 1 })), 'wrong_type:player_id'],
    ['inventory as list', mutate('player_created', (e) => (e.inventory = [])), 'wrong_type:inventory'],
    ['max_capacity 1e10', mutate('player_created', (e) => ((e.inventory as Record<string, unknown>).max_capacity = 1e10)), 'out_of_range:inventory.max_capacity'],
    ['inventory without items', mutate('player_state', (e) => delete (e.inventory as Record<string, unknown>).items), 'missing_field:inventory.items'],
    [
      'an item with text quantity',
      mutate('player_created', (e) => ((e.inventory as { items: Array<Record<string, unknown>> }).items[1]!.quantity = 'two')),
      'wrong_type:inventory.items[1].quantity',
    ],
    [
      'an item quantity of 3e9',
      mutate('player_created', (e) => ((e.inventory as { items: Array<Record<string, unknown>> }).items[0]!.quantity = 3e9)),
      'out_of_range:inventory.items[0].quantity',
    ],
    [
      'an item level of 2^31',
      mutate('player_created', (e) => ((e.inventory as { items: Array<Record<string, unknown>> }).items[0]!.level = 2 ** 31)),
      'out_of_range:inventory.items[0].level',
    ],
    [
      'an item value of 1e308 x 10',
      mutate('player_created', (e) => ((e.inventory as { items: Array<Record<string, unknown>> }).items[0]!.value = 1e308)),
      'out_of_range:inventory.items[0].value',
    ],
    [
      'an item id as a string',
      mutate('player_created', (e) => ((e.inventory as { items: Array<Record<string, unknown>> }).items[0]!.item_id = '5')),
      'wrong_type:inventory.items[0].item_id',
    ],
    ['an item that is a number', mutate('player_created', (e) => ((e.inventory as { items: unknown[] }).items[0] = 5)), 'wrong_type:inventory.items[0]'],
    ['valid as text', mutate('trade', (e) => (e.valid = 'yes')), 'wrong_type:valid'],
    ['one side only', mutate('trade', (e) => (e.sides = [(e.sides as unknown[])[0]])), 'out_of_range:sides'],
    ['a side without gold', mutate('trade', (e) => delete (e.sides as Array<Record<string, unknown>>)[1]!.gold), 'missing_field:sides[1].gold'],
    [
      'a traded item without item_id',
      mutate('trade', (e) => delete (e.sides as Array<{ items: Array<Record<string, unknown>> }>)[0]!.items[0]!.item_id),
      'missing_field:sides[0].items[0].item_id',
    ],
    ['fail_reason as number', mutate('trade', (e) => (e.fail_reason = 3)), 'wrong_type:fail_reason'],
    ['an unknown purchase status', mutate('buy_sword', (e) => (e.status = 'maybe')), 'out_of_range:status'],
    ['a negative cost', mutate('buy_sword', (e) => (e.cost = -5)), 'out_of_range:cost'],
    ['a cost that is not a number', mutate('buy_sword', (e) => (e.cost = '1,5')), 'wrong_type:cost'],
    ['player without wealth', mutate('buy_spell', (e) => delete (e.player as Record<string, unknown>).wealth), 'missing_field:player.wealth'],
    ['an inventory entry that is not a string', mutate('buy_spell', (e) => ((e.player as { inventory: unknown[] }).inventory = [3])), 'wrong_type:player.inventory[0]'],
    [
      'an affiliation with a bad joined_at',
      mutate('join_team', (e) => ((e.player as { affiliations: Array<Record<string, unknown>> }).affiliations[0]!.joined_at = 'noon')),
      'wrong_type:player.affiliations[0].joined_at',
    ],
    [
      'an affiliation joined on February 30',
      mutate('join_team', (e) => ((e.player as { affiliations: Array<Record<string, unknown>> }).affiliations[0]!.joined_at = '2026-02-30T10:00:00Z')),
      'wrong_type:player.affiliations[0].joined_at',
    ],
    ['a join without org', mutate('join_guild', (e) => delete e.org), 'missing_field:org'],
    ['a join level as a fraction', mutate('join_guild', (e) => (e.level = 2.5)), 'wrong_type:level'],
  ])('%s -> %s', (_name, line, reason) => {
    const result = validateLine(line, registry, opts);
    expect(result.ok ? 'accepted' : result.reason).toBe(reason);
  });

  it('says too_deep for a refused line nested deeper than 64 levels', () => {
    const deep = `{"event_id":"d1","event_type":"set_ready","product_id":"exrps","occurred_at":"2026-01-02T00:00:00Z","game_id":${'['.repeat(100)}${']'.repeat(100)},"user_id":"u"}`;
    expect(validateLine(deep, registry, { ...opts, maxLineBytes: 1 << 20 })).toMatchObject({ ok: false, reason: 'too_deep', eventId: 'd1' });
  });

  it('says too_deep for deep unknown fields it would otherwise keep', () => {
    const deep = JSON.stringify(VALID.set_ready).replace('}', `,"payload":${'['.repeat(70)}${']'.repeat(70)}}`);
    expect(validateLine(deep, registry, opts)).toMatchObject({ ok: false, reason: 'too_deep' });
  });

  it('keeps the event id of a rejected line when it has one', () => {
    expect(
      validateLine(
        mutate('game_over', (e) => delete e.winner_id),
        registry,
        opts,
      ),
    ).toEqual({ ok: false, reason: 'missing_field:winner_id', eventId: 'e-game_over' });
  });
});

describe('scalars as producers spell them', () => {
  it('reads an integer id as text in its canonical form, and counts it', () => {
    const r = valid(mutate('player_created', (e) => (e.player_id = 33)));
    expect(r.values.get('player_id')).toBe('33');
    expect(r.coercions).toContainEqual({ path: 'player_id', kind: 'integer_to_text' });
    expect(valid(mutate('player_created', (e) => (e.player_id = '33'))).values.get('player_id')).toBe('33');
  });

  it('keeps a 64-bit integer id exactly', () => {
    const r = valid(mutate('player_created', (e) => (e.player_id = 0)).replace('"player_id":0', '"player_id":76561197960287930'));
    expect(r.values.get('player_id')).toBe('76561197960287930');
  });

  it("reads Go's RFC3339Nano and Python's str(datetime) as the microsecond they name, and counts them", () => {
    const go = valid(mutate('set_ready', (e) => (e.occurred_at = '2026-03-01T12:00:00.123456789Z')));
    const python = valid(mutate('set_ready', (e) => (e.occurred_at = '2026-03-01 12:00:00.123456+00:00')));
    const canonical = valid(mutate('set_ready', (e) => (e.occurred_at = '2026-03-01T12:00:00.123456Z')));
    expect(go.occurred.micros).toBe(canonical.occurred.micros);
    expect(python.occurred.micros).toBe(canonical.occurred.micros);
    expect(canonical.occurred.micros).toBe(BigInt(Date.parse('2026-03-01T12:00:00.123Z')) * 1000n + 456n);
    // Digits past the microsecond are cut, never rounded into the next one (as DuckDB's cast does).
    expect(valid(mutate('set_ready', (e) => (e.occurred_at = '2026-03-01T12:00:00.9999999Z'))).occurred.micros).toBe(canonical.occurred.micros - 123456n + 999999n);
    expect(go.coercions).toContainEqual({ path: 'occurred_at', kind: 'timestamp_spelling' });
    expect(python.coercions).toContainEqual({ path: 'occurred_at', kind: 'timestamp_spelling' });
    expect(canonical.coercions.filter((c) => c.kind === 'timestamp_spelling')).toEqual([]);
  });

  it('refuses a line of a product its sender may not write, before knowing the product', () => {
    const line = mutate('set_ready', () => {});
    expect(validateLine(line, registry, { ...opts, products: new Set(['placebo']) })).toEqual({ ok: false, reason: 'unauthorized_product', eventId: 'e-set_ready' });
    expect(validateLine(line.replace('"exrps"', '"nosuchgame"'), registry, { ...opts, products: new Set(['nosuchgame']) })).toMatchObject({ reason: 'unknown_product' });
    expect(validateLine(line.replace('"exrps"', '"nosuchgame"'), registry, { ...opts, products: new Set(['placebo']) })).toMatchObject({ reason: 'unauthorized_product' });
    expect(validateLine(line, registry, { ...opts, products: new Set(['exrps']) }).ok).toBe(true);
  });

  it('accepts an integer event id', () => {
    const r = valid(mutate('set_ready', (e) => (e.event_id = 12)));
    expect(r.eventId).toBe('12');
    expect(r.coercions).toContainEqual({ path: 'event_id', kind: 'integer_to_text' });
  });

  it('reads numbers written as strings where the contract allows it, and counts them', () => {
    const r = valid(mutate('buy_sword', (e) => (e.cost = '111')));
    expect(r.values.get('cost')).toBe(111);
    expect(r.coercions.filter((c) => c.kind === 'string_to_number')).toEqual([{ path: 'cost', kind: 'string_to_number' }]);
    const items = valid(mutate('player_created', (e) => ((e.inventory as { items: Array<Record<string, unknown>> }).items[0]!.value = '2.5')));
    expect(items.coercions).toContainEqual({ path: 'inventory.items[].value', kind: 'string_to_number' });
  });

  it('takes a join level as a word or a number, stored as text', () => {
    expect(valid(mutate('join_guild', (e) => (e.level = 'apprentice'))).values.get('level')).toBe('apprentice');
    expect(valid(mutate('join_guild', (e) => (e.level = 2))).values.get('level')).toBe('2');
  });

  it('accepts an RFC 3339 timestamp with a lower-case t and z, as the instant it names', () => {
    const r = valid(mutate('set_ready', (e) => (e.occurred_at = '2026-01-02t03:04:05.5z')));
    expect(r.occurred.toISOString()).toBe('2026-01-02T03:04:05.500Z');
  });

  it('accepts a whole number written with a fraction or an exponent as an integer', () => {
    const r = valid(mutate('player_created', (e) => ((e.inventory as { items: Array<Record<string, unknown>> }).items[0]!.quantity = 2)).replace('"quantity":2', '"quantity":2.0'));
    expect(r.ok).toBe(true);
  });

  it('reads the first of two equal keys, as DuckDB does', () => {
    const r = valid(JSON.stringify(VALID.set_ready).replace('"game_id":"g1"', '"game_id":"g1","game_id":"g2"'));
    expect(r.values.get('game_id')).toBe('g1');
  });
});

describe('unknown fields and secrets', () => {
  it('keeps unknown top-level fields in extra', () => {
    const r = valid(JSON.stringify({ ...VALID.game_removed, region: 'eu', tags: ['a'] }));
    expect(stringifyJson(r.extra!)).toBe('{"region":"eu","tags":["a"]}');
  });

  it('removes secret keys from extra in any capitalisation, at any depth, whatever their value', () => {
    const r = valid(JSON.stringify({ ...VALID.game_removed, Password: 'p1', meta: { PASSWORD: { a: ['p2'] }, ok: 1, list: [{ user_password: 'p3' }] } }));
    expect(stringifyJson(r.extra!)).toBe('{"meta":{"ok":1,"list":[{}]}}');
  });

  it('never returns a declared secret field', () => {
    const r = valid(JSON.stringify(VALID.create_user));
    expect(r.values.has('password')).toBe(false);
    expect(JSON.stringify([...r.values])).not.toContain('hunter2');
  });

  it('accepts an unknown event type of a product in evolve mode, its payload in extra', () => {
    const evolving = { ...registry, products: new Map(registry.products) };
    evolving.products.set('exrps', { ...registry.products.get('exrps')!, mode: 'evolve' });
    const r = validateLine(
      mutate('set_ready', (e) => {
        e.event_type = 'emote';
        e.emote = 'wave';
        e.password = 'x';
      }),
      evolving,
      opts,
    );
    expect(r).toMatchObject({ ok: true, typed: false, eventType: 'emote' });
    expect(stringifyJson((r as ValidEvent).extra!)).toBe('{"game_id":"g1","user_id":"u1","emote":"wave"}');
  });

  it.each([
    ['{"user_id":"u1","password":"hunter2","x":1}', '{"user_id":"u1","password":"[REDACTED]","x":1}'],
    ['{"Password": "hun\\"ter2"}', '{"Password": "[REDACTED]"}'],
    ['{"password":"hunter2', '{"password":"[REDACTED]"'],
    ['{"password":12345}', '{"password":"[REDACTED]"}'],
    ['{"password":{"a":"s1","b":["s2"]},"x":1}', '{"password":"[REDACTED]","x":1}'],
    ['{"PASSWORD":["s1",{"s":"s2"}]}', '{"PASSWORD":"[REDACTED]"}'],
    ['{"meta":{"user_password":"s1"}}', '{"meta":{"user_password":"[REDACTED]"}}'],
    ['{"pass\\u0077ord":"hunter2","x":1', '{"pass\\u0077ord":"[REDACTED]","x":1'],
    ['{"password":{"a":"unterminated', '{"password":"[REDACTED]"'],
    ['{"note":"password","x":1}', '{"note":"password","x":1}'],
    // Malformed lines, as producers write them (kept raw in quarantine as invalid_json).
    ["{'password': 'hunter2'}", `{'password': "[REDACTED]"}`],
    ["{'pass\\'word': 'x', 'password': 'it\\'s', 'n': 1}", `{'pass\\'word': 'x', 'password': "[REDACTED]", 'n': 1}`],
    ['{password: "hunter2"}', '{password: "[REDACTED]"}'],
    ['{"password"\u00a0: "hunter2"}', '{"password"\u00a0: "[REDACTED]"}'],
    ['{"password"\f: "hunter2"}', '{"password"\f: "[REDACTED]"}'],
    ['{"password" /*c*/ : /* d */ "hunter2"}', '{"password" /*c*/ : /* d */ "[REDACTED]"}'],
    ['{"password"="hunter2"}', '{"password"="[REDACTED]"}'],
    ['password=hunter2; user=u1', 'password="[REDACTED]"; user=u1'],
    ['{"pwd_list" => [1, 2], "user_password" : hunter2 }', '{"pwd_list" => [1, 2], "user_password" : "[REDACTED]" }'],
    ['{"mypassword": "x"} passwords', '{"mypassword": "[REDACTED]"} passwords'],
    ['{"x":"a password: inside a value"}', '{"x":"a password: inside a value"}'],
  ])('masks secrets in quarantined text %s', (raw, masked) => {
    expect(maskSecrets(raw, registry.secretKeys)).toBe(masked);
  });
});
