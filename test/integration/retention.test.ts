// Retention end to end: 18 months of simulated events, a 12-month retention on two of the three products,
// run through the lake-retention workflow on a real worker. The lake after it equals a lake that never had
// the expired months, and so do the marts the workflow's build made.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { batchIdOf, hashFile } from '../../activities/ingest/inbox.ts';
import { commitBatch, lakeSnapshot, loadContracts, stageBatch } from '../../lake/index.ts';
import { dataLayout } from '../../platform/env.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { buildWarehouse } from '../../warehouse/build.ts';
import { ingestBatchWorkflow, ingestWorkflowId, lakeCompactWorkflow, lakeRetentionWorkflow, martsBuildWorkflow } from '../../workflows/index.ts';
import { warehouseResults } from '../fixtures/warehouse.ts';
import { runCli, tempDataDir, uniqueTaskQueue, useTestClient, withWorker } from './helpers.ts';
import { eventContent } from './lake.ts';

const testServer = useTestClient();
const REPO_CONTRACTS = path.resolve(import.meta.dirname, '../../contracts');
const AS_OF = '2026-12-01T00:00:00.000Z';
/** 12 months before AS_OF: the months wholly before it (up to 2025-11) are past retention. */
const FIRST_KEPT = '2025-12';
const EXPIRING = new Set(['placebo', 'exrps']);

const utcMonth = (iso: string) => new Date(Date.parse(iso)).toISOString().slice(0, 7);

