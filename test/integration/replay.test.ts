// Quarantine replay end to end: a batch ingested under a stricter copy of the placebo contract (purchases
// over 100 gold and every password longer than 4 characters refused), then the normal contract and a
// replay through the CLI, with the worker SIGKILLed while the replay batch stages. The lake then equals
// what one ingest under the normal contract gives; a second replay changes nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadContracts } from '../../lake/index.ts';
import { dataLayout } from '../../platform/env.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { buildWarehouse } from '../../warehouse/build.ts';
import { runSql } from '../../warehouse/queries.ts';
import { warehouseResults } from '../fixtures/warehouse.ts';
import { exited, interruptedAttempts, referenceLake, runCli, runningActivity, tempDataDir, uniqueTaskQueue, useTestClient } from './helpers.ts';
import { decodedText, eventContent, manifestsOf } from './lake.ts';

const GAMELAKE = path.resolve(import.meta.dirname, '../../bin/gamelake.js');
const REPO_CONTRACTS = path.resolve(import.meta.dirname, '../../contracts');
const testServer = useTestClient();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lines the strict contract refuses and the normal one accepts (or counts as a duplicate of an accepted one). */
function strictlyRefused(e: Record<string, unknown>): string | undefined {
  if (e.product_id !== 'placebo') return undefined;
  if ((e.event_type === 'buy_sword' || e.event_type === 'buy_spell') && Number(e.cost) > 100) return 'out_of_range:cost';
  if (typeof e.password === 'string' && e.password.length > 4) return 'out_of_range:password';
  return undefined;
}

