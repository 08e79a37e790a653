import { DEFAULT_MAX_LINE_BYTES, ENVELOPE, EVENT_TYPES, SECRET_FIELDS, type FieldSpec } from './contract.ts';

export type JsonObject = Record<string, unknown>;

/** A line that passed the contract: the parsed event (secrets removed) and its instant. */
export interface ValidEvent {
  ok: true;
  event: JsonObject;
  eventId: string;
  eventType: string;
  productId: string;
  /** occurred_at as epoch milliseconds (UTC). */
  occurredMs: number;
}

export interface RejectedLine {
  ok: false;
  /** Machine-readable reason: invalid_json, missing_field:<path>, wrong_type:<path>, unknown_event_type, out_of_range:<path>, too_large, empty_line, not_an_object. */
  reason: string;
  /** The event id when the line parsed far enough to have one. */
  eventId?: string;
}

export type ValidationResult = ValidEvent | RejectedLine;

export interface ValidateOptions {
  maxLineBytes?: number;
  /** Latest accepted occurred_at, epoch ms (now + allowed clock skew). */
  latestMs: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an RFC 3339 timestamp with an offset, or undefined. */
export function parseRfc3339(value: string): number | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec] = m;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 60) return undefined;
  const ms = Date.parse(value.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : ms;
}

function typeOk(value: unknown, type: FieldSpec['type']): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'bool':
      return typeof value === 'boolean';
    case 'timestamp':
      return typeof value === 'string' && parseRfc3339(value) !== undefined;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
  }
}

/** Checks one field of `obj` against its spec; returns a reason or undefined (the path is built only on failure). */
export function checkField(obj: JsonObject, spec: FieldSpec, prefix = ''): string | undefined {
  const value = obj[spec.name];
  if (value === undefined || (value === null && !spec.nullable)) {
    return spec.required ? `missing_field:${prefix}${spec.name}` : undefined;
  }
  if (value === null) return undefined;
  if (!typeOk(value, spec.type)) return `wrong_type:${prefix}${spec.name}`;
  if (typeof value === 'number' && ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max))) {
    return `out_of_range:${prefix}${spec.name}`;
  }
  if ((typeof value === 'string' || Array.isArray(value)) && ((spec.minLength !== undefined && value.length < spec.minLength) || (spec.maxLength !== undefined && value.length > spec.maxLength))) {
    return `out_of_range:${prefix}${spec.name}`;
  }
  if (spec.oneOf && !spec.oneOf.includes(value as string)) return `out_of_range:${prefix}${spec.name}`;
  return undefined;
}

