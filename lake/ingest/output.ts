import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ContractRegistry } from '../../transforms/contract/model.ts';
import { maskSecrets } from '../../transforms/secrets.ts';
import { PARTITION_COLUMN, QUARANTINE_RAW_LIMIT } from '../../transforms/tables.ts';
import { fileList, sqlLiteral, textList, type Db } from '../duckdb.ts';
import { lakeSnapshot, tableFiles } from '../catalog.ts';
import { type ProductCounts, UNKNOWN_PRODUCT } from '../manifest.ts';
import { batchFilePrefix, EVENT_ID_DIR, QUARANTINE_DIR, RECOVERED_DIR } from '../layout.ts';
import { BatchReader } from './reader.ts';

/** What a staged batch will add to the lake once committed. */
export interface BatchOutput {
  /** Paths relative to the output folder (and, once moved, to the lake). */
  files: string[];
  rows: Record<string, number>;
  accepted: number;
  duplicates: number;
  duplicatesInBatch: number;
  duplicatesAcrossBatches: number;
  quarantined: number;
  /** Committed batches whose event ids were checked; the commit checks any committed since. */
  checkedAgainst: string[];
  /** Accepted events (duplicates excluded) per type and product, those accepted by schema evolution, and coercions. */
  eventTypes: Record<string, number>;
  products: string[];
  evolved: number;
  coercions: Record<string, Record<string, Record<string, number>>>;
  /** Lines by product and outcome; a line whose product is missing or not a contract's is counted under `unknown`. */
  byProduct: ProductCounts;
}

export const OUTPUT_DIR = 'out';

/** Every file under a folder, relative to it, sorted. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .sort();
}

/** The text of given lines of a batch file (for duplicates, whose text staging did not keep). */
export async function fetchLines(file: string, wanted: ReadonlySet<number>): Promise<Map<number, { text: string; bytes: number }>> {
  const found = new Map<number, { text: string; bytes: number }>();
  if (wanted.size === 0) return found;
  const reader = new BatchReader(file, { maxLineBytes: Number.MAX_SAFE_INTEGER, headLimit: QUARANTINE_RAW_LIMIT, segmentBytes: 8 << 20 });
  for await (const segment of reader.segments()) {
    for (const { firstLine, body } of segment.bodies) {
      let start = 0;
      for (let line = firstLine; start <= body.length; line++) {
        const nl = body.indexOf(10, start);
        const end = nl < 0 ? body.length : nl;
        if (wanted.has(line)) {
          const text = body.subarray(start, end).toString('utf8');
          const clean = text.endsWith('\r') ? text.slice(0, -1) : text;
          found.set(line, { text: clean.slice(0, QUARANTINE_RAW_LIMIT), bytes: Buffer.byteLength(clean) });
        }
        if (nl < 0) break;
        start = nl + 1;
      }
    }
    if (found.size === wanted.size) break;
  }
  return found;
}

export interface OutputOptions {
  batchId: string;
  file: string;
  /** The batch's working folder; files go to <dir>/out. */
  dir: string;
  lakeDir: string;
  registry: ContractRegistry;
  /** Each lake table's SELECT over the view `acc` (accepted lines), and the coercion counts' SELECT. */
  tables: Map<string, string>;
  coercions: { sql: string; labels: Array<{ product: string; path: string; kind: string }> };
  /** DuckDB's memory limit while finding duplicates and writing (default 1GB). */
  memoryLimit?: string;
  /** A replay batch's sources: the quarantined [batch, line] each of its lines was (written to quarantine_recovered). */
  recovers?: ReadonlyArray<readonly [string, number]>;
  onStep?: (step: string) => void;
}

/**
 * Finds the batch's duplicates (an event id seen earlier in the batch, or accepted by a committed batch)
 * and writes its lake files: one zstd Parquet file per table and month partition, the quarantine (refused
 * lines and duplicates, with their reasons) and the index of its accepted event ids.
 */
