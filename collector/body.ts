import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import { BodyTooLargeError, UnreadableBodyError, UnsupportedMediaError } from './errors.ts';

/** Default limit of a request's body, after decompression: 8 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Reads a request's body, inflating gzip as it arrives and counting the inflated bytes: a body (or a
 * small gzip body inflating) past the limit is refused at the byte that crosses it, never held whole.
 */
export async function readBody(req: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') throw new UnsupportedMediaError(`Content-Encoding ${encoding} is not read (gzip or none)`);
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new BodyTooLargeError(maxBytes);
  }
  const gunzip = encoding === 'gzip' ? createGunzip() : undefined;
  let inflateError: Error | undefined;
  gunzip?.once('error', (err) => {
    inflateError = err;
  });
  const source: NodeJS.ReadableStream = gunzip ? req.pipe(gunzip) : req;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw new BodyTooLargeError(maxBytes);
      chunks.push(chunk);
    }
  } catch (err) {
    gunzip?.destroy();
    req.resume();
    if (err instanceof BodyTooLargeError) throw err;
    if (inflateError) throw new UnreadableBodyError(`the gzip body cannot be inflated: ${inflateError.message}`, inflateError);
    throw err;
  }
  return Buffer.concat(chunks, size);
}

/**
 * A body's events as NDJSON lines, each raw as sent (a JSON array's elements are cut out of its text, not
 * parsed and printed again: numbers keep every digit, keys their order and spelling). Line breaks inside
 * an element are whitespace (JSON strings cannot hold one raw) and become spaces. Blank lines are skipped.
 */
export function bodyLines(body: Buffer, contentType: string | undefined): Buffer[] {
  if (body.length === 0) throw new UnreadableBodyError('the body is empty: send NDJSON lines or a JSON array of events');
  if (body.includes(0)) throw new UnreadableBodyError('the body is not text (it holds a NUL byte)');
  const type = (contentType ?? 'application/x-ndjson').split(';')[0]!.trim().toLowerCase();
  const start = firstNonSpace(body);
  if (start < 0) throw new UnreadableBodyError('the body holds only whitespace: send NDJSON lines or a JSON array of events');
  if (type === 'application/json' && body[start] === 0x5b /* [ */) return arrayElements(body, start);
  if (type === 'application/json' || type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'text/plain') return ndjsonLines(body);
  throw new UnsupportedMediaError(`Content-Type ${type} is not read (application/x-ndjson or application/json)`);
}

function firstNonSpace(buf: Buffer, from = 0): number {
  for (let i = from; i < buf.length; i++) {
    const c = buf[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
  }
  return -1;
}

function ndjsonLines(body: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let from = 0;
  while (from < body.length) {
    let end = body.indexOf(0x0a, from);
    if (end < 0) end = body.length;
    let last = end;
    if (last > from && body[last - 1] === 0x0d) last -= 1;
    const line = body.subarray(from, last);
    if (firstNonSpace(line) >= 0) lines.push(line);
    from = end + 1;
  }
  return lines;
}

/** The elements of a JSON array, each as its own text; a body that is not one array is unreadable. */
function arrayElements(body: Buffer, open: number): Buffer[] {
  const out: Buffer[] = [];
  let i = firstNonSpace(body, open + 1);
  if (i >= 0 && body[i] === 0x5d /* ] */) return trailing(body, i + 1, out);
  while (i >= 0) {
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < body.length; i++) {
      const c = body[i]!;
      if (inString) {
        if (c === 0x5c /* \ */) i++;
        else if (c === 0x22 /* " */) inString = false;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) break;
        depth--;
      } else if (c === 0x2c /* , */ && depth === 0) break;
    }
    if (i >= body.length) throw new UnreadableBodyError('the JSON array is not closed');
    let end = i;
    while (end > start && isSpace(body[end - 1]!)) end--;
    if (end === start) throw new UnreadableBodyError(`the JSON array has an empty element at byte ${start}`);
    out.push(oneLine(body.subarray(start, end)));
    if (body[i] === 0x5d) return trailing(body, i + 1, out);
    i = firstNonSpace(body, i + 1);
  }
  throw new UnreadableBodyError('the JSON array is not closed');
}

function trailing(body: Buffer, from: number, out: Buffer[]): Buffer[] {
  if (firstNonSpace(body, from) >= 0) throw new UnreadableBodyError(`text after the JSON array at byte ${firstNonSpace(body, from)}`);
  return out;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

function oneLine(element: Buffer): Buffer {
  if (!element.includes(0x0a) && !element.includes(0x0d)) return element;
  const copy = Buffer.from(element);
  for (let k = 0; k < copy.length; k++) if (copy[k] === 0x0a || copy[k] === 0x0d) copy[k] = 0x20;
  return copy;
}
