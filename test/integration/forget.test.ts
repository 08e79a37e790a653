// Erasure end to end: one trade-engine player's events planted across 5 batches (compacted and not,
// in every table of the product, trades they are a side of included), copies in the inbox's done/ and an
// unshipped spool segment; `gamelake forget` with the worker SIGKILLed while it rewrites the lake. After
// it no byte of the data directory holds the id, and the lake and the marts equal a lake that never had them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { batchIdOf, hashFile } from '../../activities/ingest/inbox.ts';
import { commitBatch, lakeSnapshot, loadContracts, stageBatch, subjectHash } from '../../lake/index.ts';
import { dataLayout } from '../../platform/env.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { buildWarehouse } from '../../warehouse/build.ts';
import { runSql } from '../../warehouse/queries.ts';
import { forgetWorkflowId } from '../../workflows/index.ts';
import { warehouseResults } from '../fixtures/warehouse.ts';
import { exited, filesText, interruptedAttempts, runCli, runningActivity, tempDataDir, uniqueTaskQueue, useTestClient } from './helpers.ts';
import { decodedText, eventContent } from './lake.ts';

const GAMELAKE = path.resolve(import.meta.dirname, '../../bin/gamelake.js');
const testServer = useTestClient();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PLAYER = 'zz-forget-4242';
/** The simulated trade-engine player renamed to PLAYER: their snapshots, inventories and trade sides. */
const TARGET = '7';

/** The line with every player_id equal to TARGET (at any depth) given PLAYER instead; other lines unchanged. */
function plant(line: string): string {
  let e: unknown;
  try {
    e = JSON.parse(line);
  } catch {
    return line;
  }
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.product_id !== undefined && o.product_id !== 'trade-engine') return v;
      for (const [k, x] of Object.entries(o)) {
        if (k === 'player_id' && String(x) === TARGET) {
          o[k] = PLAYER;
          changed = true;
        } else o[k] = walk(x);
      }
    }
    return v;
  };
  walk(e);
  return changed ? JSON.stringify(e) : line;
}

