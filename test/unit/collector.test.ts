import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { segmentTimes } from '../../transforms/segment-name.ts';
import { bodyLines, parseWriteKeys, serveCollector, Spool, UnauthorizedError, UnreadableBodyError } from '../../collector/index.ts';

const text = (lines: Buffer[]) => lines.map((l) => l.toString('utf8'));

describe('a request body as event lines', () => {
  it('keeps NDJSON lines raw, without CR or blank lines', () => {
    expect(text(bodyLines(Buffer.from('{"a":1}\r\n\n  \n{"b":2}'), 'application/x-ndjson'))).toEqual(['{"a":1}', '{"b":2}']);
  });

  it("cuts a JSON array's elements out of its text: digits, key order and spellings as sent", () => {
    const body = '[ {"id": 12345678901234567890, "s": "a,]}\\"["},\n  {"z":1,"a":[1,{"b":2}]} , "x", 3 ]';
    expect(text(bodyLines(Buffer.from(body), 'application/json; charset=utf-8'))).toEqual(['{"id": 12345678901234567890, "s": "a,]}\\"["}', '{"z":1,"a":[1,{"b":2}]}', '"x"', '3']);
    expect(bodyLines(Buffer.from('[]'), 'application/json')).toEqual([]);
    // Pretty-printed: line breaks between tokens become spaces, so each event stays one line.
    expect(text(bodyLines(Buffer.from('[{\n  "a": 1\n}]'), 'application/json'))).toEqual(['{   "a": 1 }']);
  });

  it('refuses a body it cannot read at all, saying why', () => {
    const bad =
      (body: string | Buffer, type = 'application/json') =>
      () =>
        bodyLines(Buffer.from(body), type);
    expect(bad('')).toThrow(new UnreadableBodyError('the body is empty: send NDJSON lines or a JSON array of events'));
    expect(bad(' \n ')).toThrow(/only whitespace/);
    expect(bad(Buffer.from([0x7b, 0x00, 0x7d]))).toThrow(/not text/);
    expect(bad('[{"a":1}')).toThrow(/not closed/);
    expect(bad('[{"a":1},,{"b":2}]')).toThrow(/empty element at byte 9/);
    expect(bad('[{"a":1}] x')).toThrow(/text after the JSON array at byte 10/);
    expect(bad('{"a":1}', 'image/png')).toThrow(/Content-Type image\/png is not read/);
  });
});

describe('write keys', () => {
  it('grants by key, compares digests, and names a bad entry by position, never its value', () => {
    const keys = parseWriteKeys('*=0123456789abcdef0123, exrps=exrps-key-0123456789');
    expect(keys.open).toBe(false);
    expect(keys.scopedProducts).toEqual(['exrps']);
    expect(keys.authorize('Bearer 0123456789abcdef0123')).toMatchObject({ position: 1, anyProduct: true });
    expect(keys.authorize('bearer exrps-key-0123456789')).toMatchObject({ position: 2, anyProduct: false, products: new Set(['exrps']), scope: 'exrps' });
    expect(keys.authorize('Bearer 0123456789abcdef0123').scope).toBe('*');
    expect(() => keys.authorize(undefined)).toThrow(UnauthorizedError);
    expect(() => keys.authorize('Bearer nope')).toThrow('the write key is not one of GAMELAKE_WRITE_KEYS');
    expect(() => parseWriteKeys('*=short')).toThrow('GAMELAKE_WRITE_KEYS entry 1 (*): a key needs at least 16 characters');
    expect(() => parseWriteKeys('*=0123456789abcdef0123,oops')).toThrow('GAMELAKE_WRITE_KEYS entry 2 is not product=key (or *=key)');
    try {
      parseWriteKeys('*=secret-but-short');
    } catch (err) {
      expect((err as Error).message).not.toContain('secret');
    }
    expect(parseWriteKeys(undefined).open).toBe(true);
  });
});

