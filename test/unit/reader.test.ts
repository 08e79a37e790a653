import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BatchReader } from '../../lake/ingest/reader.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'reader-'));
let n = 0;
function file(content: string | Buffer): string {
  const f = path.join(dir, `f${++n}`);
  writeFileSync(f, content);
  return f;
}

/** Lines as DuckDB will see them (set-aside lines are empty), the set-aside lines, and the summary. */
async function read(f: string, options: { maxLineBytes?: number; segmentBytes?: number } = {}) {
  const reader = new BatchReader(f, { maxLineBytes: options.maxLineBytes ?? 100, headLimit: 8, segmentBytes: options.segmentBytes ?? 1 << 20 });
  const lines: Array<[number, string]> = [];
  const specials: Array<[number, string, string, number]> = [];
  let segments = 0;
  for await (const s of reader.segments()) {
    segments += 1;
    for (const { firstLine, body } of s.bodies)
      body
        .toString('utf8')
        .split('\n')
        .forEach((text, k) => lines.push([firstLine + k, text]));
    for (const sp of s.specials) specials.push([sp.line, sp.reason, sp.head, sp.bytes]);
  }
  return { lines, specials, segments, summary: reader.summary! };
}

describe('BatchReader', () => {
  it.each([
    [
      'a trailing newline',
      'a\nbb\n',
      [
        [1, 'a'],
        [2, 'bb'],
      ],
    ],
    [
      'no trailing newline',
      'a\nbb',
      [
        [1, 'a'],
        [2, 'bb'],
      ],
    ],
    [
      'CRLF line ends (the CR stays: JSON whitespace)',
      'a\r\nbb\r\n',
      [
        [1, 'a\r'],
        [2, 'bb\r'],
      ],
    ],
    [
      'an empty line in the middle',
      'a\n\nc\n',
      [
        [1, 'a'],
        [2, ''],
        [3, 'c'],
      ],
    ],
    ['a single newline: one empty line', '\n', [[1, '']]],
    ['an empty file', '', []],
  ])('%s', async (_name, content, expected) => {
    expect((await read(file(content))).lines).toEqual(expected);
  });

  it('hashes the bytes as stored and counts the lines', async () => {
    const content = 'x\ny\nz';
    const { summary } = await read(file(content));
    expect(summary).toMatchObject({ lines: 3, gzip: false, bom: false, sha256: createHash('sha256').update(content).digest('hex') });
  });

  it('drops a UTF-8 byte-order mark at the start of the file, and only there', async () => {
    const { lines, summary } = await read(file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"b":2}\n')])));
    expect(lines).toEqual([
      [1, '{"a":1}'],
      [2, '{"b":2}'],
    ]);
    expect(summary.bom).toBe(true);
  });

  it('reads gzip files the same as plain ones and hashes the compressed bytes', async () => {
    const gz = gzipSync('{"a":1}\n{"b":2}\n');
    const { lines, summary } = await read(file(gz));
    expect(lines).toEqual([
      [1, '{"a":1}'],
      [2, '{"b":2}'],
    ]);
    expect(summary).toMatchObject({ gzip: true, sha256: createHash('sha256').update(gz).digest('hex') });
  });

  it('sets aside an oversized line, keeping its head and its size, never the whole line', async () => {
    const big = 'x'.repeat(5000);
    const { lines, specials } = await read(file(`ok\n${big}\r\nend\n`));
    expect(lines).toEqual([
      [1, 'ok'],
      [2, ''],
      [3, 'end'],
    ]);
    expect(specials).toEqual([[2, 'too_large', 'xxxxxxxx', 5000]]);
  });

  it('sets aside an oversized line that spans many reads', async () => {
    const big = 'y'.repeat(3 << 20);
    const { lines, specials } = await read(file(`a\n${big}\nb`), { maxLineBytes: 1 << 20 });
    expect(lines).toEqual([
      [1, 'a'],
      [2, ''],
      [3, 'b'],
    ]);
    expect(specials).toEqual([[2, 'too_large', 'yyyyyyyy', 3 << 20]]);
  });

  it('sets aside a line that is not UTF-8 (broken bytes are never turned into U+FFFD)', async () => {
    const bad = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const { lines, specials } = await read(file(Buffer.concat([Buffer.from('ok\n'), bad, Buffer.from('\nend\n')])));
    expect(lines).toEqual([
      [1, 'ok'],
      [2, ''],
      [3, 'end'],
    ]);
    expect(specials.map((s) => [s[0], s[1], s[3]])).toEqual([[2, 'invalid_utf8', 10]]);
  });

  it('treats a file with CR-only line ends as one line', async () => {
    const { lines } = await read(file('{"a":1}\r{"b":2}\r'), { maxLineBytes: 1000 });
    expect(lines).toEqual([[1, '{"a":1}\r{"b":2}\r']]);
  });

  it('hands out segments of whole lines, numbered across segments', async () => {
    const content = `${Array.from({ length: 300_000 }, (_, i) => `{"n":${i}}`).join('\n')}\n`;
    const { lines, segments } = await read(file(content), { segmentBytes: 1000 });
    expect(segments).toBeGreaterThan(1);
    expect(lines).toEqual(
      content
        .trimEnd()
        .split('\n')
        .map((t, i) => [i + 1, t]),
    );
  });
});