export async function writeBatchOutput(db: Db, options: OutputOptions): Promise<BatchOutput> {
  const out = path.join(options.dir, OUTPUT_DIR);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const step = options.onStep ?? (() => {});
  const batch = sqlLiteral(options.batchId);

  step('finding duplicates');
  // Against every committed batch's event ids: a hash table that grows with the lake (about 100 MB at
  // 10 million events). Parsing was bounded tighter; this step gets the lake-sized limit.
  await db.run(`SET memory_limit = ${sqlLiteral(options.memoryLimit ?? '1GB')}`);
  const snapshot = lakeSnapshot(options.lakeDir);
  const committed = [...snapshot.batches.keys()].filter((b) => b !== options.batchId).sort();
  const earlier = tableFiles(snapshot, options.lakeDir, EVENT_ID_DIR);
  await db.run('CREATE TEMP TABLE firsts AS SELECT eid AS event_id, min(line) AS first_line FROM acc GROUP BY eid');
  await db.run(
    earlier.length > 0
      ? `CREATE TEMP TABLE xdup AS SELECT f.event_id, min(c.batch_id) AS first_batch FROM firsts f JOIN read_parquet(${fileList(earlier)}) c USING (event_id) GROUP BY ALL`
      : 'CREATE TEMP TABLE xdup (event_id VARCHAR, first_batch VARCHAR)',
  );
  await db.run(`CREATE TEMP TABLE dups AS
    SELECT e.line, e.event_id,
      CASE WHEN e.line <> f.first_line THEN 'duplicate_event_id:line ' || f.first_line ELSE 'duplicate_event_id:batch ' || x.first_batch END AS reason
    FROM (SELECT line, eid AS event_id FROM acc) e JOIN firsts f USING (event_id) LEFT JOIN xdup x USING (event_id)
    WHERE e.line <> f.first_line OR x.event_id IS NOT NULL`);

  // From here on `acc` is the accepted lines without their duplicates.
  await db.run('CREATE OR REPLACE VIEW acc AS SELECT * FROM staged_lines WHERE good AND NOT review AND line NOT IN (SELECT line FROM dups)');
  const counted = await countAccepted(db, options.coercions);
  // One COPY per table and month, written in order: DuckDB then fills every row group of the file (122,880
  // rows) before starting the next. (PARTITION_BY flushes each partition's rows as they pile up, and
  // unordered writes end each thread's share with a short group: measured, a third of the groups short.)
  await db.run('SET preserve_insertion_order = true');
  const months = (await db.rows<{ m: string }>(`SELECT DISTINCT ${PARTITION_COLUMN.name} AS m FROM acc ORDER BY m`)).map((r) => r.m);
  const rows: Record<string, number> = {};
  for (const [table, select] of options.tables) {
    step(`writing ${table}`);
    for (const month of months) {
      const file = path.join(out, table, `${PARTITION_COLUMN.name}=${month}`, `${batchFilePrefix(options.batchId)}0.parquet`);
      mkdirSync(path.dirname(file), { recursive: true });
      const [written] = await db.rows<{ Count: bigint }>(
        `COPY (SELECT ${batch} AS batch_id, * EXCLUDE (${PARTITION_COLUMN.name}) FROM (${select}) WHERE ${PARTITION_COLUMN.name} = $month)
         TO ${sqlLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
        { month },
      );
      const n = Number(written?.Count ?? 0);
      if (n > 0) rows[table] = (rows[table] ?? 0) + n;
      else rmSync(path.dirname(file), { recursive: true, force: true });
    }
  }

  step('writing quarantine');
  const dupRows = await db.rows<{ line: bigint; event_id: string; reason: string }>('SELECT line, event_id, reason FROM dups ORDER BY line');
  if (dupRows.length > 0) {
    const raw = await fetchLines(options.file, new Set(dupRows.map((d) => Number(d.line))));
    const app = await db.conn.createAppender('staged_quarantine');
    for (const d of dupRows) {
      const text = raw.get(Number(d.line));
      app.appendBigInt(d.line);
      app.appendVarchar(d.reason);
      app.appendVarchar(d.event_id);
      if (text) app.appendVarchar(maskSecrets(text.text, options.registry.secretKeys));
      else app.appendNull();
      app.appendBigInt(BigInt(text?.bytes ?? 0));
      app.endRow();
    }
    app.closeSync();
  }
  mkdirSync(path.join(out, QUARANTINE_DIR), { recursive: true });
  await db.run(
    `COPY (SELECT ${batch} AS batch_id, line, CASE WHEN starts_with(reason, 'duplicate_event_id:') THEN 'duplicate' ELSE 'rejected' END AS kind, reason, event_id, raw, raw_bytes
           FROM staged_quarantine ORDER BY line) TO ${sqlLiteral(path.join(out, QUARANTINE_DIR, `${options.batchId}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`,
  );
  if (options.recovers) await writeRecovered(db, options.recovers, path.join(out, RECOVERED_DIR, `${options.batchId}.parquet`), batch);
  mkdirSync(path.join(out, EVENT_ID_DIR), { recursive: true });
  await db.run(
    `COPY (SELECT f.event_id, ${batch} AS batch_id, f.first_line AS line FROM firsts f ANTI JOIN xdup USING (event_id) ORDER BY f.event_id)
     TO ${sqlLiteral(path.join(out, EVENT_ID_DIR, `${options.batchId}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`,
  );
  const [counts] = await db.rows<{ dups: bigint; inbatch: bigint; quarantined: bigint }>(
    `SELECT (SELECT count(*) FROM dups) AS dups, (SELECT count(*) FROM dups WHERE reason LIKE 'duplicate_event_id:line%') AS inbatch,
            (SELECT count(*) FROM staged_quarantine WHERE NOT starts_with(reason, 'duplicate_event_id:')) AS quarantined`,
  );
  const duplicates = Number(counts!.dups);
  // Accepted lines per product were counted above; the quarantine's (rejected and duplicates) are joined to
  // their lines' products here (a small table against the staged lines).
  const byProduct = counted.byProduct;
  const products = [...options.registry.products.keys()];
  for (const r of await db.rows<{ product: string; outcome: 'quarantined' | 'duplicates'; n: bigint }>(
    `SELECT CASE WHEN list_contains($products, s.pid) THEN s.pid ELSE ${sqlLiteral(UNKNOWN_PRODUCT)} END AS product,
            CASE WHEN starts_with(q.reason, 'duplicate_event_id:') THEN 'duplicates' ELSE 'quarantined' END AS outcome, count(*) AS n
     FROM staged_quarantine q LEFT JOIN staged_lines s USING (line) GROUP BY ALL ORDER BY ALL`,
    { products: textList(products).value },
    { products: textList(products).type },
  )) {
    (byProduct[r.product] ??= { accepted: 0, quarantined: 0, duplicates: 0 })[r.outcome] = Number(r.n);
  }
  return {
    files: filesUnder(out),
    rows,
    accepted: rows.events ?? 0,
    duplicates,
    duplicatesInBatch: Number(counts!.inbatch),
    duplicatesAcrossBatches: duplicates - Number(counts!.inbatch),
    quarantined: Number(counts!.quarantined),
    checkedAgainst: committed,
    ...counted,
  };
}

/**
 * A replay batch's record of its sources: line k of the batch was the quarantined line sources[k-1];
 * recovered when its event is in the lake (accepted, or a duplicate of one already there), rejected when
 * it was refused again (its quarantine row is now the replay batch's).
 */
async function writeRecovered(db: Db, sources: ReadonlyArray<readonly [string, number]>, file: string, batch: string): Promise<void> {
  await db.run('CREATE OR REPLACE TABLE replay_sources (line BIGINT, source_batch_id VARCHAR, source_line BIGINT)');
  const app = await db.conn.createAppender('replay_sources');
  sources.forEach(([b, l], k) => {
    app.appendBigInt(BigInt(k + 1));
    app.appendVarchar(b);
    app.appendBigInt(BigInt(l));
    app.endRow();
  });
  app.closeSync();
  mkdirSync(path.dirname(file), { recursive: true });
  await db.run(
    `COPY (SELECT ${batch} AS batch_id, s.line, s.source_batch_id, s.source_line,
                  CASE WHEN q.line IS NOT NULL AND NOT starts_with(q.reason, 'duplicate_event_id:') THEN 'rejected' ELSE 'recovered' END AS outcome
           FROM replay_sources s LEFT JOIN staged_quarantine q USING (line) ORDER BY s.line) TO ${sqlLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
  );
}

type Counted = Pick<BatchOutput, 'eventTypes' | 'products' | 'evolved' | 'coercions' | 'byProduct'>;

/** Accepted events per type and product, events accepted by evolution, and coercions, over `acc`. */
async function countAccepted(db: Db, coercions: OutputOptions['coercions']): Promise<Counted> {
  const out: Counted = { eventTypes: {}, products: [], evolved: 0, coercions: {}, byProduct: {} };
  const products = new Set<string>();
  for (const c of await db.rows<{ pid: string; etype: string; typed: boolean; n: bigint }>('SELECT pid, etype, typed, count(*) AS n FROM acc GROUP BY ALL ORDER BY ALL')) {
    const n = Number(c.n);
    products.add(c.pid);
    (out.byProduct[c.pid] ??= { accepted: 0, quarantined: 0, duplicates: 0 }).accepted += n;
    out.eventTypes[c.etype] = (out.eventTypes[c.etype] ?? 0) + n;
    if (!c.typed) out.evolved += n;
  }
  out.products = [...products].sort();
  const [coerced] = await db.rows<Record<string, bigint | number>>(coercions.sql);
  coercions.labels.forEach((label, i) => {
    const n = Number(coerced?.[`c${i}`] ?? 0);
    if (n === 0) return;
    const byPath = ((out.coercions[label.product] ??= {})[label.path] ??= {});
    byPath[label.kind] = (byPath[label.kind] ?? 0) + n;
  });
  return out;
}
