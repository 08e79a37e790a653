import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/**
 * Reads a batch file (plain or gzip NDJSON) once, in constant memory: hashes the stored bytes, numbers the
 * lines, drops a UTF-8 byte-order mark at the start, and hands out segments of whole lines ready for DuckDB.
 * Lines DuckDB must not see are set aside with their reason (their place in a segment is left empty so
 * numbering holds): a line longer than the limit (only its head is kept, never the whole line) and a line
 * that is not UTF-8.
 */

export interface SpecialLine {
  line: number;
  reason: 'too_large' | 'invalid_utf8';
  /** The line's first bytes as text (for quarantine). */
  head: string;
  /** Bytes of the whole line (without its newline). */
  bytes: number;
}

export interface Segment {
  /** Consecutive bodies of whole lines, without a final newline; `firstLine` numbers the first (1-based). */
  bodies: Array<{ firstLine: number; body: Buffer }>;
  firstLine: number;
  lines: number;
  bytes: number;
  specials: SpecialLine[];
}

export interface ReadSummary {
  sha256: string;
  lines: number;
  /** Bytes as stored (compressed for gzip). */
  storedBytes: number;
  gzip: boolean;
  bom: boolean;
}

export interface ReaderOptions {
  maxLineBytes: number;
  /** Head of a set-aside line that is kept. */
  headLimit: number;
  /** Target size of a segment (bytes of lines). */
  segmentBytes: number;
  /** A segment also ends once it holds this many lines (default: no limit). */
  segmentLines?: number;
}

const NL = 10;
const CR = 13;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Bytes of a line without a trailing CR (CRLF files are NDJSON too). */
const lineBytes = (b: Buffer, start: number, end: number) => (end > start && b[end - 1] === CR ? end - start - 1 : end - start);