describe('retention', { timeout: 600_000 }, () => {
  it("drops the month partitions past a contract's retention (12mo for placebo and exrps, none for trade-engine): the lake and the marts equal those of a lake that never had them", async () => {
    const contractsDir = tempDataDir('gamelake-retention-contracts-');
    cpSync(REPO_CONTRACTS, contractsDir, { recursive: true });
    for (const product of EXPIRING) {
      const file = path.join(contractsDir, `${product}.yaml`);
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^mode: (\w+)$/m, 'mode: $1\nretention: 12mo'));
    }
    const registry = loadContracts(contractsDir);
    const simDir = tempDataDir('gamelake-retention-sim-');
    const truth = await simulateEvents({
      game: 'all',
      players: 120,
      events: 2000,
      seed: 'retention',
      badRate: 0,
      cheatRate: 0.05,
      batches: 6,
      outDir: simDir,
      span: { start: '2025-06-01T00:00:00Z', end: '2026-11-25T00:00:00Z' },
    });
    const files = truth.batches.map((b) => path.join(simDir, b.file));

    // The reference: the same lines but the expired products' before the cut, ingested and built directly.
    const refDir = tempDataDir('gamelake-retention-ref-');
    const refLake = path.join(refDir, 'lake');
    let dropped = 0;
    for (const [i, file] of files.entries()) {
      const kept = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => {
          if (!line) return false;
          const e = JSON.parse(line) as { product_id: string; occurred_at: string };
          const gone = EXPIRING.has(e.product_id) && utcMonth(e.occurred_at) < FIRST_KEPT;
          if (gone) dropped += 1;
          return !gone;
        });
      const refFile = path.join(refDir, `kept-${i}.ndjson`);
      writeFileSync(refFile, `${kept.join('\n')}\n`);
      const sha256 = await hashFile(refFile);
      const input = { file: refFile, sha256, batchId: batchIdOf(sha256) };
      await stageBatch(input, { workDir: path.join(refDir, 'work'), lakeDir: refLake, registry });
      await commitBatch(input, { workDir: path.join(refDir, 'work'), lakeDir: refLake, registry });
    }
    expect(dropped).toBeGreaterThan(500);
    const refWarehouse = path.join(refDir, 'warehouse.duckdb');
    await buildWarehouse({ lakeDir: refLake, warehousePath: refWarehouse, registry, full: true });

    const dataDir = tempDataDir('gamelake-retention-');
    const layout = dataLayout(dataDir);
    const queue = uniqueTaskQueue('retention');
    const client = testServer.client;
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue, GAMELAKE_CONTRACTS_DIR: contractsDir };
    await withWorker(
      dataDir,
      queue,
      async () => {
        for (const [i, file] of files.entries()) {
          const sha256 = await hashFile(file);
          const batchId = batchIdOf(sha256);
          await client.workflow.execute(ingestBatchWorkflow, { args: [{ file, sha256, batchId }], taskQueue: queue, workflowId: `${ingestWorkflowId(batchId)}-${queue}` });
          // Half the lake compacted: retention drops merged files and batches' own alike.
          if (i === 2) await client.workflow.execute(lakeCompactWorkflow, { args: [{}], taskQueue: queue, workflowId: `compact-${queue}` });
        }
        await client.workflow.execute(martsBuildWorkflow, { args: [], taskQueue: queue, workflowId: `build-${queue}` });

        const status = await runCli(['lake', 'status'], env);
        expect(status.status, status.stderr).toBe(0);
        expect(status.stdout).toMatch(/^placebo_events .* 2025-06 {2}12mo$/m);
        expect(status.stdout).toMatch(/^events .* 2025-06 {2}exrps 12mo, placebo 12mo$/m);
        expect(status.stdout).toMatch(/^trades .* 2025-06 {2}for ever$/m);

        // A dry run says what would go and changes nothing.
        const before = lakeSnapshot(layout.lake).files.map((f) => f.path);
        const dry = await runCli(['lake', 'retention', '--dry-run', '--as-of', AS_OF], env);
        expect(dry.status, dry.stderr).toBe(0);
        expect(dry.stdout).toContain('(dry run: nothing changed)');
        expect(dry.stdout).toContain('placebo_events/event_month=2025-11: would be dropped');
        expect(dry.stdout).toContain('events/event_month=2025-06: would be rewritten');
        expect(lakeSnapshot(layout.lake).files.map((f) => f.path)).toEqual(before);

        const r = await client.workflow.execute(lakeRetentionWorkflow, { args: [{ asOf: AS_OF }], taskQueue: queue, workflowId: `retention-${queue}` });
        expect(r.retention.record).toBeDefined();
        expect(r.retention.removed.events).toBe(dropped);
        // exrps and placebo tables: every partition before the cut dropped whole; events rewritten (trade-engine's rows stay).
        const months = r.retention.partitions.map((p) => p.partition.slice('event_month='.length));
        expect(new Set(months)).toEqual(new Set(['2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11']));
        for (const p of r.retention.partitions) expect(p.action, `${p.table}/${p.partition}`).toBe(p.table === 'events' ? 'rewritten' : 'dropped');
        // Again: nothing is past retention any more.
        const again = await client.workflow.execute(lakeRetentionWorkflow, { args: [{ asOf: AS_OF }], taskQueue: queue, workflowId: `retention-again-${queue}` });
        expect(again.retention.partitions).toEqual([]);
        // The build the retention asked for is a full one (rows left the lake); wait for it like a user would.
        await client.workflow.execute(martsBuildWorkflow, { args: [], taskQueue: queue, workflowId: `build-after-${queue}` });
        const after = await runCli(['lake', 'status'], env);
        expect(after.stdout).toMatch(/^placebo_events .* 2025-12 {2}12mo$/m);
        expect(after.stdout).toMatch(/^trades .* 2025-06 {2}for ever$/m);
      },
      undefined,
      contractsDir,
    );
    // The lake holds exactly what a lake that never had the expired months holds (the event id index
    // aside: it keeps every id it accepted, so a resent old event is still a duplicate).
    const content = async (lake: string) => Object.fromEntries(Object.entries(await eventContent(lake)).filter(([t]) => t !== '_event_ids'));
    expect(await content(layout.lake)).toEqual(await content(refLake));
    // And so do the marts (batches aside: the two lakes' batches are other files).
    expect(await warehouseResults(layout.warehouse, { leaveOut: ['batches'] })).toEqual(await warehouseResults(refWarehouse, { leaveOut: ['batches'] }));
  });
});
