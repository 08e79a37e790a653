import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchIdOf, hashFile } from '../../activities/ingest/inbox.ts';
import { commitBatch, loadContracts, stageBatch } from '../../lake/index.ts';
import { buildWarehouse } from '../../warehouse/build.ts';
import { bindParams, loadQuery, runSql } from '../../warehouse/queries.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'warehouse-'));
const lakeDir = path.join(dir, 'lake');
const workDir = path.join(dir, 'work');
const warehousePath = path.join(dir, 'warehouse.duckdb');
const registry = loadContracts();
let n = 0;
const at = (minute: number) => `2026-02-01T10:${String(minute).padStart(2, '0')}:00Z`;
const ev = (type: string, product: string, minute: number, payload: Record<string, unknown>) =>
  JSON.stringify({ event_id: `w${++n}`, event_type: type, product_id: product, occurred_at: at(minute), ...payload });
const item = (item_id: number, name: string, value: number, quantity: number) => ({ item_id, name, level: 1, value, quantity });

async function ingest(lines: string[]): Promise<void> {
  const file = path.join(dir, `batch-${n}.ndjson`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const sha256 = await hashFile(file);
  const input = { file, sha256, batchId: batchIdOf(sha256) };
  await stageBatch(input, { workDir, lakeDir, registry });
  await commitBatch(input, { lakeDir, workDir, registry });
}

async function query(name: string, params: Record<string, string> = {}) {
  const q = loadQuery(name);
  return (await runSql(warehousePath, q.sql, bindParams(q, params))).rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );
}

beforeAll(async () => {
  await ingest([
    // exrps: u1 beats u2, u3 beats u4, u1 beats u3 -> wins u1 2, u3 1, u2 0, u4 0 (u2 and u4 tie)
    ev('game_over', 'exrps', 1, { game_id: 'g1', winner_id: 'u1', loser_id: 'u2' }),
    ev('game_over', 'exrps', 2, { game_id: 'g2', winner_id: 'u3', loser_id: 'u4' }),
    ev('game_over', 'exrps', 3, { game_id: 'g3', winner_id: 'u1', loser_id: 'u3' }),
    ev('select_weapon', 'exrps', 3, { game_id: 'g3', user_id: 'u1', event_data: '0' }),
    ev('select_weapon', 'exrps', 3, { game_id: 'g3', user_id: 'u1', event_data: 'null' }),
    ev('select_weapon', 'exrps', 3, { game_id: 'g3', user_id: 'u3', event_data: '2' }),
    // trade-engine: two players, a gold-only side, a lopsided trade and a failed one
    ev('player_created', 'trade-engine', 4, {
      player_id: 1,
      username: 'ann',
      player_class: 'warrior',
      gold: 500,
      inventory: { max_capacity: 999, current_capacity: 3, items: [item(19, 'Trophy of War', 50, 2), item(20, 'Proof of Loyalty', 1000000, 1)] },
    }),
    ev('player_created', 'trade-engine', 4, {
      player_id: 2,
      username: 'bob',
      player_class: 'farmer',
      gold: 500,
      inventory: { max_capacity: 999, current_capacity: 1, items: [item(5, 'Food Package', 6, 1)] },
    }),
    ev('trade', 'trade-engine', 5, {
      trade_id: 't1',
      valid: true,
      fail_reason: null,
      sides: [
        { player_id: 1, items: [item(19, 'Trophy of War', 50, 2)], gold: 0 },
        { player_id: 2, items: [], gold: 100 },
      ],
    }),
    ev('trade', 'trade-engine', 6, {
      trade_id: 't2',
      valid: true,
      fail_reason: null,
      sides: [
        { player_id: 1, items: [item(20, 'Proof of Loyalty', 1000000, 1)], gold: 0 },
        { player_id: 2, items: [], gold: 1 },
      ],
    }),
    ev('trade', 'trade-engine', 7, {
      trade_id: 't3',
      valid: false,
      fail_reason: 'not enough gold',
      sides: [
        { player_id: 2, items: [], gold: 9000 },
        { player_id: 1, items: [item(19, 'Trophy of War', 50, 1)], gold: 0 },
      ],
    }),
    // placebo: p1 logs in at :08, buys at :10 (120 s later) and joins at :11 (180 s); p2 buys without a login
    ev('login', 'placebo', 8, { user_id: 'p1', password: 'secret-1' }),
    ev('buy_sword', 'placebo', 10, {
      user_id: 'p1',
      item_type: 'saber',
      cost: 2000,
      status: 'approved_purchase',
      player: { created_at: at(7), wealth: 100000, inventory: [], affiliations: [] },
    }),
    ev('join_guild', 'placebo', 11, {
      user_id: 'p1',
      org: 'iron_fist',
      level: 1,
      cost: 3000,
      status: 'approved_join',
      player: { created_at: at(7), wealth: 98000, inventory: ['saber'], affiliations: [] },
    }),
    ev('buy_spell', 'placebo', 12, {
      user_id: 'p2',
      item_type: 'charm',
      cost: 500,
      status: 'approved_purchase',
      player: { created_at: at(7), wealth: 100000, inventory: [], affiliations: [] },
    }),
  ]);
  await buildWarehouse({ lakeDir, warehousePath, registry });
});

