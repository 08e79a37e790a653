import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Transform, type Readable } from 'node:stream';

export interface Line {
  /** 1-based line number. */
  number: number;
  /** Text; for an oversized line only its head (headLimit bytes). */
  text: string;
  /** Bytes of the whole line (without the newline). */
  bytes: number;
  /** The line was longer than maxBytes and was not kept whole. */
  oversized: boolean;
}

const GZIP_MAGIC = [0x1f, 0x8b];

async function isGzip(file: string): Promise<boolean> {
  const stream = createReadStream(file, { start: 0, end: 1 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    stream.destroy();
    return chunk[0] === GZIP_MAGIC[0] && chunk[1] === GZIP_MAGIC[1];
  }
  return false;
}

/**
 * Streams the lines of a plain or gzip NDJSON file with constant memory: a line longer than `maxBytes` is
 * not accumulated (only its first `headLimit` bytes are kept). `onRaw` sees every raw byte chunk of the
 * file as stored (for hashing). A final line without a newline counts; an empty file has no lines.
 */
export { isGzip };

export async function* readLines(
  file: string,
  options: { maxBytes: number; headLimit: number; onRaw?: (chunk: Buffer) => void; start?: number; end?: number },
): AsyncGenerator<Line> {
  const gzip = await isGzip(file);
  // start/end (byte offsets, end exclusive) select a slice of a plain file that begins and ends at line boundaries.
  const range = options.end === undefined ? { start: options.start ?? 0 } : { start: options.start ?? 0, end: options.end - 1 };
  if (options.end !== undefined && options.end <= (options.start ?? 0)) return;
  const raw: Readable = createReadStream(file, { highWaterMark: 1 << 20, ...range });
  const onRaw = options.onRaw;
  // A tap sees the stored bytes (for hashing) without taking them from the line reader.
  const tapped = onRaw
    ? raw.pipe(new Transform({ transform(chunk: Buffer, _enc, done) { onRaw(chunk); done(null, chunk); } }))
    : raw;
  const source: Readable = gzip ? tapped.pipe(createGunzip()) : tapped;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let oversized = false;
  let number = 0;
  const finish = (tail: Buffer): Line => {
    number += 1;
    let bytes = partBytes + tail.length;
    let buf = parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
    if (!oversized && buf.length > 0 && buf[buf.length - 1] === 13) {
      buf = buf.subarray(0, buf.length - 1);
      bytes -= 1;
    }
    const line: Line = { number, text: buf.toString('utf8'), bytes, oversized: oversized || bytes > options.maxBytes };
    if (line.oversized) line.text = buf.subarray(0, options.headLimit).toString('utf8');
    parts = [];
    partBytes = 0;
    oversized = false;
    return line;
  };
  for await (const chunk of source as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      yield finish(chunk.subarray(start, nl));
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      partBytes += rest.length;
      if (oversized) continue;
      if (partBytes > options.maxBytes) {
        // Keep only the head of an oversized line.
        const kept = Buffer.concat([...parts, rest]).subarray(0, options.headLimit);
        parts = [kept];
        oversized = true;
      } else {
        parts.push(Buffer.from(rest));
      }
    }
  }
  if (partBytes > 0) yield finish(Buffer.alloc(0));
}
