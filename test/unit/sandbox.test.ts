import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lakeSnapshot, openDb, sqlLiteral } from '../../lake/index.ts';
import { LakeCatalogError } from '../../lake/errors.ts';
import { bindParams, loadQuery, runSql, withWarehouse } from '../../warehouse/queries.ts';
import { statementShape } from '../../warehouse/statement-shape.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gamelake-sandbox-'));
const lake = path.join(dir, 'lake');
const warehouse = path.join(dir, 'warehouse.duckdb');

beforeAll(async () => {
  mkdirSync(path.join(lake, 'events'), { recursive: true });
  const db = await openDb({ path: warehouse });
  await db.run(`COPY (SELECT range AS n FROM range(10)) TO ${sqlLiteral(path.join(lake, 'events', 'a.parquet'))} (FORMAT parquet)`);
  await db.run('CREATE TABLE kept (n INTEGER)');
  await db.run(`CREATE VIEW numbers AS SELECT * FROM read_parquet(${sqlLiteral(path.join(lake, 'events', 'a.parquet'))})`);
  db.close();
});

/** Everything under the temporary folder, as relative paths: what a refused statement must leave as it was. */
function tree(): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('the read-only warehouse reader', () => {
  it.each([
    ['EXPLAIN ANALYZE COPY', `EXPLAIN ANALYZE COPY (SELECT 'x' a) TO '${lake}/_manifests/zz.json' (FORMAT csv, HEADER false)`, /EXPLAIN ANALYZE runs/],
    ['EXPLAIN ANALYZE after comments', `/* a */ -- b\n EXPLAIN /* c */ ANALYZE COPY (SELECT 1) TO '${lake}/x.csv'`, /EXPLAIN ANALYZE runs/],
    ['EXPLAIN (ANALYZE)', `EXPLAIN (FORMAT json, ANALYZE) COPY (SELECT 1) TO '${lake}/x.csv'`, /EXPLAIN \(ANALYZE\) runs/],
    ['EXPLAIN ANALYZE of a query', 'explain analyse SELECT 1', /EXPLAIN ANALYZE runs/],
    ['EXPLAIN of a COPY', `EXPLAIN COPY (SELECT 1) TO '${lake}/x.csv'`, /not a statement starting with COPY/],
    ['EXPORT DATABASE', `EXPORT DATABASE '${lake}/exp'`, /not a statement starting with EXPORT/],
    ['EXPLAIN EXPORT DATABASE', `EXPLAIN EXPORT DATABASE '${lake}/exp2'`, /syntax error at or near "EXPORT"|not a statement starting with EXPORT/],
    ['COPY', `COPY (SELECT 1) TO '${lake}/x.csv'`, /not a statement starting with COPY/],
    ['a CTE in front of a write', 'WITH x AS (SELECT 1) INSERT INTO kept SELECT * FROM x', /read-only|only queries/],
    ['a nested EXPLAIN', 'EXPLAIN EXPLAIN SELECT 1', /syntax error|EXPLAIN of an EXPLAIN/],
    ['an unclosed comment', '/* SELECT 1', /unterminated|never closed/],
  ] as const)('refuses %s before it runs or is planned, and writes nothing', async (_name, sql, refusal) => {
    const before = tree();
    await expect(runSql(warehouse, sql, undefined, { lakeDir: lake })).rejects.toThrow(refusal);
    await expect(withWarehouse(warehouse, (r) => r.parquet(sql), { lakeDir: lake, parquet: true })).rejects.toThrow(refusal);
    expect(tree()).toEqual(before);
  });

  it('runs queries and plans: SELECT, FROM, DESCRIBE, EXPLAIN (with options), after comments', async () => {
    expect((await runSql(warehouse, '-- top\nSELECT sum(n) AS s FROM numbers', undefined, { lakeDir: lake })).rows).toEqual([{ s: 45n }]);
    expect((await runSql(warehouse, 'FROM numbers WHERE n > 7', undefined, { lakeDir: lake })).rows).toEqual([{ n: 8n }, { n: 9n }]);
    expect((await runSql(warehouse, 'DESCRIBE numbers', undefined, { lakeDir: lake })).rows.map((r) => r.column_name)).toEqual(['n']);
    expect((await runSql(warehouse, 'EXPLAIN SELECT * FROM numbers', undefined, { lakeDir: lake })).columns).toContain('explain_value');
    expect((await runSql(warehouse, 'EXPLAIN (FORMAT json) SELECT 1', undefined, { lakeDir: lake })).rows).toHaveLength(1);
  });

  it.each(['', '  ;  ', '-- only a comment', '/* a */ ;'])('answers %j with "no SQL statement given"', async (sql) => {
    await expect(runSql(warehouse, sql, undefined, { lakeDir: lake })).rejects.toThrow(/^no SQL statement given$/);
  });

  it('runs PIVOT with its values listed, and says what a PIVOT without them needs', async () => {
    expect((await runSql(warehouse, 'PIVOT (SELECT n % 2 AS odd, n FROM numbers) ON odd IN (0, 1) USING sum(n)', undefined, { lakeDir: lake })).rows).toEqual([
      { '0': 20n, '1': 25n },
    ]);
    await expect(runSql(warehouse, 'PIVOT (SELECT n % 2 AS odd, n FROM numbers) ON odd USING sum(n)', undefined, { lakeDir: lake })).rejects.toThrow(
      /^PIVOT needs its values listed here \(ON column IN \(\.\.\.\)\)/,
    );
  });

  it('downloads SUMMARIZE and DESCRIBE as Parquet, and says why an EXPLAIN is not', async () => {
    await withWarehouse(
      warehouse,
      async (r) => {
        for (const sql of ['SUMMARIZE numbers', 'DESCRIBE numbers;'])
          expect(
            Buffer.from(await r.parquet(sql))
              .subarray(0, 4)
              .toString(),
          ).toBe('PAR1');
        await expect(r.parquet('EXPLAIN SELECT 1')).rejects.toThrow("an EXPLAIN's plan is text: download it as json, csv or arrow, not Parquet");
      },
      { lakeDir: lake, parquet: true },
    );
  });

  it('closes a session only once its queries stopped, when the caller fails while one runs (no use after close)', async () => {
    const outcomes: string[] = [];
    await expect(
      withWarehouse(
        warehouse,
        async (r) => {
          void r.query('SELECT count(*) FROM range(1000000000000)').catch((err: Error) => outcomes.push(err.message));
          void r.query('SELECT 1').catch((err: Error) => outcomes.push(err.message));
          await new Promise((resolve) => setTimeout(resolve, 200));
          throw new Error('the page failed');
        },
        { lakeDir: lake },
      ),
    ).rejects.toThrow('the page failed');
    expect(outcomes).toEqual([expect.stringMatching(/INTERRUPT|interrupted/i), 'the query was not run: its warehouse session had ended']);
    expect((await runSql(warehouse, 'SELECT 42 AS n', undefined, { lakeDir: lake })).rows).toEqual([{ n: 42 }]);
  });

  it('words parameter errors for where the values came from', () => {
    const q = loadQuery('player_stats');
    expect(() => bindParams(q, {})).toThrow('query player_stats needs --param player=VALUE');
    expect(() => bindParams(q, {}, 'url')).toThrow('query player_stats needs ?player=VALUE');
  });

  it('reads an analysed word inside a query as data, not as EXPLAIN ANALYZE', () => {
    expect(statementShape("SELECT 'EXPLAIN ANALYZE' AS x")).toEqual({ keyword: 'SELECT' });
    expect(statementShape('(SELECT 1)')).toEqual({ keyword: '(' });
    expect(statementShape("EXPLAIN (FORMAT json) SELECT 'ANALYZE'")).toEqual({ keyword: 'EXPLAIN', explained: " SELECT 'ANALYZE'" });
    expect(() => statementShape('EXPLAIN EXPLAIN SELECT 1')).toThrow('EXPLAIN of an EXPLAIN is not a query');
    expect(() => statementShape('/* /* */ SELECT 1')).toThrow('a /* comment is never closed');
    expect(() => statementShape("EXPLAIN (FORMAT 'json) SELECT 1")).toThrow("a ' quote is never closed");
  });
});

