import {
  DEFAULT_MAX_LINE_BYTES,
  ENVELOPE_KEYS,
  ENVELOPE_LIMITS,
  INT32,
  INT64,
  MAX_JSON_DEPTH,
  type ContractRegistry,
  type EventType,
  type Field,
  type ScalarSpec,
} from './contract/model.ts';
import { isJsonObject, jsonDepth, JsonNumber, parseJson, type JsonObject, type JsonValue } from './json/parse.ts';
import { scrubSecrets } from './secrets.ts';

/**
 * The executable specification of the event contract: one NDJSON line in, either the typed event or the
 * reason it is refused. Pure and deliberately plain; the ingestion engine (DuckDB SQL generated from the
 * same contracts) must agree with it line for line, which a differential test checks.
 *
 * Order of checks (the first failure is the reason): size, empty, JSON, object, envelope (event_id,
 * event_type, product_id, occurred_at, schema_version), product, event type, occurred_at not in the
 * future, then the type's fields in contract order, depth first. A refused line nested deeper than
 * MAX_JSON_DEPTH is reported as too_deep whatever else is wrong with it.
 */

/** A typed scalar: text, a number, a 64-bit integer, a boolean, or an instant (UTC microseconds). */
export type TypedScalar = string | number | bigint | boolean | Instant;
export type Typed = TypedScalar | null | TypedObject | Typed[];
export type TypedObject = Map<string, Typed>;

