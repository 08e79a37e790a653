import { isJsonObject, type JsonValue } from './json/parse.ts';

/**
 * Secrets (passwords and the keys a contract names) never reach the lake, quarantine, history or logs.
 * A key is secret when its lower-case form contains a secret key: `Password`, `user_password` and
 * `PASSWORD_HASH` all are. Matching happens at every depth and whatever the value's type.
 */

export const REDACTED = '[REDACTED]';

export function isSecretKey(key: string, secretKeys: ReadonlySet<string>): boolean {
  const lower = key.toLowerCase();
  for (const s of secretKeys) if (lower.includes(s)) return true;
  return false;
}

/** A copy of a parsed value without secret keys at any depth; `removed` counts them. Iterative. */
export function scrubSecrets(value: JsonValue, secretKeys: ReadonlySet<string>): { value: JsonValue; removed: number } {
  let removed = 0;
  const copy = (v: JsonValue): JsonValue => {
    if (Array.isArray(v)) return v.slice();
    if (isJsonObject(v)) return new Map(v);
    return v;
  };
  const root = copy(value);
  const todo: JsonValue[] = [root];
  while (todo.length > 0) {
    const v = todo.pop()!;
    if (Array.isArray(v)) {
      for (let k = 0; k < v.length; k++) {
        v[k] = copy(v[k]!);
        todo.push(v[k]!);
      }
    } else if (isJsonObject(v)) {
      for (const [key, inner] of v) {
        if (isSecretKey(key, secretKeys)) {
          v.delete(key);
          removed += 1;
        } else {
          const c = copy(inner);
          v.set(key, c);
          todo.push(c);
        }
      }
    }
  }
  return { value: root, removed };
}

/**
 * The raw text of a line with the value of every secret key replaced by "[REDACTED]": strings, numbers,
 * literals, and whole objects or arrays (to their closing bracket, or to the end of a truncated line).
 * Works on broken JSON too, as producers write it: it reads tokens, not a document. A key is a string in
 * double or single quotes or a bare word; between it and its value any whitespace (Unicode spaces, form
 * feeds), comments, and a `:`, `=` or `=>`. Keys written with \u escapes are decoded before matching.
 * Everything else is left exactly as received.
 */
export function maskSecrets(text: string, secretKeys: ReadonlySet<string>): string {
  let out = '';
  let copied = 0;
  let i = 0;
  const n = text.length;
  /** End (exclusive) of the string token starting at `at` (a ' or " quote); n when unterminated. */
  const stringEnd = (at: number): number => {
    const quote = text.charCodeAt(at);
    let k = at + 1;
    while (k < n) {
      const c = text.charCodeAt(k);
      if (c === 0x5c) k += 2;
      else if (c === quote) return k + 1;
      else k++;
    }
    return n;
  };
  /** Past whitespace of any kind and comments. */
  const skipSeparators = (at: number): number => {
    let k = at;
    for (;;) {
      while (k < n && /\s/.test(text[k]!)) k++;
      if (text.startsWith('/*', k)) {
        const close = text.indexOf('*/', k + 2);
        k = close < 0 ? n : close + 2;
      } else if (text.startsWith('//', k)) {
        const close = text.indexOf('\n', k + 2);
        k = close < 0 ? n : close + 1;
      } else return k;
    }
  };
  /** Where the value after a key starts (past `:`, `=` or `=>`), or -1 when the token is not a key. */
  const valueStart = (afterKey: number): number => {
    let k = skipSeparators(afterKey);
    if (text[k] === ':') k += 1;
    else if (text[k] === '=') k += text[k + 1] === '>' ? 2 : 1;
    else return -1;
    return skipSeparators(k);
  };
  /** End of the value starting at `at`: a string, a balanced object/array, or a bare token. */
  const valueEnd = (at: number): number => {
    const c = text[at];
    if (c === '"' || c === "'") return stringEnd(at);
    if (c === '{' || c === '[') {
      let depth = 0;
      let k = at;
      while (k < n) {
        const d = text[k];
        if (d === '"' || d === "'") {
          k = stringEnd(k);
          continue;
        }
        if (d === '{' || d === '[') depth++;
        else if (d === '}' || d === ']') {
          depth--;
          if (depth === 0) return k + 1;
        }
        k++;
      }
      return n;
    }
    let k = at;
    while (k < n && !/[,;}\]\s]/.test(text[k]!)) k++;
    return k;
  };
  while (i < n) {
    const c = text[i]!;
    let end: number;
    let key: string;
    if (c === '"' || c === "'") {
      end = stringEnd(i);
      key = decodeKey(text.slice(i, end));
    } else if (/[A-Za-z_$]/.test(c) && (i === 0 || !/[A-Za-z0-9_$]/.test(text[i - 1]!))) {
      end = i + 1;
      while (end < n && /[A-Za-z0-9_$-]/.test(text[end]!)) end++;
      key = text.slice(i, end);
    } else {
      i++;
      continue;
    }
    if (isSecretKey(key, secretKeys)) {
      const start = valueStart(end);
      if (start >= 0) {
        if (start >= n) break;
        const stop = valueEnd(start);
        out += `${text.slice(copied, start)}"${REDACTED}"`;
        copied = stop;
        i = stop;
        continue;
      }
    }
    i = end;
  }
  return out + text.slice(copied);
}

/** The text of a (possibly unterminated) JSON string token, escapes decoded as far as they are valid. */
function decodeKey(token: string): string {
  const quote = token[0]!;
  const body = token.endsWith(quote) && token.length > 1 ? token.slice(1, -1) : token.slice(1);
  if (!body.includes('\\')) return body;
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[e] ?? e;
  });
}