export async function isGzipFile(file: string): Promise<boolean> {
  const stream = createReadStream(file, { start: 0, end: 1 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    stream.destroy();
    return chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b;
  }
  return false;
}

export class BatchReader {
  readonly file: string;
  readonly options: ReaderOptions;
  summary: ReadSummary | undefined;

  constructor(file: string, options: ReaderOptions) {
    this.file = file;
    this.options = options;
  }

  async *segments(): AsyncGenerator<Segment> {
    const { maxLineBytes, headLimit, segmentBytes } = this.options;
    const segmentLines = this.options.segmentLines ?? Number.POSITIVE_INFINITY;
    const gzip = await isGzipFile(this.file);
    const hash = createHash('sha256');
    let stored = 0;
    const raw = createReadStream(this.file, { highWaterMark: 1 << 20 });
    raw.on('data', (chunk: Buffer | string) => {
      hash.update(chunk);
      stored += chunk.length;
    });
    const source: Readable = gzip ? raw.pipe(createGunzip()) : raw;
    if (gzip) raw.on('error', (err) => source.destroy(err));

    let line = 0; // lines finished so far
    let segment: Segment = { bodies: [], firstLine: 1, lines: 0, bytes: 0, specials: [] };
    // A line spanning reads: its parts (or only its head, once it is known to be too long).
    let carry: Buffer[] = [];
    let carryBytes = 0;
    let carryLast = -1;
    let oversized = false;
    let first = true;
    let bom = false;

    const push = (body: Buffer, lines: number, specials: SpecialLine[] = []) => {
      if (segment.lines === 0) segment.firstLine = line + 1;
      segment.bodies.push({ firstLine: line + 1, body });
      segment.lines += lines;
      segment.bytes += body.length;
      segment.specials.push(...specials);
      line += lines;
    };
    const setAside = (reason: SpecialLine['reason'], head: Buffer, bytes: number): SpecialLine => ({
      line: line + 1,
      reason,
      head: head.subarray(0, headLimit).toString('utf8'),
      bytes,
    });
    /** Finishes the carried line (its newline was just seen, or the file ended). */
    const finishCarry = (tail: Buffer) => {
      const total = carryBytes + tail.length;
      const last = tail.length > 0 ? tail[tail.length - 1] : carryLast;
      const size = last === CR ? total - 1 : total;
      if (oversized || size > maxLineBytes) {
        push(Buffer.alloc(0), 1, [setAside('too_large', Buffer.concat([...carry, tail.subarray(0, headLimit)]), size)]);
      } else {
        const whole = carry.length === 0 ? tail : Buffer.concat([...carry, tail]);
        if (isUtf8(whole)) push(whole, 1);
        else push(Buffer.alloc(0), 1, [setAside('invalid_utf8', whole, size)]);
      }
      carry = [];
      carryBytes = 0;
      carryLast = -1;
      oversized = false;
    };
    /** Keeps part of a line that continues in the next read (only its head once it is too long). */
    const keep = (part: Buffer) => {
      carryBytes += part.length;
      if (part.length > 0) carryLast = part[part.length - 1]!;
      if (oversized) return;
      carry.push(Buffer.from(part));
      if (carryBytes > maxLineBytes + 1) {
        carry = [Buffer.concat(carry).subarray(0, headLimit)];
        oversized = true;
      }
    };
    /** Whole lines of `b` between `start` and `end` (end: index of the last newline); set-aside lines are blanked. */
    const region = (b: Buffer, start: number, end: number) => {
      const body = b.subarray(start, end);
      let lines = 1;
      let tooLong = false;
      for (let p = start, nl = b.indexOf(NL, start); ; nl = b.indexOf(NL, p)) {
        const stop = nl < 0 || nl > end ? end : nl;
        if (lineBytes(b, p, stop) > maxLineBytes) tooLong = true;
        if (stop === end) break;
        lines += 1;
        p = stop + 1;
      }
      if (!tooLong && isUtf8(body)) {
        push(body, lines);
        return;
      }
      // Rare: rebuild the body without the set-aside lines, keeping one (empty) line in their place.
      const parts: Buffer[] = [];
      const specials: SpecialLine[] = [];
      let n = 0;
      for (let p = start; ; ) {
        const nl = b.indexOf(NL, p);
        const stop = nl < 0 || nl > end ? end : nl;
        const text = b.subarray(p, stop);
        const size = lineBytes(b, p, stop);
        n += 1;
        const reason = size > maxLineBytes ? 'too_large' : isUtf8(text) ? undefined : 'invalid_utf8';
        if (reason) specials.push({ ...setAside(reason, text, size), line: line + n });
        else parts.push(text);
        if (stop === end) break;
        parts.push(Buffer.from([NL]));
        p = stop + 1;
      }
      push(Buffer.concat(parts), lines, specials);
    };

    for await (let b of source as AsyncIterable<Buffer>) {
      if (first) {
        first = false;
        if (b.length >= 3 && b.subarray(0, 3).equals(BOM)) {
          b = b.subarray(3);
          bom = true;
        }
      }
      let start = 0;
      const firstNl = b.indexOf(NL);
      if (firstNl < 0) {
        keep(b);
        continue;
      }
      if (carry.length > 0 || carryBytes > 0) {
        finishCarry(b.subarray(0, firstNl));
        start = firstNl + 1;
      }
      const lastNl = b.lastIndexOf(NL);
      if (lastNl >= start) region(b, start, lastNl);
      const rest = b.subarray(lastNl + 1);
      if (rest.length > 0) keep(rest);
      if (segment.bytes >= segmentBytes || segment.lines >= segmentLines) {
        yield segment;
        segment = { bodies: [], firstLine: line + 1, lines: 0, bytes: 0, specials: [] };
      }
    }
    if (carry.length > 0 || carryBytes > 0) finishCarry(Buffer.alloc(0));
    if (segment.lines > 0) yield segment;
    this.summary = { sha256: hash.digest('hex'), lines: line, storedBytes: stored, gzip, bom };
  }
}
