import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../lake/duckdb.ts';
import { exportQuery, render } from '../../warehouse/export.ts';
import { runSql, withWarehouse } from '../../warehouse/queries.ts';

/**
 * Every DuckDB type, in every format: DuckDB's own test_all_types() (each type's minimum, maximum and NULL)
 * renders without an error in table, CSV and JSON; Arrow keeps the types (64-bit integers exact, dates,
 * timestamps with their zone and microseconds, decimals, lists, structs); an empty result keeps its columns.
 */

const dir = mkdtempSync(path.join(os.tmpdir(), 'export-'));
const warehouse = path.join(dir, 'warehouse.duckdb');

async function makeWarehouse() {
  const db = await openDb({ path: warehouse });
  await db.run(`CREATE TABLE every_type AS SELECT * EXCLUDE (varint) FROM test_all_types()`).catch(() => db.run('CREATE TABLE every_type AS SELECT * FROM test_all_types()'));
  await db.run(`CREATE TABLE t AS SELECT 9007199254740993::BIGINT AS big, 18446744073709551615::UBIGINT AS ubig, 123.4567::DECIMAL(10, 4) AS dec,
    DATE '2026-02-28' AS d, TIMESTAMPTZ '2026-01-02 03:04:05.123456+00' AS ts_tz, TIMESTAMP '2026-01-02 03:04:05.5' AS ts,
    TIME '12:34:56.789' AS tm, INTERVAL '1 month 2 days 3 seconds' AS iv, '\\xAA\\xBB'::BLOB AS bl,
    [1, 2, NULL]::INTEGER[] AS li, {'a': 1::BIGINT, 'b': 'x'} AS st, 0.1::DOUBLE AS dbl, 'O''Brien, "quoted"' AS txt, NULL::VARCHAR AS nothing`);
  db.close();
}

describe('exports that keep types', () => {
  it('render every DuckDB type in table, CSV and JSON without an error', async () => {
    await makeWarehouse();
    const result = await runSql(warehouse, 'SELECT * FROM every_type');
    expect(result.columns.length).toBeGreaterThan(40);
    for (const format of ['table', 'csv', 'json'] as const) {
      const out = render(result, format) as string;
      expect(out.length, format).toBeGreaterThan(100);
    }
    const lines = (render(result, 'json') as string).trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
  });

  it('writes exact values: 64-bit integers, decimals, dates, timestamps with and without a zone, time, interval, blob, nested', async () => {
    const result = await runSql(warehouse, 'SELECT * FROM t');
    const json = JSON.parse((render(result, 'json') as string).trim()) as Record<string, unknown>;
    const text = (render(result, 'json') as string).trim();
    expect(text).toContain('"big":9007199254740993');
    expect(text).toContain('"ubig":18446744073709551615');
    expect(text).toContain('"dec":123.4567');
    expect(json).toMatchObject({
      d: '2026-02-28',
      ts_tz: '2026-01-02T03:04:05.123456Z',
      ts: '2026-01-02T03:04:05.500',
      tm: '12:34:56.789',
      li: [1, 2, null],
      st: { a: 1, b: 'x' },
      dbl: 0.1,
      nothing: null,
    });
    expect(String(json.iv)).toMatch(/1 month 2 days 00:00:03/);
    const csv = render(result, 'csv') as string;
    expect(csv.split('\n')[1]).toContain('"O\'Brien, ""quoted"""');
    expect(csv).toContain('2026-01-02 03:04:05.123456+00');
    const table = render(result, 'table') as string;
    expect(table).toContain('9007199254740993');
    expect(table).toContain('12:34:56.789');
  });

  it('writes Arrow typed from DuckDB: exact Int64, dates, UTC timestamps, decimals, lists and structs', async () => {
    const result = await runSql(warehouse, 'SELECT * FROM t');
    const arrow = tableFromIPC(render(result, 'arrow') as Uint8Array);
    const types = Object.fromEntries(arrow.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toMatchObject({
      big: 'Int64',
      ubig: 'Uint64',
      d: 'Date32<DAY>',
      ts_tz: 'Timestamp<MICROSECOND, UTC>',
      ts: 'Timestamp<MICROSECOND>',
      li: 'List<Int32>',
      dbl: 'Float64',
      txt: 'Utf8',
    });
    // DECIMAL(10, 4): precision 10, scale 4, as Arrow's own type says.
    const dec = arrow.schema.fields.find((f) => f.name === 'dec')!.type as unknown as { precision: number; scale: number };
    expect([dec.precision, dec.scale]).toEqual([10, 4]);
    expect(types.dec).toBe('Decimal[10e+4]');
    expect(types.st).toMatch(/Struct<\{a:Int64, b:Utf8\}>/);
    const row = arrow.get(0)!.toJSON() as Record<string, unknown>;
    expect(row.big).toBe(9007199254740993n);
    expect(row.ubig).toBe(18446744073709551615n);
    expect(Math.floor(row.ts_tz as number)).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 123));
    expect(arrow.getChild('ts_tz')!.data[0]!.values[0]).toBe(1767323045123456n);
    expect([...(row.li as Iterable<unknown>)]).toEqual([1, 2, null]);
    expect(row.nothing).toBeNull();
  });

  it('keeps the columns of an empty result, in Arrow too', async () => {
    const result = await runSql(warehouse, 'SELECT * FROM t WHERE false');
    const arrow = tableFromIPC(render(result, 'arrow') as Uint8Array);
    expect(arrow.numRows).toBe(0);
    expect(arrow.schema.fields.map((f) => f.name)).toEqual(result.columns);
    expect(String(arrow.schema.fields[0]!.type)).toBe('Int64');
  });

  it("writes Parquet with DuckDB's writer, bound parameters and all", async () => {
    const bytes = await withWarehouse(warehouse, (r) => exportQuery(r, { sql: 'SELECT big, dec, ts_tz FROM t WHERE big > $min', params: { min: 1 } }, 'parquet'), {
      parquet: true,
    });
    expect(
      Buffer.from(bytes as Uint8Array)
        .subarray(0, 4)
        .toString(),
    ).toBe('PAR1');
    const back = path.join(dir, 'back.parquet');
    (await import('node:fs')).writeFileSync(back, bytes);
    const db = await openDb();
    const [row] = await db.rows<{ big: bigint; t: string }>(`SELECT big, typeof(dec) || ' ' || typeof(ts_tz) AS t FROM '${back}'`);
    db.close();
    expect(row).toEqual({ big: 9007199254740993n, t: 'DECIMAL(10,4) TIMESTAMP WITH TIME ZONE' });
  });
});
