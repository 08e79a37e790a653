// Baselines for bench/ingest.ts, each run in its own process so its time and memory stand alone.
//   node bench/ingest-baselines.ts duckdb FILE OUT.parquet
//   node bench/ingest-baselines.ts naive FILE OUT.parquet
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { openDb, sqlLiteral } from '../lake/duckdb.ts';

const [mode, file, out] = process.argv.slice(2) as [string, string, string];
const started = Date.now();
let rows = 0;
if (mode === 'duckdb') {
  // The practical limit on this machine: DuckDB's own parser and Parquet writer, nothing validated.
  const db = await openDb({ threads: 2 });
  const [r] = await db.rows<{ Count: bigint }>(
    `COPY (SELECT * FROM read_json(${sqlLiteral(file)}, format = 'newline_delimited', ignore_errors = true)) TO ${sqlLiteral(out)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  rows = Number(r!.Count);
  db.close();
} else if (mode === 'naive') {
  // What one writes first: readline + JSON.parse, one parquetjs-lite row per event (envelope + payload JSON).
  // biome-ignore lint/suspicious/noExplicitAny: parquetjs-lite ships no types
  const parquet = (await import('parquetjs-lite')).default as any;
  const schema = new parquet.ParquetSchema({
    event_id: { type: 'UTF8' },
    event_type: { type: 'UTF8' },
    product_id: { type: 'UTF8' },
    occurred_at: { type: 'UTF8' },
    payload: { type: 'UTF8' },
  });
  const writer = await parquet.ParquetWriter.openFile(schema, out);
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    const { event_id, event_type, product_id, occurred_at, ...payload } = e;
    await writer.appendRow({
      event_id: String(event_id),
      event_type: String(event_type),
      product_id: String(product_id),
      occurred_at: String(occurred_at),
      payload: JSON.stringify(payload),
    });
    rows += 1;
  }
  await writer.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
process.stdout.write(`${JSON.stringify({ rows, ms: Date.now() - started, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
