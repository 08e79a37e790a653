import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitBatch, loadContracts, openDb, stageBatch } from '../../lake/index.ts';
import type { ContractRegistry } from '../../transforms/contract/model.ts';
import { flattenEvent } from '../../transforms/flatten.ts';
import { fileColumns, lakeTables, PARTITION_COLUMN } from '../../transforms/tables.ts';
import { Instant, validateLine } from '../../transforms/validate.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { CORPUS } from '../fixtures/bad-lines.ts';
import { VALID } from '../fixtures/events.ts';

/**
 * The engine (DuckDB: stage and commit into a real lake) against the specification (transforms/validate.ts
 * and flatten.ts, line by line in TypeScript): the same (line, reason) pairs in quarantine and the same rows
 * in every lake table.
 */

const NOW = Date.parse('2026-11-21T12:00:00Z');
const registry = loadContracts();

type Canonical = string;

/** One value in a form both sides agree on: integers as digits, instants as microseconds, JSON parsed. */
function canon(column: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Instant) return value.micros.toString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value;
  if (column === 'extra' && typeof value === 'string') return JSON.parse(value) as unknown;
  return value;
}
const rowKey = (row: Record<string, unknown>): Canonical =>
  JSON.stringify(
    Object.keys(row)
      .sort()
      .map((k) => [k, canon(k, row[k])]),
  );

interface Expected {
  quarantine: Array<[number, string]>;
  tables: Map<string, Canonical[]>;
}

/** What the specification says a batch file becomes. */
function specification(file: string, batchId: string, reg: ContractRegistry, products?: readonly string[]): Expected {
  const lines = readFileSync(file, 'utf8')
    .replace(/^\ufeff/, '')
    .split('\n');
  if (lines.at(-1) === '') lines.pop();
  const quarantine: Array<[number, string]> = [];
  const tables = new Map<string, Canonical[]>();
  const seen = new Map<string, number>();
  const defs = lakeTables(reg);
  lines.forEach((text, k) => {
    const line = k + 1;
    const v = validateLine(text, reg, { latestMs: NOW + 5 * 60_000, products: products && new Set(products) });
    if (!v.ok) return quarantine.push([line, v.reason]);
    const first = seen.get(v.eventId);
    if (first !== undefined) return quarantine.push([line, `duplicate_event_id:line ${first}`]);
    seen.set(v.eventId, line);
    flattenEvent(v, reg, (table, row) => {
      // Columns another type of the table writes are NULL in this row.
      const empty = Object.fromEntries(fileColumns(defs.get(table)!).map((c) => [c.name, null]));
      const full = { ...empty, ...row, batch_id: batchId, line, [PARTITION_COLUMN.name]: (row.event_date as string).slice(0, 7) };
      tables.set(table, [...(tables.get(table) ?? []), rowKey(full)]);
    });
  });
  return { quarantine, tables };
}

/** What the engine made of it: the lake's rows and quarantine, read back from Parquet. */
async function engine(file: string, reg: ContractRegistry, segmentBytes: number, products?: readonly string[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'differential-'));
  const lakeDir = path.join(dir, 'lake');
  const workDir = path.join(dir, 'work');
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  const input = { file, sha256, batchId: sha256.slice(0, 16), products };
  const staged = await stageBatch(input, { workDir, lakeDir, registry: reg, now: () => NOW, segmentBytes, maxLineBytes: 1 << 20 });
  const manifest = await commitBatch(input, { lakeDir, workDir, registry: reg });
  const db = await openDb();
  try {
    const tables = new Map<string, Canonical[]>();
    for (const table of lakeTables(reg).values()) {
      if (!manifest.files.some((f) => f.startsWith(`${table.name}/`))) continue;
      const columns = [...fileColumns(table), PARTITION_COLUMN].map((c) =>
        c.type === 'TIMESTAMPTZ' ? `epoch_us("${c.name}") AS "${c.name}"` : c.type === 'DATE' || c.type === 'JSON' ? `CAST("${c.name}" AS VARCHAR) AS "${c.name}"` : `"${c.name}"`,
      );
      const rows = await db.rows<Record<string, unknown>>(
        `SELECT ${columns.join(', ')} FROM read_parquet('${path.join(lakeDir, table.name)}/**/*.parquet', hive_partitioning = true)`,
      );
      tables.set(table.name, rows.map(rowKey));
    }
    const quarantine = (
      await db.rows<{ line: bigint; reason: string }>(`SELECT line, reason FROM read_parquet('${path.join(lakeDir, 'quarantine', '*.parquet')}') ORDER BY line`)
    ).map((r) => [Number(r.line), r.reason] as [number, string]);
    return { tables, quarantine, staged, manifest, batchId: input.batchId };
  } finally {
    db.close();
  }
}

