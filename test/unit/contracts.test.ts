import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACTS_DIR, loadContracts, readContractFile } from '../../lake/contracts.ts';
import { ContractError } from '../../transforms/errors.ts';
import { lakeTables } from '../../transforms/tables.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'contracts-'));
let n = 0;
function contractFile(text: string, ext = 'yaml'): string {
  const f = path.join(dir, `c${++n}.${ext}`);
  writeFileSync(f, text);
  return f;
}
const minimal = (events: string, extra = '') => `product: lobby\n${extra}events:\n${events}`;

describe('the shipped contracts', () => {
  it('register the three seed games and their tables', () => {
    const registry = loadContracts(DEFAULT_CONTRACTS_DIR);
    expect([...registry.products.keys()].sort()).toEqual(['exrps', 'placebo', 'trade-engine']);
    expect([...lakeTables(registry).keys()].sort()).toEqual([
      'events',
      'exrps_events',
      'placebo_affiliations',
      'placebo_events',
      'placebo_inventory',
      'player_inventory',
      'player_states',
      'trade_items',
      'trade_sides',
      'trades',
    ]);
    expect(registry.secretKeys.has('password')).toBe(true);
  });
});

describe('a contract file that cannot be used is refused, naming the file and the field', () => {
  it.each([
    ['not YAML', 'product: [unclosed', /c\d+\.yaml: not valid YAML/],
    ['no product', 'events:\n  a: {}\n', /c\d+\.yaml: product: is required/],
    ['a bad product name', 'product: Lobby Game\nevents:\n  a: {}\n', /product: "Lobby Game" must be/],
    ['an unknown top-level key', 'product: lobby\nmode: freeze\nevnts: {}\nevents:\n  a: {}\n', /evnts: unknown key/],
    ['a bad mode', 'product: lobby\nmode: thaw\nevents:\n  a: {}\n', /mode: must be freeze or evolve, got "thaw"/],
    ['no events', 'product: lobby\nevents: {}\n', /events: a contract needs at least one event type/],
    ['an unknown field type', minimal('  join:\n    table: lobby\n    fields:\n      who: { type: uuid }\n'), /events\.join\.fields\.who\.type: unknown type "uuid"/],
    [
      'a field option that does not exist',
      minimal('  join:\n    table: lobby\n    fields:\n      who: { type: id, maxlen: 3 }\n'),
      /events\.join\.fields\.who\.maxlen: unknown key/,
    ],
    [
      'min/max on text',
      minimal('  join:\n    table: lobby\n    fields:\n      who: { type: string, min: 1 }\n'),
      /events\.join\.fields\.who: min\/max apply to int, bigint and number fields, not string/,
    ],
    ['one_of on a number', minimal('  join:\n    table: lobby\n    fields:\n      n: { type: int, one_of: ["1"] }\n'), /one_of applies to string fields, not int/],
    ['min above max', minimal('  join:\n    table: lobby\n    fields:\n      n: { type: int, min: 5, max: 1 }\n'), /min 5 is above max 1/],
    [
      'a default on a required field',
      minimal('  join:\n    table: lobby\n    fields:\n      n: { type: int, default: 1 }\n'),
      /n\.default: a required field cannot have a default/,
    ],
    [
      'a default of the wrong type',
      minimal('  join:\n    table: lobby\n    fields:\n      n: { type: int, required: false, default: one }\n'),
      /n\.default: does not fit type int/,
    ],
    ['fields without a table', minimal('  join:\n    fields:\n      who: { type: id }\n'), /events\.join: fields need a table to go to/],
    ['a reserved table', minimal('  join:\n    table: events\n    fields:\n      who: { type: id }\n'), /events\.join\.table: "events" is a table gamelake keeps itself/],
    ['an envelope field', minimal('  join:\n    table: lobby\n    fields:\n      event_id: { type: id }\n'), /fields\.event_id: is an envelope field/],
    ['a reserved column', minimal('  join:\n    table: lobby\n    fields:\n      line: { type: int }\n'), /column "line" is one gamelake fills itself/],
    [
      'two fields in one column',
      minimal('  join:\n    table: lobby\n    fields:\n      a: { type: id, column: who }\n      b: { type: id, column: who }\n'),
      /two fields write column "who"/,
    ],
    ['a list without a table', minimal('  join:\n    table: lobby\n    fields:\n      seats: { type: list, element: { type: id } }\n'), /seats\.table: is required/],
    [
      'a carried column the parent lacks',
      minimal('  join:\n    table: lobby\n    fields:\n      who: { type: id }\n      seats: { type: list, table: seats, carry: [whom], element: { type: id } }\n'),
      /seats\.carry: "whom" is not a column of the parent row/,
    ],
    [
      'an optional nested list',
      minimal(
        '  join:\n    table: lobby\n    fields:\n      o:\n        type: object\n        fields:\n          l: { type: list, required: false, table: l, element: { type: id } }\n',
      ),
      /o\.fields\.l: a nested list must be required/,
    ],
    [
      'an object with no required field',
      minimal('  join:\n    table: lobby\n    fields:\n      o: { type: object, fields: { a: { type: id, required: false } } }\n'),
      /o\.fields: an object needs at least one required field/,
    ],
    [
      'a list of lists',
      minimal('  join:\n    table: lobby\n    fields:\n      l: { type: list, table: l, element: { type: list } }\n'),
      /l\.element\.type: a list of lists is not supported/,
    ],
    [
      'a password field not marked secret is treated as secret',
      minimal('  join:\n    table: lobby\n    fields:\n      who: { type: id }\n      Password: { type: string, required: false }\n'),
      null,
    ],
  ])('%s', (_name, text, error) => {
    const f = contractFile(text);
    if (error === null) {
      const c = readContractFile(f);
      expect(c.events.get('join')!.fields.find((x) => x.name === 'Password')).toMatchObject({ kind: 'scalar', secret: true });
      return;
    }
    expect(() => readContractFile(f)).toThrow(ContractError);
    expect(() => readContractFile(f)).toThrow(error);
  });

  it('reads JSON contracts too', () => {
    const f = contractFile(JSON.stringify({ product: 'lobby', events: { join: { table: 'lobby', fields: { who: { type: 'id' } } } } }), 'json');
    expect(readContractFile(f).events.get('join')!.fields).toHaveLength(1);
  });

  it('refuses two files for one product, and tables two contracts define differently', () => {
    const two = mkdtempSync(path.join(os.tmpdir(), 'contracts-two-'));
    writeFileSync(path.join(two, 'a.yaml'), minimal('  join:\n    table: lobby\n    fields:\n      who: { type: id }\n'));
    writeFileSync(path.join(two, 'b.yaml'), minimal('  leave:\n    table: lobby\n    fields:\n      who: { type: id }\n'));
    expect(() => loadContracts(two)).toThrow(/b\.yaml: product "lobby" is already defined by a\.yaml/);
    const clash = mkdtempSync(path.join(os.tmpdir(), 'contracts-clash-'));
    writeFileSync(path.join(clash, 'a.yaml'), 'product: a\nevents:\n  x:\n    table: shared\n    fields:\n      n: { type: int }\n');
    writeFileSync(path.join(clash, 'b.yaml'), 'product: b\nevents:\n  y:\n    table: shared\n    fields:\n      n: { type: string }\n');
    expect(() => loadContracts(clash)).toThrow(/b\.yaml: events\.y: column shared\.n is VARCHAR here but INTEGER/);
  });

  it('refuses an empty or missing contracts folder', () => {
    expect(() => loadContracts(mkdtempSync(path.join(os.tmpdir(), 'contracts-empty-')))).toThrow(/no contract files/);
    expect(() => loadContracts(path.join(dir, 'nope'))).toThrow(/cannot be read/);
  });
});

describe('the README', () => {
  it('documents a contract that gamelake accepts as written', () => {
    const readme = readFileSync(path.join(DEFAULT_CONTRACTS_DIR, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Game contracts'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml, 'the Game contracts section has a yaml example').toBeDefined();
    const c = readContractFile(contractFile(yaml!));
    expect(c).toMatchObject({ product: 'varcade-lobby', mode: 'evolve' });
    expect([...c.events.keys()]).toEqual(['create_game']);
    expect(lakeTables({ products: new Map([[c.product, c]]), secretKeys: new Set(c.secretKeys) }).has('lobby_seats')).toBe(true);
  });
});
