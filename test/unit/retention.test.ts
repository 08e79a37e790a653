import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchIdOf, hashFile } from '../../activities/ingest/inbox.ts';
import { applyRetention, commitBatch, lakeSnapshot, loadContracts, openDb, stageBatch, tableFiles, fileList } from '../../lake/index.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { ContractError } from '../../transforms/errors.ts';
import { monthExpired, parseRetention, retentionByTable, retentionCut } from '../../transforms/retention.ts';

const REPO_CONTRACTS = path.resolve(import.meta.dirname, '../../contracts');

/** A copy of the shipped contracts with `edit` applied to one file. */
function contractsWith(file: string, edit: (yaml: string) => string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'retention-contracts-'));
  cpSync(REPO_CONTRACTS, dir, { recursive: true });
  writeFileSync(path.join(dir, file), edit(readFileSync(path.join(dir, file), 'utf8')));
  return dir;
}

describe('retention periods', () => {
  it('reads d, w, mo and y, and refuses anything else with where it was written', () => {
    expect(parseRetention('400d')).toEqual({ text: '400d', amount: 400, unit: 'd' });
    expect(parseRetention('18mo')).toEqual({ text: '18mo', amount: 18, unit: 'mo' });
    for (const bad of ['12 months', '0d', '-3d', '1.5y', 'forever', '12m']) expect(parseRetention(bad), bad).toBeUndefined();
    const dir = contractsWith('placebo.yaml', (y) => y.replace(/^mode: (\w+)$/m, 'mode: $1\nretention: 12 months'));
    expect(() => loadContracts(dir)).toThrow(ContractError);
    expect(() => loadContracts(dir)).toThrow(/placebo\.yaml.*retention.*"12 months" is not a retention/);
  });

  it('measures calendar months and years back from the day (clamped to the month), days and weeks exactly', () => {
    const at = Date.parse('2026-03-31T10:00:00Z');
    expect(new Date(retentionCut(parseRetention('1mo')!, at)).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(new Date(retentionCut(parseRetention('13mo')!, at)).toISOString()).toBe('2025-02-28T10:00:00.000Z');
    expect(new Date(retentionCut(parseRetention('2y')!, Date.parse('2028-02-29T00:00:00Z'))).toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(new Date(retentionCut(parseRetention('10d')!, at)).toISOString()).toBe('2026-03-21T10:00:00.000Z');
    expect(new Date(retentionCut(parseRetention('2w')!, at)).toISOString()).toBe('2026-03-17T10:00:00.000Z');
    // A month is past retention only when all of it is before the cut.
    expect(monthExpired('2026-01', Date.parse('2026-02-01T00:00:00Z'))).toBe(true);
    expect(monthExpired('2026-01', Date.parse('2026-01-31T23:59:59Z'))).toBe(false);
    expect(monthExpired('2025-12', Date.parse('2026-02-28T10:00:00Z'))).toBe(true);
    expect(monthExpired('2026-02', Date.parse('2026-02-28T10:00:00Z'))).toBe(false);
  });

  it("gives a list's table its event table's retention unless it has its own, and events each product's", () => {
    const dir = contractsWith('trade-engine.yaml', (y) =>
      y
        .replace('  trades:\n    description: One row per trade.', '  trades:\n    description: One row per trade.\n    retention: 6mo')
        .replace(
          '  trade_items:\n    description: One row per item kind offered by one side of a trade.',
          '  trade_items:\n    description: One row per item kind offered by one side of a trade.\n    retention: 30d',
        ),
    );
    const policy = retentionByTable(loadContracts(dir));
    const of = (table: string) => Object.fromEntries([...(policy.get(table) ?? new Map())].map(([p, r]) => [p, r.text]));
    expect(of('trades')).toEqual({ 'trade-engine': '6mo' });
    expect(of('trade_sides')).toEqual({ 'trade-engine': '6mo' });
    expect(of('trade_items')).toEqual({ 'trade-engine': '30d' });
    expect(of('player_states')).toEqual({});
    expect(of('events')).toEqual({});
  });
});

describe('applying retention to a lake', () => {
  it("drops a table's partitions past its own retention (and its lists' tables), keeping the product's events rows and other tables", async () => {
    const dir = contractsWith('trade-engine.yaml', (y) =>
      y.replace('  trades:\n    description: One row per trade.', '  trades:\n    description: One row per trade.\n    retention: 6mo'),
    );
    const registry = loadContracts(dir);
    const root = mkdtempSync(path.join(os.tmpdir(), 'retention-lake-'));
    const lakeDir = path.join(root, 'lake');
    const sim = path.join(root, 'sim');
    const truth = await simulateEvents({
      game: 'trade-engine',
      players: 40,
      events: 600,
      seed: 'retention-unit',
      badRate: 0,
      cheatRate: 0,
      batches: 2,
      outDir: sim,
      span: { start: '2025-09-01T00:00:00Z', end: '2026-10-20T00:00:00Z' },
    });
    for (const b of truth.batches) {
      const file = path.join(sim, b.file);
      const sha256 = await hashFile(file);
      const input = { file, sha256, batchId: batchIdOf(sha256) };
      await stageBatch(input, { workDir: path.join(root, 'work'), lakeDir, registry });
      await commitBatch(input, { workDir: path.join(root, 'work'), lakeDir, registry });
    }
    const db = await openDb();
    const count = async (table: string, where = 'true') => {
      const files = tableFiles(lakeSnapshot(lakeDir), lakeDir, table);
      if (files.length === 0) return 0;
      const [r] = await db.rows<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${fileList(files)}, hive_partitioning = true) WHERE ${where}`);
      return Number(r!.n);
    };
    try {
      const old = "event_month < '2026-05'";
      const before = {
        trades: await count('trades'),
        sides: await count('trade_sides'),
        oldTrades: await count('trades', old),
        events: await count('events'),
        states: await count('player_states'),
      };
      expect(before.oldTrades).toBeGreaterThan(0);
      const report = await applyRetention({ lakeDir, registry, asOfMs: Date.parse('2026-11-01T00:00:00Z') });
      expect(report.record).toBeDefined();
      expect(report.removed.trades).toBe(before.oldTrades);
      expect(await count('trades', old)).toBe(0);
      expect(await count('trade_sides', old)).toBe(0);
      expect(await count('trade_items', old)).toBe(0);
      expect(await count('trades')).toBe(before.trades - before.oldTrades);
      expect(await count('events')).toBe(before.events);
      expect(await count('player_states')).toBe(before.states);
      expect(report.partitions.every((p) => p.action === 'dropped' && ['trades', 'trade_sides', 'trade_items'].includes(p.table))).toBe(true);
      // A second run as of the same day finds nothing.
      expect((await applyRetention({ lakeDir, registry, asOfMs: Date.parse('2026-11-01T00:00:00Z') })).partitions).toEqual([]);
    } finally {
      db.close();
    }
  });
});