function checkAll(obj: JsonObject, specs: readonly FieldSpec[], prefix = ''): string | undefined {
  for (let k = 0; k < specs.length; k++) {
    const reason = checkField(obj, specs[k]!, prefix);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

const ENVELOPE_WITHOUT_TIME = ENVELOPE.filter((f) => f.name !== 'occurred_at' && f.name !== 'schema_version');
const SCHEMA_VERSION = ENVELOPE.find((f) => f.name === 'schema_version')!;
/** A line that could hold a secret field: names one, or has a \u escape that might spell one. */
const SECRET_PATTERN = new RegExp(`"(?:${[...SECRET_FIELDS].join('|')})"|\\\\u`);

const ITEM: readonly FieldSpec[] = [
  { name: 'item_id', type: 'int', required: true, min: 0 },
  { name: 'name', type: 'string', required: true },
  { name: 'level', type: 'int', required: true, min: 0 },
  { name: 'value', type: 'number', required: true, min: 0 },
  { name: 'quantity', type: 'int', required: true, min: 0 },
];
const INVENTORY: readonly FieldSpec[] = [
  { name: 'max_capacity', type: 'int', required: true, min: 0 },
  { name: 'current_capacity', type: 'int', required: true, min: 0 },
  { name: 'items', type: 'array', required: true },
];
const SIDE: readonly FieldSpec[] = [
  { name: 'player_id', type: 'int', required: true, min: 0 },
  { name: 'items', type: 'array', required: true },
  { name: 'gold', type: 'number', required: true, min: 0 },
];
const PLACEBO_PLAYER: readonly FieldSpec[] = [
  { name: 'created_at', type: 'timestamp', required: true },
  { name: 'wealth', type: 'number', required: true },
  { name: 'inventory', type: 'array', required: true },
  { name: 'affiliations', type: 'array', required: true },
];
const AFFILIATION: readonly FieldSpec[] = [
  { name: 'org', type: 'string', required: true, minLength: 1 },
  { name: 'level', type: 'int', required: true, min: 0 },
  { name: 'joined_at', type: 'timestamp', required: true },
];

function checkList(list: unknown[], specs: readonly FieldSpec[], prefix: string): string | undefined {
  for (let k = 0; k < list.length; k++) {
    const element = list[k];
    if (typeof element !== 'object' || element === null || Array.isArray(element)) return `wrong_type:${prefix}[${k}]`;
    const reason = checkAll(element as JsonObject, specs);
    // Name the element only once something is wrong with it (keeps the common case free of string work).
    if (reason !== undefined) return reason.replace(':', `:${prefix}[${k}].`);
  }
  return undefined;
}

/** Nested parts of an event that the flat field table cannot express. */
function checkNested(eventType: string, e: JsonObject): string | undefined {
  switch (eventType) {
    case 'player_created':
    case 'player_state': {
      const inv = e.inventory as JsonObject;
      return checkAll(inv, INVENTORY, 'inventory.') ?? checkList(inv.items as unknown[], ITEM, 'inventory.items');
    }
    case 'trade': {
      const sides = e.sides as unknown[];
      for (let k = 0; k < sides.length; k++) {
        const side = sides[k];
        if (typeof side !== 'object' || side === null || Array.isArray(side)) return `wrong_type:sides[${k}]`;
        const reason = checkAll(side as JsonObject, SIDE, `sides[${k}].`) ?? checkList((side as JsonObject).items as unknown[], ITEM, `sides[${k}].items`);
        if (reason) return reason;
      }
      return undefined;
    }
    case 'buy_sword':
    case 'buy_spell':
    case 'join_guild':
    case 'join_team': {
      const player = e.player as JsonObject;
      const reason = checkAll(player, PLACEBO_PLAYER, 'player.');
      if (reason) return reason;
      const inventory = player.inventory as unknown[];
      for (let k = 0; k < inventory.length; k++) if (typeof inventory[k] !== 'string') return `wrong_type:player.inventory[${k}]`;
      return checkList(player.affiliations as unknown[], AFFILIATION, 'player.affiliations');
    }
    default:
      return undefined;
  }
}

/** Removes secret fields (passwords) wherever they appear in the object tree. Returns how many were removed. */
export function redactSecrets(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let removed = 0;
  if (Array.isArray(value)) {
    for (const element of value) removed += redactSecrets(element);
    return removed;
  }
  const obj = value as JsonObject;
  for (const key of Object.keys(obj)) {
    if (SECRET_FIELDS.has(key)) {
      delete obj[key];
      removed += 1;
    } else {
      removed += redactSecrets(obj[key]);
    }
  }
  return removed;
}

/** Raw text of a rejected line with secret values masked, for the quarantine (never the secret itself). */
export function redactRawLine(line: string): string {
  return line
    .replace(/("password"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\]\s]+)/g, '$1"[REDACTED]"')
    // A key written with \u escapes may spell a secret field: mask its value too (conservative).
    .replace(/("(?:[^"\\]|\\[^u])*\\u[0-9a-fA-F]{4}(?:[^"\\]|\\.)*"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\]\s]+)/g, '$1"[REDACTED]"');
}

/**
 * Validates one NDJSON line against the event contract. Pure: the clock comes in as `latestMs`.
 * On success the returned event has its secrets removed.
 */
export function validateLine(line: string, options: ValidateOptions): ValidationResult {
  const maxBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (line.length > maxBytes || (line.length * 3 > maxBytes && Buffer.byteLength(line, 'utf8') > maxBytes)) {
    return { ok: false, reason: 'too_large' };
  }
  if (line.trim() === '') return { ok: false, reason: 'empty_line' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, reason: 'not_an_object' };
  const event = parsed as JsonObject;
  const eventId = typeof event.event_id === 'string' && event.event_id.length > 0 && event.event_id.length <= 128 ? event.event_id : undefined;
  const reject = (reason: string): RejectedLine => (eventId === undefined ? { ok: false, reason } : { ok: false, reason, eventId });

  const envelope = checkAll(event, ENVELOPE_WITHOUT_TIME);
  if (envelope) return reject(envelope);
  // occurred_at is checked here rather than by the table, so the timestamp is parsed once.
  if (event.occurred_at === undefined || event.occurred_at === null) return reject('missing_field:occurred_at');
  const occurredMs = typeof event.occurred_at === 'string' ? parseRfc3339(event.occurred_at) : undefined;
  if (occurredMs === undefined) return reject('wrong_type:occurred_at');
  const schema = checkField(event, SCHEMA_VERSION);
  if (schema) return reject(schema);
  const eventType = event.event_type as string;
  const fields = EVENT_TYPES[eventType];
  if (!fields) return reject('unknown_event_type');
  if (occurredMs > options.latestMs) return reject('out_of_range:occurred_at');
  const reason = checkAll(event, fields) ?? checkNested(eventType, event);
  if (reason) return reject(reason);
  // Secrets never pass: walk the event only when its text names a secret field at all.
  if (SECRET_PATTERN.test(line)) redactSecrets(event);
  return { ok: true, event, eventId: eventId!, eventType, productId: event.product_id as string, occurredMs };
}