describe('quarantine replay', { timeout: 600_000 }, () => {
  it('recovers the lines a stricter contract refused: the lake equals one ingest under the normal contract, through a SIGKILL of the worker; a second replay is a no-op', async () => {
    const strictDir = tempDataDir('gamelake-replay-strict-');
    cpSync(REPO_CONTRACTS, strictDir, { recursive: true });
    const placebo = path.join(strictDir, 'placebo.yaml');
    const yaml = readFileSync(placebo, 'utf8');
    const strict = yaml
      .replace(
        'cost: { type: number, min: 0, max: 1.0e+15, numeric_strings: true, description: Asking price. }',
        'cost: { type: number, min: 0, max: 100, numeric_strings: true, description: Asking price. }',
      )
      .replaceAll('password: { type: string, required: false, secret: true,', 'password: { type: string, required: false, secret: true, max_length: 4,');
    expect(strict).not.toBe(yaml);
    writeFileSync(placebo, strict);
    loadContracts(strictDir);

    const simDir = tempDataDir('gamelake-replay-sim-');
    const truth = await simulateEvents({
      game: 'all',
      players: 150,
      events: 2500,
      seed: 'replay',
      badRate: 0.03,
      cheatRate: 0.05,
      batches: 1,
      outDir: simDir,
      recordBadLines: true,
    });
    const file = path.join(simDir, truth.batches[0]!.file);
    const bad = new Map(truth.batches[0]!.badLines!);
    // The simulator's truth: which lines the strict contract refuses (good lines and copies of them).
    const refused: Record<string, number> = {};
    const passwords: string[] = [];
    let strictCopies = 0;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        const reason = bad.get(i + 1);
        if ((reason !== undefined && reason !== 'duplicate') || text === '') return;
        const e = JSON.parse(text) as Record<string, unknown>;
        const why = strictlyRefused(e);
        if (!why) return;
        refused[why] = (refused[why] ?? 0) + 1;
        if (reason === 'duplicate') strictCopies += 1;
        if (typeof e.password === 'string') passwords.push(e.password);
      });
    const strictTotal = Object.values(refused).reduce((a, b) => a + b, 0);
    expect(refused['out_of_range:cost']).toBeGreaterThan(50);
    expect(refused['out_of_range:password']).toBeGreaterThan(50);

    const dataDir = tempDataDir('gamelake-replay-');
    const layout = dataLayout(dataDir);
    const queue = uniqueTaskQueue('replay');
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue };
    const startWorker = (contractsDir?: string): ChildProcess =>
      spawn(process.execPath, [GAMELAKE, 'worker'], { env: { ...process.env, ...env, ...(contractsDir ? { GAMELAKE_CONTRACTS_DIR: contractsDir } : {}) }, stdio: 'ignore' });

    // Ingested under the strict contract.
    let worker = startWorker(strictDir);
    try {
      const r = await runCli(['ingest', file, '--wait'], env);
      expect(r.status, r.stderr).toBe(0);
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }
    const [strictManifest] = manifestsOf(layout.lake);
    const truthRejected = Object.values(truth.batches[0]!.rejected).reduce((a, b) => a + b, 0);
    // Every refused line quarantined; a bad line that also breaks the strict rule may be refused for it first.
    expect(strictManifest!.quarantined).toBe(truthRejected + strictTotal);
    const strictFirst = strictManifest!.rejectedByReason['out_of_range:cost']! + strictManifest!.rejectedByReason['out_of_range:password']! - strictTotal;
    expect(strictFirst).toBeGreaterThanOrEqual(0);

    // The normal contract: a dry run first, then the replay, its worker killed while the replay batch stages.
    worker = startWorker();
    try {
      const dry = await runCli(['quarantine', 'replay', '--reason', 'out_of_range:password', '--reason', 'out_of_range:cost', '--dry-run'], env);
      expect(dry.status, dry.stderr).toBe(0);
      expect(dry.stdout).toContain(`${(strictTotal + strictFirst).toLocaleString('en-US')} quarantined lines selected: ${strictTotal.toLocaleString('en-US')} would be recovered`);
      expect(dry.stdout).toMatch(new RegExp(`out_of_range:cost: [0-9,]+ selected, ${refused['out_of_range:cost']!.toLocaleString('en-US')} would be recovered`));
      expect(manifestsOf(layout.lake)).toHaveLength(1);

      const selection = ['--reason', 'out_of_range:cost', '--reason', 'out_of_range:password'];
      const replay = runCli(['quarantine', 'replay', ...selection], env, 400_000);
      const client = testServer.client;
      const deadline = Date.now() + 120_000;
      let killed: string | undefined;
      while (!killed) {
        if (Date.now() > deadline) throw new Error('the replay batch never started staging');
        for await (const w of client.workflow.list({ query: `WorkflowType = 'ingestBatchWorkflow' AND TaskQueue = '${queue}' AND ExecutionStatus = 'Running'` })) {
          const a = (await runningActivity(client.workflow.getHandle(w.workflowId))).activity;
          if (a?.name === 'stageBatch') {
            worker.kill('SIGKILL');
            await exited(worker);
            worker = startWorker();
            killed = w.workflowId;
            break;
          }
        }
        await sleep(20);
      }
      const r = await replay;
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`${strictTotal.toLocaleString('en-US')} recoverable`);
      // The kill cut the replay batch's staging short (the server's record), and its retry finished it.
      expect(await interruptedAttempts(client.workflow.getHandle(killed))).toBeGreaterThanOrEqual(1);
      expect(r.stdout, r.stdout).toMatch(
        new RegExp(`replay batch [0-9a-f]{16}: ${(strictTotal - strictCopies).toLocaleString('en-US')} accepted, ${strictCopies} duplicates .*, ${strictFirst} quarantined again`),
      );

      // Again: every line it would pick is recovered, nothing to do.
      const files = manifestsOf(layout.lake).flatMap((m) => m.files);
      const again = await runCli(['quarantine', 'replay', ...selection], env);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toContain('0 recoverable');
      expect(again.stdout).toContain('nothing to recover');
      expect(manifestsOf(layout.lake).flatMap((m) => m.files)).toEqual(files);
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }

    // The lake equals one ingest under the normal contract (the replay's own record aside).
    const reference = await referenceLake(testServer.client, file);
    const content = async (lake: string) => Object.fromEntries(Object.entries(await eventContent(lake)).filter(([t]) => t !== 'quarantine_recovered'));
    expect(await content(layout.lake)).toEqual(await content(reference));
    // The warehouse too: every mart (the reasons' samples name the batches' own lines: compared by count);
    // what is still in quarantine, rejected by reason (the lines still refused with today's reasons), and
    // how many duplicates.
    const registry = loadContracts();
    const [ours, theirs] = [path.join(dataDir, 'check.duckdb'), path.join(path.dirname(reference), 'check.duckdb')];
    await buildWarehouse({ lakeDir: layout.lake, warehousePath: ours, registry, full: true });
    await buildWarehouse({ lakeDir: reference, warehousePath: theirs, registry, full: true });
    const leaveOut = ['batches', 'mart_quarantine_reasons'];
    expect(await warehouseResults(ours, { leaveOut })).toEqual(await warehouseResults(theirs, { leaveOut }));
    const still = "SELECT kind, CASE WHEN kind = 'duplicate' THEN 'duplicate' ELSE reason END AS reason, count(*) AS n FROM stg_quarantine GROUP BY ALL ORDER BY ALL";
    expect((await runSql(ours, still)).rows).toEqual((await runSql(theirs, still)).rows);
    const recovered = await runSql(ours, 'SELECT outcome, count(*)::INTEGER AS n FROM lake_quarantine_recovered GROUP BY ALL ORDER BY outcome');
    expect(recovered.rows).toEqual([{ outcome: 'recovered', n: strictTotal }, ...(strictFirst ? [{ outcome: 'rejected', n: strictFirst }] : [])]);
    // Masked secrets stay masked: no password of a recovered line is anywhere in the data directory.
    const text = await decodedText(dataDir);
    expect(text).toContain('[REDACTED]');
    for (const p of passwords) expect(text.includes(p), p).toBe(false);
  });
});
