import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:'); const c = await db.connect();
for (const s of ['2026-03-01T12:00:00.123456789Z','2026-03-01 12:00:00.123456+00:00','2026-03-01T12:00:00.9999999Z','2026-03-01 12:00:00Z','2026-03-01T12:00:00.1234565Z']) {
  const r = await c.runAndReadAll(`SELECT CAST(TRY_CAST(upper($s) AS TIMESTAMPTZ) AS VARCHAR) AS t, epoch_us(TRY_CAST(upper($s) AS TIMESTAMPTZ)) AS us`, { s });
  console.log(s, r.getRowObjectsJS());
}
