import { ContractError } from '../errors.ts';
import { isSecretKey } from '../secrets.ts';
import { parseRetention } from '../retention.ts';
import {
  DEFAULT_SECRET_KEYS,
  ENVELOPE_KEYS,
  ENVELOPE_LIMITS,
  SCALAR_TYPES,
  type ContractRegistry,
  type EventType,
  type Field,
  type ListField,
  type ProductContract,
  type ScalarSpec,
  type ScalarType,
  type SchemaMode,
  type Retention,
  type TableInfo,
} from './model.ts';

/**
 * Reads one contract document (the parsed YAML or JSON of contracts/<product>.yaml) into the model, or
 * throws a ContractError naming the file and the field that is wrong. Pure: the caller reads the file.
 */

type Doc = Record<string, unknown>;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const PRODUCT = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const EVENT_TYPE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;
/** Table names gamelake uses itself. */
const RESERVED_TABLES = new Set(['events', 'quarantine', 'quarantine_recovered', 'steam', 'batches']);
/** Columns every lake row has (a contract cannot use them for its own fields). */
export const RESERVED_COLUMNS = new Set([
  'batch_id',
  'line',
  'event_id',
  'event_type',
  'event_date',
  'event_month',
  'product_id',
  'occurred_at',
  'schema_version',
  'extra',
  'typed',
]);

class At {
  readonly file: string;
  readonly path: string;
  constructor(file: string, path: string) {
    this.file = file;
    this.path = path;
  }
  child(key: string): At {
    return new At(this.file, this.path ? `${this.path}.${key}` : key);
  }
  fail(message: string): never {
    throw new ContractError(`${this.file}: ${this.path || '(top level)'}: ${message}`);
  }
}

const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

