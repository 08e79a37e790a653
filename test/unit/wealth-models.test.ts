import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../lake/duckdb.ts';
import { parseModel, WAREHOUSE_DIR } from '../../warehouse/models.ts';

const model = (name: string) => parseModel(path.join(WAREHOUSE_DIR, 'marts', `${name}.sql`), 'marts').sql;

/** Runs wealth models over a given mart_wealth (product 'g'). */
async function withWealth(wealths: number[]) {
  const db = await openDb();
  await db.run('CREATE TABLE mart_wealth (product_id VARCHAR, player_id VARCHAR, wealth DOUBLE)');
  for (const [i, w] of wealths.entries()) await db.run("INSERT INTO mart_wealth VALUES ('g', $p, $w)", { p: `p${i}`, w });
  for (const name of ['mart_wealth_distribution', 'mart_wealth_histogram', 'mart_lorenz_curve']) await db.run(model(name));
  return db;
}

describe('wealth distribution models', () => {
  it('computes Gini, percentiles and top shares of a known distribution', async () => {
    // [1, 2, 3, 4]: G = 2(1*1 + 2*2 + 3*3 + 4*4) / (4 * 10) - 5/4 = 60/40 - 1.25 = 0.25;
    // the top 1% and top 10% are both the single richest player: 4 / 10 = 0.4. -5 is reported apart.
    const db = await withWealth([3, 1, 4, 2, -5]);
    const [row] = await db.rows('SELECT * FROM mart_wealth_distribution');
    expect(row).toMatchObject({ product_id: 'g', players: 4n, p50: 2.5, top1_share: 0.4, top10_share: 0.4, negative_wealth_players: 1n });
    expect(row!.gini as number).toBeCloseTo(0.25, 10);
    expect(row!.p10 as number).toBeCloseTo(1.3, 10);
    db.close();
  });

  it('gives Gini 0 for perfect equality and (n-1)/n when one player has everything', async () => {
    const equal = await withWealth([5, 5, 5, 5]);
    expect((await equal.rows('SELECT gini FROM mart_wealth_distribution'))[0]!.gini as number).toBeCloseTo(0, 10);
    equal.close();
    const one = await withWealth([0, 0, 0, 0, 100]);
    expect((await one.rows('SELECT gini FROM mart_wealth_distribution'))[0]!.gini as number).toBeCloseTo(0.8, 10);
    one.close();
  });

  it('bins wealth on powers of ten and draws the Lorenz curve', async () => {
    const db = await withWealth([0.5, 5, 50, 60, 700, 8000, 9000, 10, 20, 30]);
    const bins = await db.rows<{ bin_lower: number; bin_upper: number; players: bigint; density: number }>(
      'SELECT bin_lower, bin_upper, players, density FROM mart_wealth_histogram ORDER BY bin_lower',
    );
    expect(bins.map((b) => [b.bin_lower, b.bin_upper, Number(b.players)])).toEqual([
      [0, 1, 1],
      [1, 10, 1],
      [10, 100, 5],
      [100, 1000, 1],
      [1000, 10000, 2],
    ]);
    expect(bins[2]!.density).toBeCloseTo(5 / 90, 10);
    const lorenz = await db.rows<{ population_share: number; wealth_share: number }>('SELECT population_share, wealth_share FROM mart_lorenz_curve ORDER BY population_share');
    expect(lorenz).toHaveLength(10);
    // Sorted: 0.5, 5, 10, 20, 30, 50, 60, 700, 8000, 9000 (17,875.5 in all); each decile's cumulative share.
    const cumulative = [0.5, 5.5, 15.5, 35.5, 65.5, 115.5, 175.5, 875.5, 8875.5, 17875.5];
    expect(lorenz.map((p) => p.population_share)).toEqual(cumulative.map((_, k) => expect.closeTo((k + 1) / 10, 10)));
    expect(lorenz.map((p) => p.wealth_share)).toEqual(cumulative.map((c) => expect.closeTo(c / 17875.5, 10)));
    db.close();
  });
});
