// The cluster tier (npm run test:cluster): the production topology run here. The real Temporal server
// (temporal-server, the release docker-compose.yml pins) on PostgreSQL from Debian, three `gamelake worker`
// processes apart from it, `gamelake collect`, and the gamelake CLI as a user runs it. Meanwhile one worker
// is killed (SIGKILL) and the Temporal server process restarted: every workflow completes, and the lake
// and the marts equal what the same events give ingested in-process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchIdOf, hashFile } from '../../activities/ingest/inbox.ts';
import { commitBatch, loadContracts, openDb, stageBatch } from '../../lake/index.ts';
import { dataLayout } from '../../platform/env.ts';
import { freePort } from '../../platform/server/dev-server.ts';
import { LOCAL_BIN_DIR, resolveTemporalCli } from '../../platform/server/temporal-cli.ts';
import { startCluster, type Cluster } from '../../platform/server/temporal-cluster.ts';
import { COMPACT_SCHEDULE_ID, MARTS_SCHEDULE_ID, STEAM_PLAYER_SCHEDULE_PREFIX } from '../../platform/client/schedules.ts';
import { groundTruth, startSteamSim, type GroundTruth, type SteamSim } from '../../sim/steam/index.ts';
import { simulateEvents, type SimulationTruth } from '../../sim/events/simulate.ts';
import { buildWarehouse, defaultScoring } from '../../warehouse/build.ts';
import { serveUi } from '../../ui/index.ts';
import { eventContent, manifestsOf } from '../integration/lake.ts';
import { exited } from '../integration/helpers.ts';
import { ingestWorkflowId } from '../../workflows/index.ts';