describe('the spool', () => {
  it('acknowledges appends only once they are on disk, many requests per sync, and closes segments at a size', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spool-'));
    const closed: string[] = [];
    const spool = new Spool({ dir, segmentBytes: 1000, segmentAgeMs: 60_000, onClosed: (s) => closed.push(s) });
    const lines = Array.from({ length: 200 }, (_, i) => Buffer.from(`{"n":${i}}`));
    // Four waves of 50 appends at once (each wave one write and one sync): each resolves after its bytes
    // are in a segment file; a segment closes once a write takes it past 1000 bytes.
    for (let wave = 0; wave < 4; wave++)
      await Promise.all(
        lines.slice(wave * 50, wave * 50 + 50).map(async (l) => {
          const a = await spool.append([l]);
          // Open under its name, or closed under that name with its last acknowledgement added.
          const id = segmentTimes(a.segment)!.id;
          const where = [spool.openDir, spool.closedDir].flatMap((d) => readdirSync(d).map((f) => path.join(d, f))).find((f) => segmentTimes(f)?.id === id)!;
          expect(readFileSync(where, 'utf8')).toContain(`${l}\n`);
        }),
      );
    await spool.close();
    const all = spool.closed();
    expect(closed.length).toBe(all.length);
    // 50 lines of about 9 bytes a wave: the second wave closes the first segment, the fourth the second.
    expect(all.length).toBe(2);
    const content = all.map((f) => readFileSync(f, 'utf8')).join('');
    expect(content.split('\n').filter(Boolean).sort()).toEqual(lines.map(String).sort());
    expect(readdirSync(spool.openDir)).toEqual([]);
  });

  it('closes a segment at its age, and at start cuts a segment a killed collector left open back to its last whole line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spool-'));
    const spool = new Spool({ dir, segmentAgeMs: 100 });
    await spool.append([Buffer.from('{"a":1}')]);
    for (let t = 0; spool.closed().length === 0 && t < 100; t++) await new Promise((r) => setTimeout(r, 20));
    expect(spool.closed()).toHaveLength(1);
    await spool.close();
    // A segment cut in the middle of an unacknowledged request's line.
    writeFileSync(path.join(spool.openDir, 'collect-left-open.ndjson'), '{"b":1}\n{"b":2}\n{"b":');
    writeFileSync(path.join(spool.openDir, 'collect-empty.ndjson'), '{"half":');
    const again = new Spool({ dir });
    expect(again.closed().map((f) => path.basename(f))).toContain('collect-left-open.ndjson');
    expect(readFileSync(path.join(again.closedDir, 'collect-left-open.ndjson'), 'utf8')).toBe('{"b":1}\n{"b":2}\n');
    expect(readdirSync(again.openDir)).toEqual([]);
    await again.close();
  });
});