describe('warehouse marts on a small given input', () => {
  it('counts trades as the seed does', async () => {
    expect(await query('trades_count')).toEqual([{ trades: 3 }]);
  });

  it('ranks the leaderboard with shared ranks for ties', async () => {
    expect(await query('leaderboard', { product: 'exrps' })).toEqual([
      { rank: 1, player_id: 'u1', score: 2, games: 2, wins: 2, losses: 0 },
      { rank: 2, player_id: 'u3', score: 1, games: 2, wins: 1, losses: 1 },
      { rank: 3, player_id: 'u2', score: 0, games: 1, wins: 0, losses: 1 },
      { rank: 3, player_id: 'u4', score: 0, games: 1, wins: 0, losses: 1 },
    ]);
  });

  it('counts games and weapon selections per player', async () => {
    expect(await query('player_stats', { product: 'exrps', player: 'u1' })).toEqual([
      { product_id: 'exrps', player_id: 'u1', games: 2, wins: 2, losses: 0, win_rate: 1, rock: 1, paper: 0, scissors: 0, botch: 1 },
    ]);
  });

  it('flags the lopsided trade, not the balanced gold-only one', async () => {
    expect(await query('imbalanced_trades')).toEqual([{ trade_id: 't2', giver_id: '1', receiver_id: '2', value_given: 1000000, value_received: 1, imbalance_ratio: 1000000 }]);
    const [t1] = await query('imbalanced_trades', { min_ratio: '1' });
    expect(t1).toMatchObject({ trade_id: 't2' });
    const all = (await runSql(warehousePath, 'SELECT trade_id, flagged, reasons FROM mart_trade_anomalies ORDER BY trade_id')).rows;
    expect(all.map((r) => [r.trade_id, r.flagged])).toEqual([
      ['t1', false],
      ['t2', true],
      ['t3', true],
    ]);
    expect(all[2]!.reasons).toEqual(['failed: not enough gold']);
  });

  it('answers the failed trades, most traded, diversity and richest questions', async () => {
    expect(await query('failed_trades_by_reason')).toEqual([{ reason: 'not enough gold', trades: 1 }]);
    expect(await query('most_traded_items')).toEqual([
      { item_id: 19, item_name: 'Trophy of War', times_traded: 1 },
      { item_id: 20, item_name: 'Proof of Loyalty', times_traded: 1 },
    ]);
    expect((await query('most_diverse_inventory'))[0]).toMatchObject({ player_id: '1', username: 'ann', distinct_items: 2 });
    expect((await query('richest_item_value'))[0]).toMatchObject({ player_id: '1', username: 'ann', gold: 500, item_value: 1000100 });
  });

  it('measures time from first login to first purchase and join, per player', async () => {
    const rows = (await runSql(warehousePath, 'SELECT user_id, purchases, joins, seconds_to_first_purchase, seconds_to_first_join FROM mart_engagement ORDER BY user_id')).rows;
    expect(rows.map((r) => [r.user_id, Number(r.purchases), Number(r.joins), r.seconds_to_first_purchase, r.seconds_to_first_join])).toEqual([
      ['p1', 1, 1, 120, 180],
      ['p2', 1, 0, null, null],
    ]);
    expect(await query('time_to_first_purchase')).toEqual([{ players: 1, mean_seconds: 120, median_seconds: 120 }]);
    expect(await query('time_to_first_join')).toEqual([{ players: 1, mean_seconds: 180, median_seconds: 180 }]);
    expect(await query('avg_wealth_by_org')).toEqual([{ org: 'iron_fist', avg_wealth: 98000 }]);
  });

  it("takes each player's latest wealth: snapshot gold + items, or Placebo wealth after the last purchase/join", async () => {
    const rows = (await runSql(warehousePath, 'SELECT product_id, player_id, wealth FROM mart_wealth ORDER BY ALL')).rows;
    expect(rows).toEqual([
      { product_id: 'placebo', player_id: 'p1', wealth: 95000 },
      { product_id: 'placebo', player_id: 'p2', wealth: 99500 },
      { product_id: 'trade-engine', player_id: '1', wealth: 1000600 },
      { product_id: 'trade-engine', player_id: '2', wealth: 506 },
    ]);
    expect(await query('wealth_histogram', { product: 'trade-engine' })).toEqual([
      { bin_lower: 100, bin_upper: 1000, players: 1 },
      { bin_lower: 1000000, bin_upper: 10000000, players: 1 },
    ]);
    expect((await query('wealth_summary', { product: 'placebo' }))[0]).toMatchObject({ players: 2, negative_wealth_players: 0, p50: 97250 });
  });

  it('rebuilding changes no result, and a failed build keeps the previous warehouse', async () => {
    const before = await query('leaderboard', { product: 'exrps' });
    await buildWarehouse({ lakeDir, warehousePath, registry });
    expect(await query('leaderboard', { product: 'exrps' })).toEqual(before);
    const bytes = readFileSync(warehousePath);
    await expect(buildWarehouse({ lakeDir, warehousePath, registry, scoring: { default: { method: 'glicko' }, products: {} } })).rejects.toThrow('unknown scoring method');
    expect(readFileSync(warehousePath).equals(bytes)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.building-'))).toEqual([]);
    expect(statSync(warehousePath).size).toBeGreaterThan(0);
    expect(existsSync(`${warehousePath}.wal`)).toBe(false);
  });
});

describe('named query parameters', () => {
  it('binds ids declared (text) as the text given, and refuses a non-number for (number)', () => {
    const stats = loadQuery('player_stats');
    expect(stats.params).toEqual([
      { name: 'product', type: 'text', default: 'exrps' },
      { name: 'player', type: 'text' },
    ]);
    // "007" stays "007" (a number would be 7, and the VARCHAR column would be cast to compare).
    expect(bindParams(stats, { player: '007' })).toEqual({ product: 'exrps', player: '007' });
    const hero = loadQuery('hero_benchmarks');
    expect(bindParams(hero, { hero_id: '12' })).toEqual({ hero_id: 12 });
    expect(() => bindParams(hero, { hero_id: 'axe' })).toThrow('query hero_benchmarks: --param hero_id must be a number, got "axe"');
  });

  it('finds a player whose id looks like a number through the text binding, and no other', async () => {
    const rows = await query('player_wealth_over_time', { product: 'trade-engine', player: '1' });
    expect(rows.length).toBeGreaterThan(0);
    expect(await query('player_wealth_over_time', { product: 'trade-engine', player: '01' })).toEqual([]);
    const q = loadQuery('player_wealth_over_time');
    const bound = await runSql(warehousePath, 'SELECT typeof($player) AS t', { player: bindParams(q, { player: '8700' }).player! });
    expect(bound.rows[0]!.t).toBe('VARCHAR');
  });
});