async function compare(file: string, reg: ContractRegistry, segmentBytes = 4096, products?: readonly string[]) {
  const got = await engine(file, reg, segmentBytes, products);
  const want = specification(file, got.batchId, reg, products);
  expect(got.staged.disagreements).toBe(0);
  expect(got.quarantine).toEqual(want.quarantine);
  expect([...got.tables.keys()].sort()).toEqual([...want.tables.keys()].sort());
  for (const [table, rows] of want.tables) expect([table, [...(got.tables.get(table) ?? [])].sort()]).toEqual([table, [...rows].sort()]);
  return got;
}

describe('the engine and the specification agree', () => {
  it('on a corpus of bad and unusual lines, each between good ones', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'corpus-'));
    const file = path.join(dir, 'corpus.ndjson');
    const good = Object.values(VALID).map((e) => JSON.stringify(e));
    const lines: string[] = [];
    CORPUS.forEach(([, line], k) => lines.push(good[k % good.length]!.replace(/"e-([a-z_]+)"/, `"g${k}-$1"`), line));
    lines.push(...good);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const got = await compare(file, registry);
    // Each corpus line (line 2k + 2) against what the fixture says it must become, written down rather
    // than computed by validate.ts: its reason, or accepted (or a duplicate of an earlier corpus line).
    const reasonAt = new Map(got.quarantine);
    const mismatches = CORPUS.flatMap(([name, , expected], k) => {
      const reason = reasonAt.get(2 * k + 2);
      const ok = expected === 'accepted' ? reason === undefined || reason.startsWith('duplicate_event_id:') : reason === expected;
      return ok ? [] : [`${name}: expected ${expected}, got ${reason ?? 'accepted'}`];
    });
    expect(mismatches).toEqual([]);
    // The corpus exercises both readings and the specification's review.
    expect(got.quarantine.length).toBeGreaterThan(80);
    expect(got.manifest.accepted).toBeGreaterThan(CORPUS.length + 10);
  });

  it('on a corpus read in one segment and in many', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'corpus-'));
    const file = path.join(dir, 'corpus.ndjson');
    writeFileSync(file, CORPUS.map(([, l]) => l).join('\n'));
    await compare(file, registry, 64 << 20);
    await compare(file, registry, 256);
  });

  it('for a batch whose sender may write some products only (a scoped write key)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'scoped-'));
    const file = path.join(dir, 'scoped.ndjson');
    const lines = [...Object.values(VALID).map((e) => JSON.stringify(e)), ...CORPUS.map(([, l]) => l)];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const got = await compare(file, registry, 4096, ['placebo', 'varcade']);
    const unauthorized = got.quarantine.filter(([, r]) => r === 'unauthorized_product').length;
    // Every well-formed line of another product (exrps, trade-engine, an unknown one) is refused as such.
    const others = lines.filter((l) => /"product_id":"(exrps|trade-engine)"/.test(l)).length;
    expect(unauthorized).toBeGreaterThan(others / 2);
    expect(got.manifest.accepted).toBeGreaterThan(0);
    expect(got.staged.products.every((p) => p === 'placebo' || p === 'varcade')).toBe(true);
  });

  it("on simulated batches with bad lines, duplicates and producers' spellings", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sim-diff-'));
    const truth = await simulateEvents({
      game: 'all',
      players: 60,
      events: 800,
      seed: 'diff',
      badRate: 0.08,
      cheatRate: 0.05,
      batches: 1,
      outDir: dir,
      maxLineBytes: 1 << 20,
      spellings: 'producers',
    });
    const got = await compare(path.join(dir, truth.batches[0]!.file), registry, 32 * 1024);
    expect(got.manifest.coercions).toEqual(truth.batches[0]!.coercions);
    // The reasons themselves against the simulator, which knows what it broke in each bad line (the
    // comparison above is the engine against validate.ts, which shares the reasons' code).
    const reasons: Record<string, number> = {};
    let duplicates = 0;
    for (const [, reason] of got.quarantine) {
      if (reason.startsWith('duplicate_event_id:')) duplicates += 1;
      else reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    expect(reasons).toEqual(truth.batches[0]!.rejected);
    expect(Object.keys(reasons).length).toBeGreaterThanOrEqual(5);
    expect(duplicates).toBe(truth.batches[0]!.duplicates);
  });

  it('for a product in evolve mode: unknown types accepted into events with their payload', async () => {
    const evolving: ContractRegistry = { ...registry, products: new Map(registry.products) };
    evolving.products.set('exrps', { ...registry.products.get('exrps')!, mode: 'evolve' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evolve-'));
    const file = path.join(dir, 'evolve.ndjson');
    const e = (id: string, type: string, extra: Record<string, unknown>) =>
      JSON.stringify({ event_id: id, event_type: type, product_id: 'exrps', occurred_at: '2026-03-01T10:00:00Z', ...extra });
    writeFileSync(file, [e('v1', 'emote', { game_id: 'g1', emote: 'wave', Password: 'x' }), e('v2', 'game_removed', { game_id: 'g1' }), e('v3', 'emote', {})].join('\n'));
    const got = await compare(file, evolving);
    expect(got.manifest).toMatchObject({ accepted: 3, evolved: 2, quarantined: 0 });
    expect(JSON.stringify([...got.tables.get('events')!])).not.toContain('Password');
  });
});
