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

/** A body's events as the spool stores them: NDJSON, each line raw as sent and ended by a newline. */
export interface BodyEvents {
  data: Buffer;
  lines: number;
}

/**
 * A body's events as NDJSON (a JSON array's elements are cut out of its text, not parsed and printed
 * again: numbers keep every digit, keys their order and spelling). Line breaks inside an element are
 * whitespace (JSON strings cannot hold one raw) and become spaces. Blank lines are skipped. One buffer,
 * no object per line: a million tiny events cost their bytes, not a million buffers.
 */
export function bodyEvents(body: Buffer, contentType: string | undefined): BodyEvents {
  if (body.length === 0) throw new UnreadableBodyError('the body is empty: send NDJSON lines or a JSON array of events');
  if (body.includes(0)) throw new UnreadableBodyError('the body is not text (it holds a NUL byte)');
  const type = (contentType ?? 'application/x-ndjson').split(';')[0]!.trim().toLowerCase();
  const start = firstNonSpace(body);
  if (start < 0) throw new UnreadableBodyError('the body holds only whitespace: send NDJSON lines or a JSON array of events');
  const out = new LineSink(body);
  if (type === 'application/json' && body[start] === 0x5b /* [ */) arrayElements(body, start, out);
  else if (type === 'application/json' || type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'text/plain') ndjsonLines(body, out);
  else throw new UnsupportedMediaError(`Content-Type ${type} is not read (application/x-ndjson or application/json)`);
  return out.done();
}

/** The lines of bodyEvents, each without its newline (tests, and readers of one request). */
export function bodyLines(body: Buffer, contentType: string | undefined): Buffer[] {
  const { data, lines } = bodyEvents(body, contentType);
  const out: Buffer[] = [];
  for (let from = 0, k = 0; k < lines; k++) {
    const end = data.indexOf(0x0a, from);
    out.push(data.subarray(from, end));
    from = end + 1;
  }
  return out;
}

/** Copies line ranges of a body into one NDJSON buffer (never longer than the body and a newline). */
class LineSink {
  private readonly data: Buffer;
  private at = 0;
  private lines = 0;
  constructor(body: Buffer) {
    this.data = Buffer.allocUnsafe(body.length + 1);
  }

  /** Adds body[start, end) as one line; `flatten`: its CR and LF become spaces. */
  add(body: Buffer, start: number, end: number, flatten: boolean): void {
    const from = this.at;
    this.at += body.copy(this.data, this.at, start, end);
    if (flatten) for (let k = from; k < this.at; k++) if (this.data[k] === 0x0a || this.data[k] === 0x0d) this.data[k] = 0x20;
    this.data[this.at++] = 0x0a;
    this.lines += 1;
  }

  done(): BodyEvents {
    return { data: this.data.subarray(0, this.at), lines: this.lines };
  }
}

function firstNonSpace(buf: Buffer, from = 0, to = buf.length): number {
  for (let i = from; i < to; i++) {
    const c = buf[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
  }
  return -1;
}

function ndjsonLines(body: Buffer, out: LineSink): void {
  let from = 0;
  while (from < body.length) {
    let end = body.indexOf(0x0a, from);
    if (end < 0) end = body.length;
    let last = end;
    if (last > from && body[last - 1] === 0x0d) last -= 1;
    if (firstNonSpace(body, from, last) >= 0) out.add(body, from, last, false);
    from = end + 1;
  }
}

/** The elements of a JSON array, each as its own line; a body that is not one array is unreadable. */
function arrayElements(body: Buffer, open: number, out: LineSink): void {
  let i = firstNonSpace(body, open + 1);
  if (i >= 0 && body[i] === 0x5d /* ] */) return trailing(body, i + 1);
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
    const element = body.subarray(start, end);
    out.add(body, start, end, element.includes(0x0a) || element.includes(0x0d));
    if (body[i] === 0x5d) return trailing(body, i + 1);
    i = firstNonSpace(body, i + 1);
  }
  throw new UnreadableBodyError('the JSON array is not closed');
}

function trailing(body: Buffer, from: number): void {
  if (firstNonSpace(body, from) >= 0) throw new UnreadableBodyError(`text after the JSON array at byte ${firstNonSpace(body, from)}`);
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