function doc(v: unknown, at: At): Doc {
  if (!isDoc(v)) return at.fail(`expected a mapping, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

function only(d: Doc, allowed: readonly string[], at: At): void {
  for (const key of Object.keys(d)) {
    // x-... keys hold YAML anchors for reuse (as in docker-compose files); they mean nothing themselves.
    if (!allowed.includes(key) && !key.startsWith('x-')) return at.child(key).fail(`unknown key (expected one of: ${allowed.join(', ')})`);
  }
}

function str(d: Doc, key: string, at: At, fallback?: string): string {
  const v = d[key];
  if (v === undefined || v === null) {
    if (fallback === undefined) return at.child(key).fail('is required');
    return fallback;
  }
  if (typeof v !== 'string') return at.child(key).fail(`expected text, got ${describe(v)}`);
  return v;
}

function bool(d: Doc, key: string, at: At, fallback: boolean): boolean {
  const v = d[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') return at.child(key).fail(`expected true or false, got ${describe(v)}`);
  return v;
}

function num(d: Doc, key: string, at: At): number | undefined {
  const v = d[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) return at.child(key).fail(`expected a number, got ${describe(v)}`);
  return v;
}

function count(d: Doc, key: string, at: At): number | undefined {
  const v = num(d, key, at);
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) return at.child(key).fail(`expected a whole number >= 0, got ${v}`);
  return v;
}

function strings(d: Doc, key: string, at: At): string[] | undefined {
  const v = d[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return at.child(key).fail(`expected a list of text, got ${describe(v)}`);
  return v as string[];
}

function identifier(value: string, at: At, what: string): string {
  if (!IDENTIFIER.test(value)) return at.fail(`${what} "${value}" must be lower case letters, digits and _ (starting with a letter or _)`);
  return value;
}

const SCALAR_KEYS = ['type', 'required', 'description', 'min', 'max', 'min_length', 'max_length', 'one_of', 'numeric_strings', 'column', 'default', 'secret', 'player'];

function scalarSpec(d: Doc, type: ScalarType, at: At): ScalarSpec {
  const spec: ScalarSpec = { type, numericStrings: bool(d, 'numeric_strings', at, false) };
  const min = num(d, 'min', at);
  const max = num(d, 'max', at);
  const minLength = count(d, 'min_length', at);
  const maxLength = count(d, 'max_length', at);
  const oneOf = strings(d, 'one_of', at);
  const numeric = type === 'int' || type === 'bigint' || type === 'number';
  if ((min !== undefined || max !== undefined) && !numeric) return at.fail(`min/max apply to int, bigint and number fields, not ${type}`);
  if ((minLength !== undefined || maxLength !== undefined) && type !== 'string' && type !== 'id')
    return at.fail(`min_length/max_length apply to string and id fields, not ${type}`);
  if (oneOf !== undefined && type !== 'string') return at.fail(`one_of applies to string fields, not ${type}`);
  if (spec.numericStrings && !numeric) return at.fail(`numeric_strings applies to int, bigint and number fields, not ${type}`);
  if (min !== undefined && max !== undefined && min > max) return at.fail(`min ${min} is above max ${max}`);
  if (minLength !== undefined && maxLength !== undefined && minLength > maxLength) return at.fail(`min_length ${minLength} is above max_length ${maxLength}`);
  if (min !== undefined) spec.min = min;
  if (max !== undefined) spec.max = max;
  if (minLength !== undefined) spec.minLength = minLength;
  if (maxLength !== undefined) spec.maxLength = maxLength;
  if (oneOf !== undefined) {
    if (oneOf.length === 0) return at.child('one_of').fail('is empty');
    spec.oneOf = oneOf;
  }
  return spec;
}

function scalarType(raw: unknown, at: At): ScalarType | 'object' | 'list' {
  if (typeof raw !== 'string') return at.child('type').fail(`is required (one of ${[...SCALAR_TYPES, 'label', 'object', 'list'].join(', ')})`);
  if (raw === 'label') return 'id';
  if (raw === 'object' || raw === 'list' || (SCALAR_TYPES as readonly string[]).includes(raw)) return raw as ScalarType | 'object' | 'list';
  return at.child('type').fail(`unknown type "${raw}" (one of ${[...SCALAR_TYPES, 'label', 'object', 'list'].join(', ')})`);
}

interface FieldContext {
  /** True for fields of the event itself (not inside an object or a list element). */
  topLevel: boolean;
  secretKeys: ReadonlySet<string>;
}

function fields(raw: unknown, at: At, context: FieldContext): Field[] {
  const d = doc(raw, at);
  const out = Object.entries(d).map(([name, value]) => field(name, value, at.child(name), context));
  return out;
}

function requireOneRequired(list: Field[], at: At): void {
  // A value of the wrong shape reads as an object with every field missing; a required field tells them apart.
  if (!list.some((f) => f.required)) return at.fail('an object needs at least one required field');
}

function field(name: string, raw: unknown, at: At, context: FieldContext): Field {
  if (name.length === 0) return at.fail('a field needs a name');
  if (context.topLevel && (ENVELOPE_KEYS as readonly string[]).includes(name)) return at.fail('is an envelope field every event has');
  const d = doc(raw, at);
  const type = scalarType(d.type, at);
  const required = bool(d, 'required', at, true);
  const description = str(d, 'description', at, '');
  if (!context.topLevel && !required && (type === 'object' || type === 'list')) {
    at.fail(`a nested ${type} must be required (only the event's own objects and lists may be optional)`);
  }
  if (type === 'object') {
    only(d, ['type', 'required', 'description', 'fields'], at);
    const inner = fields(d.fields, at.child('fields'), { ...context, topLevel: false });
    requireOneRequired(inner, at.child('fields'));
    return { kind: 'object', name, required, description, fields: inner };
  }
  if (type === 'list') {
    only(d, ['type', 'required', 'description', 'element', 'table', 'index', 'carry', 'min_items', 'max_items'], at);
    const table = identifier(str(d, 'table', at), at.child('table'), 'table');
    if (RESERVED_TABLES.has(table)) return at.child('table').fail(`"${table}" is a table gamelake keeps itself`);
    const index = identifier(str(d, 'index', at, 'position'), at.child('index'), 'index column');
    const minItems = count(d, 'min_items', at);
    const maxItems = count(d, 'max_items', at);
    if (minItems !== undefined && maxItems !== undefined && minItems > maxItems) return at.fail(`min_items ${minItems} is above max_items ${maxItems}`);
    const e = doc(d.element, at.child('element'));
    const eAt = at.child('element');
    const eType = scalarType(e.type, eAt);
    let element: ListField['element'];
    if (eType === 'object') {
      only(e, ['type', 'fields', 'description'], eAt);
      const inner = fields(e.fields, eAt.child('fields'), { ...context, topLevel: false });
      requireOneRequired(inner, eAt.child('fields'));
      element = { kind: 'object', fields: inner };
    } else if (eType === 'list') {
      return eAt.child('type').fail('a list of lists is not supported: make the element an object with a list field');
    } else {
      only(e, ['type', 'description', 'min', 'max', 'min_length', 'max_length', 'one_of', 'numeric_strings', 'column'], eAt);
      element = { kind: 'scalar', column: identifier(str(e, 'column', eAt, 'value'), eAt.child('column'), 'column'), ...scalarSpec(e, eType, eAt) };
    }
    const list: ListField = { kind: 'list', name, required, description, element, table, index, carry: strings(d, 'carry', at) ?? [] };
    if (minItems !== undefined) list.minItems = minItems;
    if (maxItems !== undefined) list.maxItems = maxItems;
    for (const c of list.carry) identifier(c, at.child('carry'), 'carried column');
    return list;
  }
  only(d, SCALAR_KEYS, at);
  const secret = bool(d, 'secret', at, false) || isSecretKey(name, context.secretKeys);
  // A secret has no column: it is validated, never stored.
  const column = secret ? name : identifier(str(d, 'column', at, name), at.child('column'), 'column');
  if (!secret && RESERVED_COLUMNS.has(column)) return at.fail(`column "${column}" is one gamelake fills itself; give the field another column name`);
  const spec = scalarSpec(d, type, at);
  const player = bool(d, 'player', at, false);
  if (player && (secret || (type !== 'id' && type !== 'string'))) return at.child('player').fail('a player id must be a stored id or string field');
  const result = { kind: 'scalar' as const, name, required, description, column, secret, ...(player ? { player } : {}), ...spec };
  if (d.default !== undefined && d.default !== null) {
    if (required) return at.child('default').fail('a required field cannot have a default');
    const v = d.default;
    const ok =
      spec.type === 'bool' ? typeof v === 'boolean' : spec.type === 'int' || spec.type === 'number' || spec.type === 'bigint' ? typeof v === 'number' : typeof v === 'string';
    if (!ok) return at.child('default').fail(`does not fit type ${spec.type}: ${describe(v)}`);
    return { ...result, default: v as string | number | boolean };
  }
  return result;
}

/** Column names a row gets from fields: scalar fields of the row and of its nested objects. */
export function rowColumns(list: readonly Field[]): string[] {
  const out: string[] = [];
  for (const f of list) {
    if (f.kind === 'scalar' && !f.secret) out.push(f.column);
    else if (f.kind === 'object') out.push(...rowColumns(f.fields));
  }
  return out;
}

/** Checks that a row's columns are unique and that every list's carried columns exist in its parent row. */
function checkRow(list: readonly Field[], parentColumns: readonly string[], at: At): void {
  const columns = [...parentColumns, ...rowColumns(list)];
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) return at.fail(`two fields write column "${c}" of the same row; rename one with column:`);
    seen.add(c);
  }
  const visit = (fs: readonly Field[], path: At) => {
    for (const f of fs) {
      if (f.kind === 'object') visit(f.fields, path.child(f.name));
      if (f.kind !== 'list') continue;
      const lat = path.child(f.name);
      for (const c of f.carry) if (!seen.has(c)) lat.child('carry').fail(`"${c}" is not a column of the parent row (it has: ${[...seen].join(', ')})`);
      if (f.carry.includes(f.index)) lat.child('index').fail(`"${f.index}" is also carried from the parent`);
      if (f.element.kind === 'object') {
        const own = rowColumns(f.element.fields);
        for (const c of own) if (c === f.index || f.carry.includes(c)) lat.child('element').fail(`column "${c}" clashes with the index or a carried column`);
        checkRow(f.element.fields, [...f.carry, f.index], lat.child('element').child('fields'));
      } else if (f.element.column === f.index || f.carry.includes(f.element.column)) {
        lat.child('element').child('column').fail(`"${f.element.column}" clashes with the index or a carried column`);
      }
    }
  };
  visit(list, at);
}