const GAMELAKE = path.resolve(import.meta.dirname, '../../bin/gamelake.js');
let TEMPORAL = path.join(LOCAL_BIN_DIR, 'temporal');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [GAMELAKE, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

let cluster: Cluster;
let dataDir: string;
let truth: SimulationTruth;
let simDir: string;
let env: NodeJS.ProcessEnv;
const workers: ChildProcess[] = [];
let collector: ChildProcess | undefined;
const events: string[] = [];
let blankSent = 0;
let sim: SteamSim | undefined;
let world: GroundTruth;
let tracked: number[] = [];
const STEAM_KEY = 'CLUSTER-STEAM-KEY-5d1e';

describe('the production topology: temporal-server on PostgreSQL, three workers apart', () => {
  beforeAll(async () => {
    // The `temporal` CLI as the suite resolves it (PATH, TEMPORAL_CLI_PATH or the project's build).
    TEMPORAL = (await resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, searchPath: process.env.PATH })).path;
    const root = mkdtempSync(path.join(os.tmpdir(), 'gamelake-cluster-'));
    cluster = await startCluster(path.join(root, 'temporal'), {
      log: (line) => console.log(line),
    });
    dataDir = path.join(root, 'data');
    simDir = path.join(root, 'sim');
    truth = await simulateEvents({ game: 'all', players: 300, events: 4000, seed: 'cluster', badRate: 0.03, cheatRate: 0.05, batches: 4, outDir: simDir });
    const port = await freePort();
    // A Steam Web API simulator with faults, for a slice of mirroring through the same workers.
    sim = await startSteamSim({
      world: { seed: 'cluster', players: 40, matches: 300 },
      faults: { '429': 0.03, '500': 0.03, timeout: 0.01, malformed: 0.02 },
      rateLimit: 20,
      requireKey: STEAM_KEY,
      timeoutHoldMs: 2000,
    });
    world = groundTruth(sim.world!);
    env = {
      ...process.env,
      TEMPORAL_ADDRESS: cluster.address,
      GAMELAKE_DATA_DIR: dataDir,
      GAMELAKE_TASK_QUEUE: 'gamelake-cluster',
      GAMELAKE_WRITE_KEYS: '',
      STEAM_API_KEY: STEAM_KEY,
      STEAM_API_BASE_URL: sim.url,
      STEAM_RATE_PER_SEC: '20',
    };
    const startWorker = () => spawn(process.execPath, [GAMELAKE, 'worker'], { env, stdio: 'ignore' });
    for (let i = 0; i < 3; i++) workers.push(startWorker());
    collector = spawn(process.execPath, [GAMELAKE, 'collect', '--port', String(port), '--segment-seconds', '1'], { env, stdio: 'ignore' });

    const files = truth.batches.map((b) => path.join(simDir, b.file));
    // Three batches as files, at once; meanwhile a worker is killed and the server restarted.
    const ingests = files.slice(0, 3).map((f) => run(['ingest', f, '--wait'], env));
    // Once their workflows exist (a CLI still starting when the server goes would find no server to submit to).
    const connection = await Connection.connect({ address: cluster.address });
    try {
      const client = new Client({ connection });
      const ids = await Promise.all(files.slice(0, 3).map(async (f) => ingestWorkflowId(batchIdOf(await hashFile(f)))));
      for (const id of ids) {
        for (let tries = 0; ; tries++) {
          const found = await client.workflow
            .getHandle(id)
            .describe()
            .then(
              () => true,
              () => false,
            );
          if (found) break;
          if (tries > 600) throw new Error(`${id} was never started`);
          await sleep(100);
        }
      }
    } finally {
      await connection.close();
    }
    await sleep(1500);
    workers[0]!.kill('SIGKILL');
    await exited(workers[0]!);
    events.push('worker 1 killed');
    await sleep(1000);
    await cluster.restartServer();
    events.push('temporal-server restarted');
    // The fourth batch's lines through the collector, in requests of 200.
    const all = readFileSync(files[3]!, 'utf8').split('\n');
    all.pop();
    // The collector skips blank lines (a batch file quarantines them as empty_line).
    const lines = all.filter((l) => !/^[ \t\r]*$/.test(l));
    blankSent = all.length - lines.length;
    for (let i = 0; i < lines.length; i += 200) {
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/v1/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-ndjson' },
            body: `${lines.slice(i, i + 200).join('\n')}\n`,
          });
          if (r.status === 202) break;
        } catch {
          // not listening yet
        }
        if (attempt > 100) throw new Error('the collector did not take the requests');
        await sleep(100);
      }
    }
    const results = await Promise.all(ingests);
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    // Everything sent has landed: the collector's segments too.
    const want = truth.batches.reduce((n, b) => n + b.lines, 0) - blankSent;
    for (const deadline = Date.now() + 180_000; manifestsOf(dataLayout(dataDir).lake).reduce((n, m) => n + m.linesIn, 0) < want; ) {
      if (Date.now() > deadline) throw new Error('the collector did not ship its spool');
      await sleep(500);
    }
    // Steam: a page of the sequence feed, two tracked players on Schedules, a convergence sweep.
    tracked = world.players
      .filter((p) => !p.private)
      .slice(0, 2)
      .map((p) => p.account_id);
    for (const args of [
      ['steam', 'scan', '--from-seq', '0', '--pages', '1', '--wait'],
      ['steam', 'track', ...tracked.map(String)],
      ['steam', 'sweep', '--wait'],
    ]) {
      const r = await run(args, env);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    // The tracked players' Schedules ran once at creation; their sweeps (and the one asked for) settle.
    await sleep(3000);
    const again = await run(['steam', 'sweep', '--wait'], env);
    expect(again.status, again.stderr).toBe(0);
    const built = await run(['marts', 'build', '--wait'], env);
    expect(built.status, built.stderr).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await sim?.close();
    collector?.kill('SIGTERM');
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM');
    await Promise.all([...workers, ...(collector ? [collector] : [])].map(exited));
    await cluster?.stop();
  }, 120_000);

  it('runs on PostgreSQL: persistence and visibility, with gamelake search attributes', () => {
    const describe = spawnSync(TEMPORAL, ['operator', 'cluster', 'describe', '--address', cluster.address, '--output', 'json'], { encoding: 'utf8' });
    expect(describe.status, describe.stderr).toBe(0);
    expect(JSON.parse(describe.stdout)).toMatchObject({ persistenceStore: 'postgres12', visibilityStore: 'postgres12' });
    const list = spawnSync(
      TEMPORAL,
      ['workflow', 'list', '--address', cluster.address, '--query', "GamelakeJob = 'ingest-batch' AND GamelakeOutcome = 'committed'", '--output', 'json'],
      { encoding: 'utf8' },
    );
    expect(list.status, list.stderr).toBe(0);
    const committed = (JSON.parse(list.stdout || '[]') as unknown[]).length;
    expect(committed).toBe(manifestsOf(dataLayout(dataDir).lake).length);
    expect(events).toEqual(['worker 1 killed', 'temporal-server restarted']);
    // Every workflow completed: none failed, timed out or was terminated (the kill and the restart included).
    const broken = spawnSync(
      TEMPORAL,
      [
        'workflow',
        'list',
        '--address',
        cluster.address,
        '--query',
        "ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Terminated'",
        '--output',
        'json',
      ],
      { encoding: 'utf8' },
    );
    expect(broken.status, broken.stderr).toBe(0);
    expect(JSON.parse(broken.stdout || '[]')).toEqual([]);
    const all = spawnSync(TEMPORAL, ['workflow', 'list', '--address', cluster.address, '--output', 'json'], { encoding: 'utf8' });
    expect((JSON.parse(all.stdout || '[]') as unknown[]).length).toBeGreaterThan(10);
  });

  it('keeps the Schedules the workers created in the server', () => {
    const list = spawnSync(TEMPORAL, ['schedule', 'list', '--address', cluster.address, '--output', 'json'], { encoding: 'utf8' });
    expect(list.status, list.stderr).toBe(0);
    const ids = (JSON.parse(list.stdout || '[]') as Array<{ scheduleId: string }>).map((s) => s.scheduleId);
    expect(ids).toEqual(expect.arrayContaining([MARTS_SCHEDULE_ID, COMPACT_SCHEDULE_ID, ...tracked.map((id) => `${STEAM_PLAYER_SCHEDULE_PREFIX}${id}`)]));
  });

  it('holds exactly the events of an in-process ingest of the same batches, and the same marts', async () => {
    const layout = dataLayout(dataDir);
    const manifests = manifestsOf(layout.lake);
    const sum = (k: 'accepted' | 'quarantined' | 'duplicates' | 'linesIn') => manifests.reduce((n, m) => n + m[k], 0);
    const good = truth.batches.reduce((n, b) => n + b.good, 0);
    expect(sum('linesIn')).toBe(truth.batches.reduce((n, b) => n + b.lines, 0) - blankSent);
    expect(sum('accepted')).toBe(good);
    expect(sum('duplicates')).toBe(truth.batches.reduce((n, b) => n + b.duplicates, 0));
    const rejected: Record<string, number> = {};
    for (const m of manifests) for (const [reason, n] of Object.entries(m.rejectedByReason)) rejected[reason] = (rejected[reason] ?? 0) + n;
    const want: Record<string, number> = {};
    for (const b of truth.batches) for (const [reason, n] of Object.entries(b.rejected)) want[reason] = (want[reason] ?? 0) + n;
    if (blankSent > 0) want.empty_line! -= blankSent;
    if (want.empty_line === 0) delete want.empty_line;
    expect(rejected).toEqual(want);
    // The reference: the same four files staged and committed in this process, no Temporal at all.
    const ref = mkdtempSync(path.join(os.tmpdir(), 'gamelake-cluster-ref-'));
    const registry = loadContracts();
    for (const b of truth.batches) {
      const file = path.join(simDir, b.file);
      const sha256 = await hashFile(file);
      const input = { file, sha256, batchId: batchIdOf(sha256) };
      await stageBatch(input, { workDir: path.join(ref, 'work'), lakeDir: path.join(ref, 'lake'), registry });
      await commitBatch(input, { workDir: path.join(ref, 'work'), lakeDir: path.join(ref, 'lake'), registry });
    }
    expect(await eventContent(layout.lake)).toEqual(await eventContent(path.join(ref, 'lake')));
    await buildWarehouse({ lakeDir: path.join(ref, 'lake'), warehousePath: path.join(ref, 'warehouse.duckdb'), registry });
    const marts = async (warehouse: string) => {
      const db = await openDb({ path: warehouse, readOnly: true });
      try {
        const out: Record<string, string> = {};
        for (const t of ['mart_leaderboard', 'mart_trade_anomalies', 'mart_player_stats', 'mart_wealth_distribution']) {
          const [row] = await db.rows<{ n: bigint; h: string }>(`SELECT count(*) AS n, md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR))) AS h FROM ${t} t`);
          out[t] = `${row!.n}:${row!.h}`;
        }
        return out;
      } finally {
        db.close();
      }
    };
    expect(await marts(layout.warehouse)).toEqual(await marts(path.join(ref, 'warehouse.duckdb')));
  });

  it('mirrors the Steam slice exactly as the simulated world has it, with no stub left', async () => {
    const db = await openDb({ path: dataLayout(dataDir).warehouse, readOnly: true });
    try {
      const rows = await db.rows<{ match_id: bigint; match_seq_num: bigint; radiant_win: boolean }>(
        'SELECT match_id, match_seq_num, radiant_win FROM mart_dota_matches ORDER BY match_seq_num',
      );
      const mirrored = new Set(rows.map((r) => Number(r.match_id)));
      // The scanned page (the first 100 of the feed) and every match of the tracked players' histories.
      const reached = world.matches.filter((m, k) => k < 100 || m.players.some((p) => p.account_id !== null && tracked.includes(p.account_id)));
      for (const m of reached) expect(mirrored.has(m.match_id), `match ${m.match_id}`).toBe(true);
      // Everything mirrored is as the world has it.
      const byId = new Map(world.matches.map((m) => [m.match_id, m]));
      for (const r of rows) {
        const m = byId.get(Number(r.match_id))!;
        expect([Number(r.match_seq_num), r.radiant_win]).toEqual([m.match_seq_num, m.radiant_win]);
      }
      const stubs = await db.rows<{ entity: string; total: bigint; stubs: bigint }>('SELECT entity, total, stubs FROM mart_steam_convergence');
      expect(stubs.length).toBeGreaterThan(0);
      for (const r of stubs) expect(Number(r.stubs), r.entity).toBe(0);
      // The UI's metrics say the same.
      const ui = await serveUi(
        {
          warehousePath: dataLayout(dataDir).warehouse,
          lakeDir: dataLayout(dataDir).lake,
          temporalUiUrl: 'http://localhost:8233',
          namespace: 'default',
          taskQueue: 'gamelake-cluster',
          registry: loadContracts(),
          scoring: defaultScoring,
        },
        { port: 0 },
      );
      try {
        const text = await (await fetch(`${ui.url}/metrics`)).text();
        for (const r of stubs) {
          expect(text).toContain(`gamelake_steam_entities{entity="${r.entity}",state="complete"} ${Number(r.total)}`);
          expect(text).toContain(`gamelake_steam_entities{entity="${r.entity}",state="stub"} 0`);
        }
      } finally {
        await ui.close();
      }
    } finally {
      db.close();
    }
  });
});
