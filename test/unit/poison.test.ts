import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitBatch, loadContracts, openDb, stageBatch, tableFiles, lakeSnapshot, fileList } from '../../lake/index.ts';
import { CORPUS } from '../fixtures/bad-lines.ts';
import { VALID } from '../fixtures/events.ts';

/**
 * Lines that once failed a whole batch (and retried it forever), were accepted though invalid, or were
 * stored altered: each goes between two good lines, and the batch must commit with the two good lines
 * accepted and the bad one quarantined with the exact reason (or, when it is valid, accepted as sent).
 */

const registry = loadContracts();
const line = (name: string) => {
  const found = CORPUS.find(([n]) => n === name);
  if (!found) throw new Error(`no corpus line "${name}"`);
  return found[1];
};
const good = (id: string) => JSON.stringify({ ...VALID.set_ready, event_id: id });

async function ingestLines(body: Buffer | string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'poison-'));
  const file = path.join(dir, 'batch.ndjson');
  writeFileSync(file, body);
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  const input = { file, sha256, batchId: sha256.slice(0, 16) };
  const lakeDir = path.join(dir, 'lake');
  const workDir = path.join(dir, 'work');
  await stageBatch(input, { workDir, lakeDir, registry, now: () => Date.parse('2026-11-21T12:00:00Z') });
  const manifest = await commitBatch(input, { lakeDir, workDir, registry });
  const db = await openDb();
  try {
    const q = tableFiles(lakeSnapshot(lakeDir), lakeDir, 'quarantine');
    const quarantine = q.length ? await db.rows<{ line: bigint; reason: string }>(`SELECT line, reason FROM read_parquet(${fileList(q)}) ORDER BY line`) : [];
    return { manifest, quarantine: quarantine.map((r) => [Number(r.line), r.reason] as const), lakeDir, db };
  } catch (err) {
    db.close();
    throw err;
  }
}

async function between(bad: string) {
  const r = await ingestLines(`${[good('g-before'), bad, good('g-after')].join('\n')}\n`);
  r.db.close();
  return r;
}