/** Reads one contract document. `file` names it in errors. */
export function parseContract(raw: unknown, file: string): ProductContract {
  const at = new At(file, '');
  const d = doc(raw, at);
  only(d, ['product', 'description', 'mode', 'secrets', 'retention', 'tables', 'events'], at);
  const product = str(d, 'product', at);
  if (!PRODUCT.test(product)) return at.child('product').fail(`"${product}" must be 1..64 lower case letters, digits, - and _`);
  const mode = str(d, 'mode', at, 'freeze');
  if (mode !== 'freeze' && mode !== 'evolve') return at.child('mode').fail(`must be freeze or evolve, got "${mode}"`);
  const secretKeys = (strings(d, 'secrets', at) ?? []).map((s) => s.toLowerCase());
  const secrets = new Set([...DEFAULT_SECRET_KEYS, ...secretKeys]);
  const tables = new Map<string, TableInfo>();
  if (d.tables !== undefined) {
    for (const [name, info] of Object.entries(doc(d.tables, at.child('tables')))) {
      const tat = at.child('tables').child(name);
      identifier(name, tat, 'table');
      const t = doc(info, tat);
      only(t, ['description', 'retention'], tat);
      const retention = retentionOf(t, tat);
      tables.set(name, { description: str(t, 'description', tat, ''), ...(retention ? { retention } : {}) });
    }
  }
  const events = new Map<string, EventType>();
  const eat = at.child('events');
  const rawEvents = doc(d.events, eat);
  if (Object.keys(rawEvents).length === 0) eat.fail('a contract needs at least one event type');
  for (const [name, value] of Object.entries(rawEvents)) {
    const tat = eat.child(name);
    if (!EVENT_TYPE.test(name) || name.length > ENVELOPE_LIMITS.eventTypeMaxLength) tat.fail(`event type "${name}" must be 1..64 letters, digits, _ . : -`);
    const e = doc(value ?? {}, tat);
    only(e, ['description', 'table', 'fields'], tat);
    const table = e.table === undefined ? undefined : identifier(str(e, 'table', tat), tat.child('table'), 'table');
    if (table !== undefined && RESERVED_TABLES.has(table)) tat.child('table').fail(`"${table}" is a table gamelake keeps itself`);
    const list = e.fields === undefined ? [] : fields(e.fields, tat.child('fields'), { topLevel: true, secretKeys: secrets });
    for (const f of list) if ((ENVELOPE_KEYS as readonly string[]).includes(f.name)) tat.child('fields').child(f.name).fail('is an envelope field every event has');
    if (table === undefined && list.some((f) => f.kind !== 'scalar' || !f.secret)) tat.fail('fields need a table to go to (table: <name>)');
    checkRow(list, [], tat.child('fields'));
    events.set(name, { name, description: str(e, 'description', tat, ''), table, fields: list });
  }
  const retention = retentionOf(d, at);
  return { product, file, description: str(d, 'description', at, ''), mode: mode as SchemaMode, secretKeys, tables, events, ...(retention ? { retention } : {}) };
}

/** A `retention:` key: 400d, 52w, 18mo or 2y. */
function retentionOf(d: Doc, at: At): Retention | undefined {
  if (d.retention === undefined || d.retention === null) return undefined;
  const text = str(d, 'retention', at);
  return parseRetention(text) ?? at.child('retention').fail(`"${text}" is not a retention: write a number and d (days), w (weeks), mo (months) or y (years), as in 400d`);
}

/** Combines contracts into a registry; two files for one product are an error. */
export function buildRegistry(contracts: readonly ProductContract[]): ContractRegistry {
  const products = new Map<string, ProductContract>();
  const secretKeys = new Set<string>(DEFAULT_SECRET_KEYS);
  for (const c of contracts) {
    const earlier = products.get(c.product);
    if (earlier) throw new ContractError(`${c.file}: product "${c.product}" is already defined by ${earlier.file}`);
    products.set(c.product, c);
    for (const k of c.secretKeys) secretKeys.add(k);
  }
  return { products, secretKeys };
}
