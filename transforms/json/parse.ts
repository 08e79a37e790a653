/**
 * A strict JSON reader (RFC 8259) that keeps what `JSON.parse` loses: the exact text of every number (a
 * 64-bit id survives), the order of keys, and which of two equal keys came first (the first wins, as in
 * DuckDB). It never recurses, so nesting a million levels deep costs memory, not the stack; the deepest
 * level is reported so callers can refuse it. Objects are Maps: a key named `__proto__` is just a key.
 */

/** A JSON number as written: `text` is the literal (for example `33`, `-0`, `1e3`, `5.0`). */
export class JsonNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  /** The nearest double (Infinity when the literal overflows, as `1e999`). */
  get value(): number {
    return Number(this.text);
  }
  /** An integer literal: no fraction, no exponent. */
  get isIntegerLiteral(): boolean {
    return INTEGER_LITERAL.test(this.text);
  }
}

export type JsonValue = string | boolean | null | JsonNumber | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

export type JsonParseResult = { ok: true; value: JsonValue; depth: number } | { ok: false; at: number; message: string };

const INTEGER_LITERAL = /^-?(?:0|[1-9][0-9]*)$/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

export const isJsonObject = (v: JsonValue | undefined): v is JsonObject => v instanceof Map;

interface Frame {
  container: JsonValue[] | JsonObject;
  /** Pending key of an object frame. */
  key: string | undefined;
}

/** Parses one JSON text. Whitespace around it is allowed; anything else after it is not. */
export function parseJson(text: string): JsonParseResult {
  let i = 0;
  const n = text.length;
  const stack: Frame[] = [];
  let depth = 0;
  const fail = (message: string): JsonParseResult => ({ ok: false, at: i, message });
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else return;
    }
  };
  const readString = (): string | undefined => {
    // text[i] is the opening quote
    i++;
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) return undefined;
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) return undefined;
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(start, i);
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hi = hex4(text, i);
          if (hi < 0) return undefined;
          i += 4;
          if (hi >= 0xdc00 && hi <= 0xdfff) return undefined; // a low surrogate alone
          if (hi >= 0xd800 && hi <= 0xdbff) {
            if (text[i] !== '\\' || text[i + 1] !== 'u') return undefined; // a high surrogate alone
            const lo = hex4(text, i + 2);
            if (lo < 0xdc00 || lo > 0xdfff) return undefined;
            i += 6;
            out += String.fromCharCode(hi, lo);
          } else {
            out += String.fromCharCode(hi);
          }
          break;
        }
        default:
          return undefined;
      }
      start = i;
    }
  };
  /** Adds a finished value to the open container, or makes it the root when there is none. */
  const put = (value: JsonValue): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      root = value;
    } else if (top.container instanceof Map) {
      if (!top.container.has(top.key!)) top.container.set(top.key!, value);
      top.key = undefined;
    } else {
      top.container.push(value);
    }
  };

  let root: JsonValue | undefined;
  let done = false;
  ws();
  while (!done) {
    // Expect a value.
    let value: JsonValue | undefined;
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      const container: JsonValue[] | JsonObject = c === '{' ? new Map() : [];
      stack.push({ container, key: undefined });
      depth = Math.max(depth, stack.length);
      ws();
      if (text[i] === (c === '{' ? '}' : ']')) {
        i++;
        stack.pop();
        value = container;
      } else if (c === '{') {
        if (text[i] !== '"') return fail('expected a key');
        const key = readString();
        if (key === undefined) return fail('bad string');
        ws();
        if (text[i] !== ':') return fail('expected ":"');
        i++;
        ws();
        stack[stack.length - 1]!.key = key;
        continue;
      } else {
        continue;
      }
    } else if (c === '"') {
      const s = readString();
      if (s === undefined) return fail('bad string');
      value = s;
    } else if (c === 't' && text.startsWith('true', i)) {
      i += 4;
      value = true;
    } else if (c === 'f' && text.startsWith('false', i)) {
      i += 5;
      value = false;
    } else if (c === 'n' && text.startsWith('null', i)) {
      i += 4;
      value = null;
    } else {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m || m[0].length === 0) return fail('unexpected character');
      i += m[0].length;
      value = new JsonNumber(m[0]);
    }
    // A value is complete: attach it, then close containers or move to the next element.
    for (;;) {
      put(value!);
      ws();
      const top = stack[stack.length - 1];
      if (!top) {
        done = true;
        break;
      }
      const isObject = top.container instanceof Map;
      const close = isObject ? '}' : ']';
      if (text[i] === ',') {
        i++;
        ws();
        if (isObject) {
          if (text[i] !== '"') return fail('expected a key');
          const key = readString();
          if (key === undefined) return fail('bad string');
          ws();
          if (text[i] !== ':') return fail('expected ":"');
          i++;
          ws();
          top.key = key;
        }
        break;
      }
      if (text[i] === close) {
        i++;
        stack.pop();
        value = top.container;
        continue;
      }
      return fail(`expected "," or "${close}"`);
    }
  }
  ws();
  if (i !== n) return fail('unexpected content after the value');
  return { ok: true, value: root!, depth };
}

function hex4(text: string, at: number): number {
  if (at + 4 > text.length) return -1;
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = text.charCodeAt(at + k);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** JSON text of a value: numbers as written, keys in order, no spaces. */
export function stringifyJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyJson).join(',')}]`;
  return `{${[...value].map(([k, v]) => `${JSON.stringify(k)}:${stringifyJson(v)}`).join(',')}}`;
}

/** Deepest nesting of arrays and objects in a value (a scalar is 0). Iterative. */
export function jsonDepth(value: JsonValue): number {
  let max = 0;
  const todo: Array<[JsonValue, number]> = [[value, 0]];
  while (todo.length > 0) {
    const [v, d] = todo.pop()!;
    if (Array.isArray(v)) {
      max = Math.max(max, d + 1);
      for (const x of v) todo.push([x, d + 1]);
    } else if (v instanceof Map) {
      max = Math.max(max, d + 1);
      for (const x of v.values()) todo.push([x, d + 1]);
    }
  }
  return max;
}