describe('a catalog file that cannot be read', () => {
  it('is an error naming its path, for a manifest and for a catalog record (a compaction)', () => {
    const l = path.join(dir, 'bad-lake');
    mkdirSync(path.join(l, '_manifests'), { recursive: true });
    const forged = path.join(l, '_manifests', 'zz.json');
    writeFileSync(forged, 'x\n');
    expect(() => lakeSnapshot(l)).toThrow(LakeCatalogError);
    expect(() => lakeSnapshot(l)).toThrow(`${forged} is not a readable batch manifest`);
    writeFileSync(forged, JSON.stringify({ batchId: 'other', files: [], rows: {}, committedAt: 'x' }));
    expect(() => lakeSnapshot(l)).toThrow(`${forged} is not a batch manifest: it names batch other, not zz`);
    writeFileSync(forged, JSON.stringify({ batchId: 'zz', files: [], rows: {}, committedAt: 'x' }));
    expect(lakeSnapshot(l).batches.size).toBe(1);
    mkdirSync(path.join(l, '_compactions'));
    const record = path.join(l, '_compactions', '000000001-c.json');
    writeFileSync(record, '[1]');
    expect(() => lakeSnapshot(l)).toThrow(`${record} is not a catalog record: not a JSON object`);
    expect(existsSync(forged)).toBe(true);
  });
});