/** One HTTP request to the collector: status, headers and parsed body. */
function post(
  url: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...headers } }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: data ? JSON.parse(data) : {}, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the collector over HTTP (no Temporal: segments wait in the spool)', () => {
  it('answers 202 once stored, and 400, 401, 413 and 429 with a reason; a gzip bomb is refused while it inflates', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'collector-'));
    const spool = new Spool({ dir, limitBytes: 4096, segmentAgeMs: 60_000 });
    const keys = parseWriteKeys('*=0123456789abcdef0123');
    const c = await serveCollector({ spool, keys, port: 0, maxBodyBytes: 64 * 1024 });
    const auth = { authorization: 'Bearer 0123456789abcdef0123' };
    try {
      const ok = await post(c.url, '{"event_id":"a"}\n{"event_id":"b"}\n', auth);
      expect(ok.status).toBe(202);
      expect(ok.body).toMatchObject({ lines: 2 });
      expect(String(ok.body.request_id)).toMatch(/^[0-9a-f-]{36}$/);
      const zipped = await post(c.url, gzipSync('[{"event_id":"c"}]'), { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect(zipped).toMatchObject({ status: 202, body: { lines: 1 } });
      expect((await post(c.url, '{}', {})).status).toBe(401);
      expect((await post(c.url, '{}', { authorization: 'Bearer wrong-key-0123456789' })).body.error).toBe('the write key is not one of GAMELAKE_WRITE_KEYS');
      expect(await post(c.url, Buffer.from('not gzip'), { ...auth, 'content-encoding': 'gzip' })).toMatchObject({ status: 400 });
      expect(await post(c.url, '', auth)).toMatchObject({ status: 400 });
      // 1 KB of gzip inflating to 16 MiB: refused at the limit, not inflated whole.
      const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20));
      expect(bomb.length).toBeLessThan(20 * 1024);
      expect(await post(c.url, bomb, { ...auth, 'content-encoding': 'gzip' })).toMatchObject({
        status: 413,
        body: { error: 'body over the limit of 65536 bytes (after decompression)' },
      });
      expect((await post(c.url, 'x'.repeat(70 * 1024), auth)).status).toBe(413);
      // Fill the spool past its limit: backpressure, with Retry-After.
      const line = `{"event_id":"${'f'.repeat(1000)}"}`;
      let full: Awaited<ReturnType<typeof post>> | undefined;
      for (let i = 0; i < 10 && !full; i++) {
        const r = await post(c.url, line, auth);
        if (r.status === 429) full = r;
      }
      expect(full?.headers['retry-after']).toBe('5');
      expect(c.stats.refused['429']).toBe(1);
    } finally {
      await c.close();
    }
    const stored = spool
      .closed()
      .map((f) => readFileSync(f, 'utf8'))
      .join('');
    expect(stored.startsWith('{"event_id":"a"}\n{"event_id":"b"}\n{"event_id":"c"}\n')).toBe(true);
  });

  it('cuts off a body sent a byte at a time past the request time limit, storing nothing of it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'collector-'));
    const spool = new Spool({ dir, segmentAgeMs: 60_000 });
    const c = await serveCollector({ spool, keys: parseWriteKeys(undefined), port: 0, requestTimeoutMs: 600 });
    try {
      const outcome = await new Promise<string>((resolve) => {
        const req = request(`${c.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'content-length': '1000' } }, (res) => {
          res.resume();
          resolve(`status ${res.statusCode}`);
        });
        req.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code}`));
        const body = '{"event_id":"slow"}';
        let k = 0;
        const drip = setInterval(() => {
          if (k < body.length && !req.destroyed) req.write(body[k++]!);
          else clearInterval(drip);
        }, 100);
      });
      // Node answers 408 (or closes the connection) once the request outlives its limit.
      expect(outcome).toMatch(/^(status 408|error ECONNRESET|error EPIPE)$/);
    } finally {
      await c.close();
    }
    expect(spool.closed()).toEqual([]);
  });

  it('refuses to listen beyond loopback without write keys, or a scoped key without its spool', async () => {
    const spool = new Spool({ dir: mkdtempSync(path.join(os.tmpdir(), 'collector-')) });
    await expect(serveCollector({ spool, keys: parseWriteKeys(undefined), host: '0.0.0.0', port: 0 })).rejects.toThrow(/only with write keys/);
    await expect(serveCollector({ spool, keys: parseWriteKeys('exrps=0123456789abcdef0123'), port: 0 })).rejects.toThrow('no spool for the write key limited to exrps');
    await spool.close();
  });

  it("puts a scoped key's events in the spool of its products, which its batches carry", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'collector-'));
    const spool = new Spool({ dir: path.join(root, 'collector'), segmentAgeMs: 60_000 });
    const keys = parseWriteKeys('*=any-key-0123456789,placebo=studio-key-0123456789,varcade=studio-key-0123456789');
    expect(keys.scopes).toEqual([['placebo', 'varcade']]);
    const mine = new Spool({ dir: path.join(root, 'studio'), products: ['varcade', 'placebo'], segmentAgeMs: 60_000 });
    expect(mine.products).toEqual(['placebo', 'varcade']);
    const c = await serveCollector({ spool, scoped: new Map([['placebo\nvarcade', mine]]), keys, port: 0 });
    try {
      expect(await post(c.url, '{"event_id":"s1","product_id":"exrps"}', { authorization: 'Bearer studio-key-0123456789' })).toMatchObject({ status: 202 });
      expect(await post(c.url, '{"event_id":"a1"}', { authorization: 'Bearer any-key-0123456789' })).toMatchObject({ status: 202 });
    } finally {
      await c.close();
    }
    const content = (s: Spool) => s.closed().map((f) => readFileSync(f, 'utf8'));
    expect(content(mine)).toEqual(['{"event_id":"s1","product_id":"exrps"}\n']);
    expect(content(spool)).toEqual(['{"event_id":"a1"}\n']);
    // Taken over by another process (no products given): the scope is read back from scope.json.
    const adopted = new Spool({ dir: path.join(root, 'studio') });
    expect(adopted.products).toEqual(['placebo', 'varcade']);
    await adopted.close();
    expect(new Spool({ dir: path.join(root, 'collector') }).products).toBeUndefined();
  });
});

describe('a Redis stream entry as an event line', () => {
  it("maps Varcade's flat fields into the envelope, and keeps an `event` field's JSON as sent", async () => {
    const { entryLine } = await import('../../collector/index.ts');
    // The stats tracker's shape: event_data[b"type"], b"product_id", b"winner_id", b"loser_id".
    const varcade = JSON.parse(entryLine('events', '1796625836041-3', { type: 'game_over', product_id: 'exrps', game_id: 'g1', winner_id: 'u1', loser_id: 'u2' }));
    expect(varcade).toEqual({
      event_id: 'events/1796625836041-3',
      event_type: 'game_over',
      product_id: 'exrps',
      game_id: 'g1',
      winner_id: 'u1',
      loser_id: 'u2',
      occurred_at: new Date(1796625836041).toISOString(),
    });
    expect(JSON.parse(entryLine('s', '1-0', { event_id: 'e1', event_type: 'set_ready', occurred_at: '2026-03-01T00:00:00Z' }))).toEqual({
      event_id: 'e1',
      event_type: 'set_ready',
      occurred_at: '2026-03-01T00:00:00Z',
    });
    expect(entryLine('s', '1-0', { event: '{"event_id": 12345678901234567890,\n"x":1}' })).toBe('{"event_id": 12345678901234567890, "x":1}');
  });
});
