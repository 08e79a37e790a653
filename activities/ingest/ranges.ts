import { closeSync, openSync, readSync, statSync } from 'node:fs';

/**
 * Splits a plain file into up to `parts` byte ranges [start, end) that each begin at a line start, so
 * workers can read them independently. Small files get one range.
 */
export function lineAlignedRanges(file: string, parts: number, minBytes = 8 << 20): Array<{ start: number; end: number }> {
  const size = statSync(file).size;
  const n = Math.max(1, Math.min(parts, Math.floor(size / minBytes)));
  if (n === 1) return [{ start: 0, end: size }];
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(64 * 1024);
  try {
    const cuts = [0];
    for (let k = 1; k < n; k++) {
      let pos = Math.max(Math.floor((size * k) / n), cuts[cuts.length - 1]!);
      let cut = size;
      while (pos < size) {
        const read = readSync(fd, buf, 0, buf.length, pos);
        const nl = buf.subarray(0, read).indexOf(10);
        if (nl >= 0) {
          cut = pos + nl + 1;
          break;
        }
        pos += read;
      }
      cuts.push(cut);
    }
    cuts.push(size);
    const ranges: Array<{ start: number; end: number }> = [];
    for (let k = 0; k + 1 < cuts.length; k++) ranges.push({ start: cuts[k]!, end: cuts[k + 1]! });
    return ranges;
  } finally {
    closeSync(fd);
  }
}