/** A timestamp as stored: microseconds since the epoch, UTC. */
export class Instant {
  readonly micros: bigint;
  constructor(micros: bigint) {
    this.micros = micros;
  }
  toISOString(): string {
    const ms = Number(this.micros / 1000n);
    const rest = this.micros % 1000n;
    const iso = new Date(ms).toISOString();
    return rest === 0n ? iso : `${iso.slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
  }
}

/**
 * How a value was spelled otherwise than its type's own: an integer for a text id, a number as a string,
 * a timestamp as Go's RFC3339Nano or Python's str(datetime) write it (more than six fraction digits, kept
 * to the microsecond; or a space for the T, as RFC 3339's note allows).
 */
export type CoercionKind = 'integer_to_text' | 'string_to_number' | 'timestamp_spelling';

export interface ValidEvent {
  ok: true;
  eventId: string;
  eventType: string;
  productId: string;
  occurred: Instant;
  schemaVersion: number;
  /** False when the type is not in the contract and the product's mode is evolve. */
  typed: boolean;
  /** The event's fields, typed, by key (absent optional fields are missing; defaults applied). */
  values: TypedObject;
  /** Top-level fields the contract does not name (secrets removed), or null. */
  extra: JsonObject | null;
  /** One entry per value read in another spelling than its type's own (path with [] for list elements). */
  coercions: Array<{ path: string; kind: CoercionKind }>;
}

export interface RejectedLine {
  ok: false;
  /** invalid_json, not_an_object, empty_line, too_large, too_deep, missing_field:<path>, wrong_type:<path>, out_of_range:<path>, unauthorized_product, unknown_product, unknown_event_type. */
  reason: string;
  /** The event id, when the line parsed far enough to have a usable one. */
  eventId?: string;
}

export type ValidationResult = ValidEvent | RejectedLine;

export interface ValidateOptions {
  maxLineBytes?: number;
  /** Latest accepted occurred_at, epoch ms (now + allowed clock skew). */
  latestMs: number;
  /**
   * The products the batch's sender may write (a collector's product-scoped write key); a line of another
   * is refused as unauthorized_product. Absent: any product.
   */
  products?: ReadonlySet<string>;
}

/** JSON number grammar, for numbers spelled as strings. */
export const NUMERIC_STRING = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
export const INTEGER_STRING = /^-?(?:0|[1-9][0-9]*)$/;
/**
 * RFC 3339 date-time with an offset (upper or lower case T and Z, or a space for the T), any number of
 * fraction digits (the lake keeps microseconds: further digits are cut, as DuckDB's cast cuts them).
 */
export const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})([Tt ])(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** True when a timestamp RFC3339 accepts is spelled otherwise than its canonical form (a coercion). */
export function timestampRespelled(value: string): boolean {
  const m = RFC3339.exec(value);
  return m !== null && (m[4] === ' ' || (m[8]?.length ?? 0) > 6);
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm; no Date quirks for years < 100). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** The instant of an RFC 3339 timestamp, or undefined when it is not one (impossible dates included). */
export function parseTimestamp(value: string): Instant | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[5], m[6], m[7]].map(Number) as [number, number, number, number, number, number];
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  if (d > (mo === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[mo - 1]!)) return undefined;
  let offsetMin = 0;
  if (!m[9]) {
    const oh = Number(m[11]);
    const om = Number(m[12]);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[10] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = BigInt((m[8] ?? '').slice(0, 6).padEnd(6, '0') || '0');
  const seconds = BigInt(daysFromCivil(y, mo, d)) * 86400n + BigInt(h * 3600 + mi * 60 + s - offsetMin * 60);
  return new Instant(seconds * 1_000_000n + fraction);
}

/** Length in characters (Unicode code points), as DuckDB's length() counts. */
export function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

/** A scalar read against its spec: the typed value, or the failure. */
type Read = { value: TypedScalar; coerced?: CoercionKind } | { fail: 'wrong_type' | 'out_of_range' };

const WRONG: Read = { fail: 'wrong_type' };
const RANGE: Read = { fail: 'out_of_range' };

function readNumber(v: JsonValue, spec: ScalarSpec): { n: number; text: string; coerced: boolean } | undefined {
  if (v instanceof JsonNumber) return { n: v.value, text: v.text, coerced: false };
  if (typeof v === 'string' && spec.numericStrings && NUMERIC_STRING.test(v)) return { n: Number(v), text: v, coerced: true };
  return undefined;
}

/** Reads one scalar value (never null or absent) against its spec. */
export function readScalar(v: JsonValue, spec: ScalarSpec): Read {
  switch (spec.type) {
    case 'string': {
      if (typeof v !== 'string') return WRONG;
      return lengthAndChoice(v, spec) ?? { value: v };
    }
    case 'id': {
      if (typeof v === 'string') return lengthAndChoice(v, spec) ?? { value: v };
      if (v instanceof JsonNumber && v.isIntegerLiteral) {
        const text = v.text === '-0' ? '0' : v.text;
        return lengthAndChoice(text, spec) ?? { value: text, coerced: 'integer_to_text' };
      }
      return WRONG;
    }
    case 'int':
    case 'number': {
      const r = readNumber(v, spec);
      if (!r || !Number.isFinite(r.n)) return WRONG;
      if (spec.type === 'int' && !Number.isInteger(r.n)) return WRONG;
      const lo = spec.type === 'int' ? Math.max(spec.min ?? -Infinity, INT32.min) : (spec.min ?? -Infinity);
      const hi = spec.type === 'int' ? Math.min(spec.max ?? Infinity, INT32.max) : (spec.max ?? Infinity);
      if (r.n < lo || r.n > hi) return RANGE;
      // -0 is stored as 0 (DuckDB's DOUBLE has no separate -0 in comparisons; keep one spelling).
      const n = Object.is(r.n, -0) ? 0 : r.n;
      return r.coerced ? { value: n, coerced: 'string_to_number' } : { value: n };
    }
    case 'bigint': {
      let text: string;
      let coerced = false;
      if (v instanceof JsonNumber && v.isIntegerLiteral) text = v.text;
      else if (typeof v === 'string' && spec.numericStrings && INTEGER_STRING.test(v)) {
        text = v;
        coerced = true;
      } else return WRONG;
      const b = BigInt(text);
      if (b < INT64.min || b > INT64.max) return RANGE;
      if ((spec.min !== undefined && Number(b) < spec.min) || (spec.max !== undefined && Number(b) > spec.max)) return RANGE;
      return coerced ? { value: b, coerced: 'string_to_number' } : { value: b };
    }
    case 'bool':
      return typeof v === 'boolean' ? { value: v } : WRONG;
    case 'timestamp': {
      if (typeof v !== 'string') return WRONG;
      const t = parseTimestamp(v);
      if (!t) return WRONG;
      return timestampRespelled(v) ? { value: t, coerced: 'timestamp_spelling' } : { value: t };
    }
  }
}

function lengthAndChoice(s: string, spec: ScalarSpec): Read | undefined {
  if (spec.minLength !== undefined || spec.maxLength !== undefined) {
    const len = codePoints(s);
    if ((spec.minLength !== undefined && len < spec.minLength) || (spec.maxLength !== undefined && len > spec.maxLength)) return RANGE;
  }
  if (spec.oneOf && !spec.oneOf.includes(s)) return RANGE;
  return undefined;
}

const absent = (v: JsonValue | undefined): v is undefined | null => v === undefined || v === null;

/** Checks fields of an object; fills `out` with typed values; returns a reason or undefined. */
function checkFields(obj: JsonObject, fields: readonly Field[], prefix: string, listPath: string, out: TypedObject, coercions: ValidEvent['coercions']): string | undefined {
  for (const f of fields) {
    const path = `${prefix}${f.name}`;
    const countPath = `${listPath}${f.name}`;
    const v = obj.get(f.name);
    if (absent(v)) {
      if (f.required) return `missing_field:${path}`;
      if (f.kind === 'scalar' && f.default !== undefined) out.set(f.name, f.default);
      continue;
    }
    if (f.kind === 'scalar') {
      const r = readScalar(v, f);
      if ('fail' in r) return `${r.fail}:${path}`;
      if (r.coerced) coercions.push({ path: countPath, kind: r.coerced });
      if (!f.secret) out.set(f.name, r.value);
    } else if (f.kind === 'object') {
      if (!isJsonObject(v)) return `wrong_type:${path}`;
      const inner: TypedObject = new Map();
      const reason = checkFields(v, f.fields, `${path}.`, `${countPath}.`, inner, coercions);
      if (reason) return reason;
      out.set(f.name, inner);
    } else {
      if (!Array.isArray(v)) return `wrong_type:${path}`;
      if ((f.minItems !== undefined && v.length < f.minItems) || (f.maxItems !== undefined && v.length > f.maxItems)) return `out_of_range:${path}`;
      const items: Typed[] = [];
      for (let k = 0; k < v.length; k++) {
        const element = v[k]!;
        const epath = `${path}[${k}]`;
        if (f.element.kind === 'object') {
          if (!isJsonObject(element)) return `wrong_type:${epath}`;
          const inner: TypedObject = new Map();
          const reason = checkFields(element, f.element.fields, `${epath}.`, `${countPath}[].`, inner, coercions);
          if (reason) return reason;
          items.push(inner);
        } else {
          if (absent(element)) return `wrong_type:${epath}`;
          const r = readScalar(element, f.element);
          if ('fail' in r) return `${r.fail}:${epath}`;
          if (r.coerced) coercions.push({ path: `${countPath}[]`, kind: r.coerced });
          items.push(r.value);
        }
      }
      out.set(f.name, items);
    }
  }
  return undefined;
}

const ID_SPEC: ScalarSpec = { type: 'id', numericStrings: false, minLength: 1, maxLength: ENVELOPE_LIMITS.eventIdMaxLength };
const TYPE_SPEC: ScalarSpec = { type: 'string', numericStrings: false, minLength: 1, maxLength: ENVELOPE_LIMITS.eventTypeMaxLength };
const PRODUCT_SPEC: ScalarSpec = { type: 'string', numericStrings: false, minLength: 1, maxLength: ENVELOPE_LIMITS.productIdMaxLength };
const SCHEMA_SPEC: ScalarSpec = { type: 'int', numericStrings: false, min: 1 };
const ENVELOPE_SET = new Set<string>(ENVELOPE_KEYS);

/** Keys of an event the contract names (envelope and the type's fields, secrets included). */
export function knownKeys(type: EventType | undefined): Set<string> {
  return new Set([...ENVELOPE_KEYS, ...(type?.fields.map((f) => f.name) ?? [])]);
}

/** JSON whitespace only (what a blank line may hold). */
const BLANK = /^[ \t\r]*$/;

export function byteLength(line: string): number {
  return Buffer.byteLength(line, 'utf8');
}

/** Validates one NDJSON line (without its newline) against the registered contracts. Pure. */
export function validateLine(line: string, registry: ContractRegistry, options: ValidateOptions): ValidationResult {
  const maxBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (line.length > maxBytes || (line.length * 3 > maxBytes && byteLength(line) > maxBytes)) return { ok: false, reason: 'too_large' };
  if (BLANK.test(line)) return { ok: false, reason: 'empty_line' };
  const parsed = parseJson(line);
  if (!parsed.ok) return { ok: false, reason: 'invalid_json' };
  const tooDeep = parsed.depth > MAX_JSON_DEPTH;
  const result = check(parsed.value, registry, options);
  if (!result.ok && tooDeep) return result.eventId === undefined ? { ok: false, reason: 'too_deep' } : { ok: false, reason: 'too_deep', eventId: result.eventId };
  if (result.ok && result.extra && jsonDepth(result.extra) > MAX_JSON_DEPTH) return { ok: false, reason: 'too_deep', eventId: result.eventId };
  return result;
}

function check(value: JsonValue, registry: ContractRegistry, options: ValidateOptions): ValidationResult {
  if (!isJsonObject(value)) return { ok: false, reason: 'not_an_object' };
  const event = value;
  const rawId = event.get('event_id');
  const idRead = absent(rawId) ? undefined : readScalar(rawId, ID_SPEC);
  const eventId = idRead && 'value' in idRead ? (idRead.value as string) : undefined;
  const reject = (reason: string): RejectedLine => (eventId === undefined ? { ok: false, reason } : { ok: false, reason, eventId });
  const coercions: ValidEvent['coercions'] = [];

  if (!idRead) return reject('missing_field:event_id');
  if ('fail' in idRead) return reject(`${idRead.fail}:event_id`);
  if (idRead.coerced) coercions.push({ path: 'event_id', kind: idRead.coerced });
  const envelope: Array<[string, ScalarSpec]> = [
    ['event_type', TYPE_SPEC],
    ['product_id', PRODUCT_SPEC],
    ['occurred_at', { type: 'timestamp', numericStrings: false }],
  ];
  const read: Record<string, TypedScalar> = {};
  for (const [key, spec] of envelope) {
    const v = event.get(key);
    if (absent(v)) return reject(`missing_field:${key}`);
    const r = readScalar(v, spec);
    if ('fail' in r) return reject(`${r.fail}:${key}`);
    if (r.coerced) coercions.push({ path: key, kind: r.coerced });
    read[key] = r.value;
  }
  let schemaVersion = 1;
  const sv = event.get('schema_version');
  if (!absent(sv)) {
    const r = readScalar(sv, SCHEMA_SPEC);
    if ('fail' in r) return reject(`${r.fail}:schema_version`);
    schemaVersion = r.value as number;
  }
  const productId = read.product_id as string;
  const eventType = read.event_type as string;
  const occurred = read.occurred_at as Instant;
  if (options.products && !options.products.has(productId)) return reject('unauthorized_product');
  const contract = registry.products.get(productId);
  if (!contract) return reject('unknown_product');
  const type = contract.events.get(eventType);
  if (!type && contract.mode === 'freeze') return reject('unknown_event_type');
  if (occurred.micros > BigInt(Math.floor(options.latestMs)) * 1000n) return reject('out_of_range:occurred_at');

  const values: TypedObject = new Map();
  if (type) {
    const reason = checkFields(event, type.fields, '', '', values, coercions);
    if (reason) return reject(reason);
  }
  // Fields the contract does not name are kept (secrets removed), never dropped.
  const known = type ? knownKeys(type) : ENVELOPE_SET;
  let extra: JsonObject | null = null;
  for (const [key, v] of event) {
    if (!known.has(key)) (extra ??= new Map()).set(key, v);
  }
  if (extra) {
    const scrubbed = scrubSecrets(extra, registry.secretKeys).value as JsonObject;
    extra = scrubbed.size > 0 ? scrubbed : null;
  }
  return { ok: true, eventId: eventId!, eventType, productId, occurred, schemaVersion, typed: type !== undefined, values, extra, coercions };
}

/** UTC calendar date (YYYY-MM-DD) of an instant. */
export function utcDate(t: Instant): string {
  const days = Number((t.micros < 0n ? t.micros - 86_399_999_999n : t.micros) / 86_400_000_000n);
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}