describe('a poison line fails nothing but itself', () => {
  it.each([
    ['an item quantity 3e9', 'out_of_range:inventory.items[0].quantity'],
    ['schema_version 3e9', 'out_of_range:schema_version'],
    ['an item level 2^31', 'out_of_range:inventory.items[0].level'],
    ['max_capacity 1e10', 'out_of_range:inventory.max_capacity'],
    ['deep nesting as the whole line', 'too_deep'],
    ['event_type constructor', 'unknown_event_type'],
    ['event_type hasOwnProperty', 'unknown_event_type'],
    ['event_type __proto__', 'unknown_event_type'],
    ['event_type toString', 'unknown_event_type'],
    ['event_type valueOf', 'unknown_event_type'],
    ['product __proto__', 'unknown_product'],
    ['occurred_at February 31', 'wrong_type:occurred_at'],
    ['occurred_at February 29 2025', 'wrong_type:occurred_at'],
    ['an affiliation joined February 30', 'wrong_type:player.affiliations[0].joined_at'],
    ['an item value 1e308', 'out_of_range:inventory.items[0].value'],
  ])('%s -> %s', async (name, reason) => {
    const r = await between(line(name));
    expect(r.manifest).toMatchObject({ linesIn: 3, accepted: 2, quarantined: 1, duplicates: 0 });
    expect(r.quarantine).toEqual([[2, reason]]);
  });

  it('quarantines a broken line holding a raw CR byte (CR is JSON whitespace: a good line with one is accepted)', async () => {
    const r = await between(`{"event_id": "cr",\r "event_type": `);
    expect(r.manifest).toMatchObject({ linesIn: 3, accepted: 2, quarantined: 1 });
    expect(r.quarantine).toEqual([[2, 'invalid_json']]);
    const ok = await between(line('a raw CR inside a line'));
    expect(ok.manifest).toMatchObject({ linesIn: 3, accepted: 3, quarantined: 0 });
  });

  it.each(['occurred_at lower case t and z', 'occurred_at February 29 2024', 'an item level 2^31-1', 'a 60 KB string'])('%s is valid and accepted', async (name) => {
    const r = await between(line(name));
    expect(r.manifest).toMatchObject({ linesIn: 3, accepted: 3, quarantined: 0 });
  });

  it('stores a lower-case t/z timestamp as the instant it names, not NULL', async () => {
    const r = await ingestLines(`${JSON.stringify({ ...VALID.set_ready, event_id: 'lc', occurred_at: '2026-01-02t03:04:05.678z' })}\n`);
    try {
      const files = tableFiles(lakeSnapshot(r.lakeDir), r.lakeDir, 'events');
      const [row] = await r.db.rows<{ us: bigint }>(`SELECT epoch_us(occurred_at) AS us FROM read_parquet(${fileList(files)})`);
      expect(row!.us).toBe(BigInt(Date.parse('2026-01-02T03:04:05.678Z')) * 1000n);
    } finally {
      r.db.close();
    }
  });

  it('accepts a 700 KB string and a 600 KB line exactly as sent (under the 1 MiB line limit)', async () => {
    const name = 'n'.repeat(700_000);
    const big = JSON.stringify({ ...VALID.player_created, event_id: 'big', username: name });
    const wide = JSON.stringify({ ...VALID.select_fighter, event_id: 'wide', event_data: 'f'.repeat(600_000) });
    const r = await ingestLines(`${[good('a'), big, wide, good('b')].join('\n')}\n`);
    try {
      expect(r.manifest).toMatchObject({ linesIn: 4, accepted: 4, quarantined: 0 });
      const files = tableFiles(lakeSnapshot(r.lakeDir), r.lakeDir, 'player_states');
      const [row] = await r.db.rows<{ n: bigint }>(`SELECT length(username) AS n FROM read_parquet(${fileList(files)})`);
      expect(Number(row!.n)).toBe(700_000);
    } finally {
      r.db.close();
    }
  });

  it('reads JSON nested 100,000 levels deep as too_deep, and a line over 1 MiB as too_large', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const huge = JSON.stringify({ ...VALID.select_fighter, event_id: 'huge', event_data: 'x'.repeat(1_100_000) });
    const r = await ingestLines(`${[good('a'), deep, huge, good('b')].join('\n')}\n`);
    r.db.close();
    expect(r.manifest).toMatchObject({ linesIn: 4, accepted: 2, quarantined: 2 });
    expect(r.quarantine).toEqual([
      [2, 'too_deep'],
      [3, 'too_large'],
    ]);
  });

  it('treats a file with CR-only line endings as one line, and a byte-order mark at the start as no line', async () => {
    const crOnly = await ingestLines([good('a'), good('b'), good('c')].join('\r'));
    crOnly.db.close();
    expect(crOnly.manifest).toMatchObject({ linesIn: 1, accepted: 0, quarantined: 1 });
    expect(crOnly.quarantine).toEqual([[1, 'invalid_json']]);
    const bom = await ingestLines(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${good('a')}\n${good('b')}\n`)]));
    bom.db.close();
    expect(bom.manifest).toMatchObject({ linesIn: 2, accepted: 2, quarantined: 0 });
  });

  it('quarantines broken UTF-8 inside a string as invalid_utf8 instead of storing U+FFFD', async () => {
    const [pre, post] = good('u').split('"u1"');
    const broken = Buffer.concat([Buffer.from(`${pre}"u`), Buffer.from([0xc3, 0x28]), Buffer.from(`"${post}`)]);
    const r = await ingestLines(Buffer.concat([Buffer.from(`${good('a')}\n`), broken, Buffer.from(`\n${good('b')}\n`)]));
    r.db.close();
    expect(r.manifest).toMatchObject({ linesIn: 3, accepted: 2, quarantined: 1 });
    expect(r.quarantine).toEqual([[2, 'invalid_utf8']]);
  });
});
