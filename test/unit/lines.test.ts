import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { csvCell } from '../../activities/ingest/csv-writer.ts';
import { readLines } from '../../activities/ingest/lines.ts';
import { lineAlignedRanges } from '../../activities/ingest/ranges.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lines-'));
function file(name: string, content: string | Buffer): string {
  const f = path.join(dir, name);
  writeFileSync(f, content);
  return f;
}
async function collect(f: string, maxBytes = 100, extra: { start?: number; end?: number } = {}) {
  const out = [];
  for await (const l of readLines(f, { maxBytes, headLimit: 8, ...extra })) out.push(l);
  return out;
}

describe('readLines', () => {
  it.each([
    ['a trailing newline', 'a\nbb\n', [['a', 1], ['bb', 2]]],
    ['no trailing newline', 'a\nbb', [['a', 1], ['bb', 2]]],
    ['CRLF line ends', 'a\r\nbb\r\n', [['a', 1], ['bb', 2]]],
    ['an empty line in the middle', 'a\n\nc\n', [['a', 1], ['', 2], ['c', 3]]],
    ['an empty file', '', []],
  ])('%s', async (_name, content, expected) => {
    const lines = await collect(file(`t${Math.random()}`, content));
    expect(lines.map((l) => [l.text, l.number])).toEqual(expected);
  });

  it('reads gzip files the same as plain ones', async () => {
    const lines = await collect(file('g.ndjson.gz', gzipSync('{"a":1}\n{"b":2}\n')));
    expect(lines.map((l) => l.text)).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('keeps only the head of an oversized line and counts its bytes', async () => {
    const big = 'x'.repeat(5000);
    const lines = await collect(file('big', `ok\n${big}\nend\n`), 100);
    expect(lines.map((l) => [l.text, l.oversized, l.bytes])).toEqual([['ok', false, 2], ['xxxxxxxx', true, 5000], ['end', false, 3]]);
  });

  it('reads a byte range that starts and ends at line boundaries', async () => {
    const lines = await collect(file('r', 'aa\nbb\ncc\n'), 100, { start: 3, end: 9 });
    expect(lines.map((l) => [l.text, l.number])).toEqual([['bb', 1], ['cc', 2]]);
  });
});

describe('lineAlignedRanges', () => {
  it('splits at line starts and covers the file exactly once', async () => {
    const content = Array.from({ length: 5000 }, (_, i) => `{"n":${i},"pad":"${'y'.repeat(i % 50)}"}`).join('\n') + '\n';
    const f = file('ranges', content);
    const ranges = lineAlignedRanges(f, 3, 1000);
    expect(ranges).toHaveLength(3);
    expect(ranges[0]!.start).toBe(0);
    expect(ranges.at(-1)!.end).toBe(Buffer.byteLength(content));
    const all: string[] = [];
    for (const r of ranges) {
      expect(r.start === 0 || content[r.start - 1] === '\n').toBe(true);
      for (const l of await collect(f, 1000, r)) all.push(l.text);
    }
    expect(all).toEqual(content.trimEnd().split('\n'));
  });
});

describe('csvCell', () => {
  it.each([
    [null, ''],
    ['plain', 'plain'],
    ['', '""'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    [42, '42'],
    [1.5, '1.5'],
    [true, 'true'],
  ])('%j -> %j', (value, encoded) => expect(csvCell(value)).toBe(encoded));
});
