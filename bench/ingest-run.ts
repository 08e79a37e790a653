// One gamelake ingestion for bench/ingest.ts, in its own process so its peak memory stands alone:
//   node bench/ingest-run.ts FILE DIR   ->  one JSON line of figures
// A real dev server, a real worker (this process), the real ingest-batch workflow.
import path from 'node:path';
import { batchIdOf, hashFile } from '../activities/ingest/inbox.ts';
import { openDb, readManifest } from '../lake/index.ts';
import { dataLayout } from '../platform/env.ts';
import { createGamelakeWorker } from '../platform/worker/worker.ts';
import { ingestBatchWorkflow, ingestWorkflowId } from '../workflows/index.ts';
import { startBenchTemporal } from './temporal.ts';

const [file, dir] = process.argv.slice(2) as [string, string];
const log = (line: string) => process.stderr.write(`${line}\n`);
const { server, connection, client } = await startBenchTemporal(dir, log);
const layout = dataLayout(path.join(dir, 'data'));
// Ingestion alone: the warehouse build a committed batch asks for is bench:marts's subject, not this one's.
const { worker, close } = await createGamelakeWorker({ address: server.address, namespace: 'default', taskQueue: 'bench', deps: { layout, requestMartsBuild: async () => {} } });
const rssBeforeMb = process.resourceUsage().maxRSS / 1024;
let started = 0;
let ms = 0;
const result = await worker.runUntil(async () => {
  const sha256 = await hashFile(file);
  const batchId = batchIdOf(sha256);
  // The clock starts once the file is hashed (the CLI hashes it before starting the workflow) and stops when the workflow returns.
  started = Date.now();
  const r = await client.workflow.execute(ingestBatchWorkflow, { args: [{ file, sha256, batchId }], taskQueue: 'bench', workflowId: ingestWorkflowId(batchId) });
  ms = Date.now() - started;
  return r;
});
const maxRssMb = process.resourceUsage().maxRSS / 1024;
// Activity attempts beyond the first (a retried stage would distort the figures).
const history = await client.workflow.getHandle(ingestWorkflowId(result.batchId)).fetchHistory();
const retries = history.events!.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length;
if (process.env.BENCH_TRACE) {
  const t0 = Number(history.events![0]!.eventTime!.seconds) * 1000 + Math.round((history.events![0]!.eventTime!.nanos ?? 0) / 1e6);
  for (const e of history.events!)
    log(
      `${((Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6) - t0) / 1000).toFixed(1)}s ${e.eventType} ${e.activityTaskScheduledEventAttributes?.activityType?.name ?? ''}`,
    );
  log(`workflow started ${((t0 - started) / 1000).toFixed(1)} s after the clock started`);
}
await close();
await connection.close();
await server.stop();

// Files against the (table, partition) pairs they cover, and the size of their row groups.
const manifest = readManifest(layout.lake, result.batchId)!;
const dataFiles = manifest.files.filter((f) => f.includes('/event_month='));
const pairs = new Set(dataFiles.map((f) => path.dirname(f))).size;
const db = await openDb();
const groups = await db.rows<{ file: string; rows: bigint; total: bigint }>(
  `SELECT file_name AS file, row_group_num_rows AS rows, sum(row_group_num_rows) OVER (PARTITION BY file_name) AS total
   FROM (SELECT DISTINCT file_name, row_group_id, row_group_num_rows FROM parquet_metadata([${dataFiles.map((f) => `'${path.join(layout.lake, f)}'`).join(', ')}]))`,
);
db.close();
const sizes = groups.map((g) => Number(g.rows)).sort((a, b) => a - b);
// One group under 100k rows per file is its tail (or the whole of a small partition); more is a write that split the data.
const smallPerFile = new Map<string, number>();
for (const g of groups) if (Number(g.rows) < 100_000) smallPerFile.set(g.file, (smallPerFile.get(g.file) ?? 0) + 1);
const small = new Set([...smallPerFile].filter(([, n]) => n > 1).map(([f]) => f));
process.stdout.write(
  `${JSON.stringify({
    events: result.linesIn,
    ms,
    retries,
    stageMs: readManifest(layout.lake, result.batchId)!.stageMs,
    commitMs: readManifest(layout.lake, result.batchId)!.commitMs,
    maxRssMb,
    rssBeforeMb,
    accepted: result.accepted,
    quarantined: result.quarantined,
    duplicates: result.duplicates,
    files: dataFiles.length,
    pairs,
    rowGroups: { count: sizes.length, min: sizes[0] ?? 0, median: sizes[Math.floor(sizes.length / 2)] ?? 0, filesWithSmallGroups: small.size },
  })}\n`,
);