describe('forget', { timeout: 600_000 }, () => {
  it("erases a player from every table, the quarantine, the warehouse, the inbox's done/ and the spool, through a SIGKILL of the worker: the lake and the marts equal a lake that never had them", async () => {
    const simDir = tempDataDir('gamelake-forget-sim-');
    const truth = await simulateEvents({ game: 'all', players: 60, events: 1500, seed: 'forget', badRate: 0.03, cheatRate: 0.05, batches: 5, outDir: simDir });
    const files: string[] = [];
    const refFiles: string[] = [];
    let planted = 0;
    for (const b of truth.batches) {
      const lines = readFileSync(path.join(simDir, b.file), 'utf8').split('\n').map(plant);
      const file = path.join(simDir, `planted-${b.file}`);
      writeFileSync(file, lines.join('\n'));
      files.push(file);
      const kept = lines.filter((l) => !l.includes(PLAYER));
      planted += lines.length - kept.length;
      const ref = path.join(simDir, `ref-${b.file}`);
      writeFileSync(ref, kept.join('\n'));
      refFiles.push(ref);
    }
    expect(planted).toBeGreaterThan(20);

    // The reference: a lake that never had the player, and its warehouse.
    const registry = loadContracts();
    const refDir = tempDataDir('gamelake-forget-ref-');
    const refLake = path.join(refDir, 'lake');
    for (const f of refFiles) {
      const sha256 = await hashFile(f);
      const input = { file: f, sha256, batchId: batchIdOf(sha256) };
      await stageBatch(input, { workDir: path.join(refDir, 'work'), lakeDir: refLake, registry });
      await commitBatch(input, { workDir: path.join(refDir, 'work'), lakeDir: refLake, registry });
    }
    const refWarehouse = path.join(refDir, 'warehouse.duckdb');
    await buildWarehouse({ lakeDir: refLake, warehousePath: refWarehouse, registry, full: true });

    const dataDir = tempDataDir('gamelake-forget-');
    const layout = dataLayout(dataDir);
    const queue = uniqueTaskQueue('forget');
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue };
    const startWorker = (): ChildProcess => spawn(process.execPath, [GAMELAKE, 'worker'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    let worker = startWorker();
    const client = testServer.client;
    try {
      for (const [i, f] of files.entries()) {
        const r = await runCli(['ingest', f, '--wait'], env);
        expect(r.status, r.stderr).toBe(0);
        if (i === 2) expect((await runCli(['lake', 'compact', '--wait'], env)).status).toBe(0);
      }
      const built = await runCli(['marts', 'build', '--wait'], env);
      expect(built.status, built.stderr).toBe(0);
      // Copies outside the lake: a file the inbox took in, and a spool segment not shipped yet.
      mkdirSync(layout.inboxDone, { recursive: true });
      copyFileSync(files[4]!, path.join(layout.inboxDone, 'batch-5.ndjson'));
      const segment = path.join(layout.spool, 'collector-test', 'closed', 'collect-1-2-1-1.ndjson');
      mkdirSync(path.dirname(segment), { recursive: true });
      copyFileSync(files[3]!, segment);
      expect(filesText(dataDir)).toContain(PLAYER);
      expect(await decodedText(path.join(dataDir, 'lake'))).toContain(PLAYER);
      const tables = new Set(lakeSnapshot(layout.lake).files.map((f) => f.table));
      for (const t of ['player_states', 'player_inventory', 'trades', 'trade_sides', 'trade_items']) expect(tables.has(t), t).toBe(true);

      // Forget, the worker killed once while it rewrites the lake.
      const forget = runCli(['forget', '--product', 'trade-engine', '--player', PLAYER, '--wait'], env, 400_000);
      const key = createHash('sha256').update(`trade-engine\n${PLAYER}`).digest('hex').slice(0, 16);
      const handle = client.workflow.getHandle(forgetWorkflowId(queue, key));
      const deadline = Date.now() + 120_000;
      for (;;) {
        const a = (await runningActivity(handle).catch(() => undefined))?.activity;
        if (a?.name === 'eraseFromLake') break;
        if (Date.now() > deadline) throw new Error('the erasure never started rewriting the lake');
        await sleep(10);
      }
      await sleep(150);
      worker.kill('SIGKILL');
      await exited(worker);
      worker = startWorker();
      const r = await forget;
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^erased \d+ events/);
      expect(r.stdout).toContain('inbox files: ');
      expect(r.stdout).toContain('spool files: ');
      expect(r.stdout).toContain('warehouse rebuilt in full');
      expect(await interruptedAttempts(handle, ['eraseFromLake'])).toBeGreaterThanOrEqual(1);

      // No byte of the data directory holds the id: raw bytes (gzip opened) and every Parquet row decoded.
      expect(filesText(dataDir).includes(PLAYER)).toBe(false);
      expect((await decodedText(dataDir)).includes(PLAYER)).toBe(false);
      // The copies outside the lake lost only the player's lines.
      expect(readFileSync(path.join(layout.inboxDone, 'batch-5.ndjson'), 'utf8')).toBe(readFileSync(refFiles[4]!, 'utf8'));
      expect(readFileSync(segment, 'utf8')).toBe(readFileSync(refFiles[3]!, 'utf8'));

      // The erasure log: one entry, a salted hash of the id (never the id).
      const erasures = lakeSnapshot(layout.lake).rewrites.filter((x) => x.kind === 'erasure');
      expect(erasures).toHaveLength(1);
      expect(erasures[0]!.erasure).toEqual({ product: 'trade-engine', subject: subjectHash(layout.lake, 'trade-engine', PLAYER) });
      expect(erasures[0]!.removed.trade_sides).toBeGreaterThan(0);
      const status = await runCli(['lake', 'status'], env);
      expect(status.stdout).toContain('1 erasures');

      // Again: a no-op.
      const again = await runCli(['forget', '--product', 'trade-engine', '--player', PLAYER, '--wait'], env);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toContain('nothing changed');
      expect(lakeSnapshot(layout.lake).rewrites).toHaveLength(1);

      // Every other player's rows and every mart row not derived from the player: as if they had never been.
      const content = async (lake: string) => Object.fromEntries(Object.entries(await eventContent(lake)).filter(([t]) => t !== '_event_ids'));
      expect(await content(layout.lake)).toEqual(await content(refLake));
      const leaveOut = ['batches', 'mart_quarantine_reasons'];
      expect(await warehouseResults(layout.warehouse, { leaveOut })).toEqual(await warehouseResults(refWarehouse, { leaveOut }));
      const still = "SELECT kind, CASE WHEN kind = 'duplicate' THEN 'duplicate' ELSE reason END AS reason, count(*) AS n FROM stg_quarantine GROUP BY ALL ORDER BY ALL";
      expect((await runSql(layout.warehouse, still)).rows).toEqual((await runSql(refWarehouse, still)).rows);

      // A later batch that carries the player again is ingested normally (a new request would be needed).
      const later = path.join(simDir, 'later.ndjson');
      const created = {
        event_id: 'later-1',
        event_type: 'player_created',
        product_id: 'trade-engine',
        occurred_at: '2026-06-01T00:00:00Z',
        player_id: PLAYER,
        username: 'back',
        player_class: 'farmer',
        gold: 5,
        inventory: { max_capacity: 10, current_capacity: 0, items: [] },
      };
      writeFileSync(later, `${JSON.stringify(created)}\n`);
      const back = await runCli(['ingest', later, '--wait'], env);
      expect(back.status, back.stderr).toBe(0);
      expect(back.stdout).toContain('1 accepted');
      expect(await decodedText(layout.lake)).toContain(PLAYER);
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }
  });
});
