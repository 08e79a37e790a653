import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataLayout } from '../../platform/env.ts';
import { groundTruth, startSteamSim, type GroundTruth, type SteamSim } from '../../sim/steam/index.ts';
import { loadContracts } from '../../lake/contracts.ts';
import { openDb } from '../../lake/duckdb.ts';
import { buildWarehouse } from '../../warehouse/build.ts';
import { bindParams, loadQuery, runSql } from '../../warehouse/queries.ts';
import { freePort } from '../../platform/server/dev-server.ts';
import { runCli, tempDataDir, uniqueTaskQueue, useTestClient, filesText, historiesText } from './helpers.ts';

const GAMELAKE = new URL('../../bin/gamelake.js', import.meta.url).pathname;
// Key values chosen to be unmistakable: none of them may appear in any history, log or file.
const KEYS = ['GLKEY1-3f9a2c71d05e', 'GLKEY2-b84e1f6a29c3', 'GLKEY3-07d5c3e9b1aa'];
const RATE = 5;

/** Linear interpolation between closest ranks (DuckDB's quantile_cont, numpy's default). */
function percentile(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]!) - sorted[lo]!);
}

describe('Steam mirror: several keys, the lagging rescan, steam match and refresh, hero benchmarks', { timeout: 480_000 }, () => {
  const holder = useTestClient();
  const dataDir = tempDataDir('gamelake-steam-ops-');
  const layout = dataLayout(dataDir);
  const taskQueue = uniqueTaskQueue('steam-ops');
  let sim: SteamSim;
  let truth: GroundTruth;
  let env: Record<string, string>;
  const workers: ChildProcess[] = [];
  let logs = '';
  let revokedAtCalls = -1;
  const out: Record<string, { status: number | null; stdout: string; stderr: string }> = {};
  let late: Set<number>;
  let scanEnd = 0;
  let target: GroundTruth['matches'][number];
  let bogus = 0;
  let refreshed = 0;
  const metricsPorts: number[] = [];
  const steamCalls: string[] = [];
  let steamBudget: string[] = [];

  beforeAll(async () => {
    sim = await startSteamSim({
      world: { seed: 'ops', players: 40, matches: 400 },
      faults: { '429': 0.04, '500': 0.05, '503': 0.03, timeout: 0.02, malformed: 0.03, empty: 0.02 },
      rateLimit: RATE,
      keys: KEYS,
      timeoutHoldMs: 2000,
      lateShare: 0.03,
    });
    truth = groundTruth(sim.world!);
    late = new Set(sim.lateMatches());
    env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      GAMELAKE_DATA_DIR: dataDir,
      GAMELAKE_TASK_QUEUE: taskQueue,
      STEAM_API_KEYS: KEYS.join(','),
      STEAM_API_BASE_URL: sim.url,
      STEAM_RATE_PER_SEC: String(RATE),
    };
    // Two workers: the keys' budgets hold across all of them.
    for (let i = 0; i < 2; i++) {
      metricsPorts.push(await freePort());
      const child = spawn(process.execPath, [GAMELAKE, 'worker'], {
        env: { ...process.env, ...env, GAMELAKE_METRICS_PORT: String(metricsPorts[i]) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d) => (logs += d));
      child.stderr!.on('data', (d) => (logs += d));
      workers.push(child);
    }
    // Key 2 is revoked once it has been used, while the scan and the sweep it asks for run.
    const watch = setInterval(() => {
      const used = sim.stats().byKey['2']?.calls ?? 0;
      if (revokedAtCalls < 0 && used >= 1) {
        sim.revokeKey(KEYS[1]!);
        revokedAtCalls = used;
      }
    }, 5);
    try {
      out.scan = await runCli(['steam', 'scan', '--from-seq', '0', '--pages', '3', '--wait'], env);
      out.sweep = await runCli(['steam', 'sweep', '--wait'], env);
    } finally {
      clearInterval(watch);
    }
    scanEnd = Number(/next match_seq_num (\d+)/.exec(out.scan!.stdout)?.[1] ?? Number.NaN);
    // The feed now shows the late matches; the rescan reads behind the scan and takes only those.
    sim.revealLate();
    out.rescan = await runCli(['steam', 'scan', '--behind', '0', '--from-seq', '0', '--pages', '10', '--wait'], env);
    out.status = await runCli(['steam', 'scan', '--status'], env);
    // A match beyond the scan, known by its id only; and an id that does not exist.
    target = truth.matches.find((m) => m.match_seq_num >= scanEnd + 40 && !late.has(m.match_id) && m.lobby_type !== 1)!;
    bogus = truth.matches.at(-1)!.match_id + 3;
    out.match = await runCli(['steam', 'match', String(target.match_id), String(bogus), '--max-seqs', '500'], env);
    // A player none of the above read the history of.
    refreshed = truth.players.find((p) => !p.private && truth.matches.filter((m) => m.players.some((x) => x.account_id === p.account_id)).length >= 5)!.account_id;
    out.refresh = await runCli(['steam', 'refresh', String(refreshed)], env);
    out.lag = await runCli(['query', 'mirror_lag', '--format', 'json'], env);
    // The workers' Steam call counters, before they stop.
    for (const port of metricsPorts) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      steamCalls.push(...text.split('\n').filter((l) => l.startsWith('gamelake_steam_calls_total{')));
      steamBudget = text.split('\n').filter((l) => l.startsWith('gamelake_steam_budget_calls_per_second{'));
    }
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    await buildWarehouse({ lakeDir: layout.lake, warehousePath: layout.warehouse, registry: loadContracts() });
  }, 600_000);

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await sim?.close();
  });

  it('ran every command successfully (steam match exits 1: one id does not exist)', () => {
    for (const [name, r] of Object.entries(out)) {
      if (name === 'match') continue;
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
    }
    expect(out.match!.status, out.match!.stderr).toBe(1);
  });

  it("counts every Steam call in the workers' metrics, as the simulator received them", () => {
    const stats = sim.stats();
    const byOutcome: Record<string, number> = {};
    const byEndpoint: Record<string, number> = {};
    const byKey: Record<string, number> = {};
    for (const line of steamCalls) {
      const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      const n = Number(line.slice(line.lastIndexOf(' ') + 1));
      byOutcome[labels.outcome!] = (byOutcome[labels.outcome!] ?? 0) + n;
      byEndpoint[labels.endpoint!] = (byEndpoint[labels.endpoint!] ?? 0) + n;
      byKey[labels.key!] = (byKey[labels.key!] ?? 0) + n;
    }
    expect(Object.values(byOutcome).reduce((a, b) => a + b, 0)).toBe(stats.calls);
    expect(byEndpoint).toEqual(stats.byEndpoint);
    // Per key too (the simulator counts the calls a revoked key made, refused with 401, apart from its byKey).
    expect(byKey).toEqual(Object.fromEntries(Object.entries(stats.byKey).map(([k, v]) => [k, v.calls + (k === '2' ? stats.revokedKeyCalls : 0)])));
    expect(steamBudget).toEqual([
      'gamelake_steam_budget_calls_per_second{key="1"} 5',
      'gamelake_steam_budget_calls_per_second{key="2"} 5',
      'gamelake_steam_budget_calls_per_second{key="3"} 5',
    ]);
    expect(byOutcome.rate_limited ?? 0).toBe((stats.faults['429'] ?? 0) + stats.rateLimitViolations);
    expect(byOutcome.ok).toBeGreaterThan(0);
    expect(byOutcome.failed).toBeGreaterThan(0);
  });

  it('takes a refused key out of rotation, never uses it again, and carries on with the others', () => {
    const stats = sim.stats();
    expect(revokedAtCalls).toBeGreaterThan(0);
    // The call that met the 401 taught every worker: none used the key after it (at most one call per
    // worker can have been on its way at that moment).
    expect(stats.revokedKeyCalls).toBeGreaterThanOrEqual(1);
    expect(stats.revokedKeyCalls).toBeLessThanOrEqual(2);
    expect(stats.byKey['2']!.calls - revokedAtCalls).toBeLessThanOrEqual(1);
    // The other keys carried the rest, each within its own budget, across both workers.
    expect(stats.byKey['1']!.calls).toBeGreaterThan(10);
    expect(stats.byKey['3']!.calls).toBeGreaterThan(10);
    for (const k of ['1', '2', '3']) expect(stats.byKey[k]!.rateLimitViolations, `key ${k}`).toBe(0);
    expect(stats.rateLimitViolations).toBe(0);
    expect(stats.callsWithoutKey).toBe(0);
    // Named by position, in the worker log and in the lake's record of refusals.
    expect(logs).toMatch(/Steam key 2 of 3 was refused/);
    const record = JSON.parse(readFileSync(path.join(layout.lake, 'steam', '_keys.json'), 'utf8')) as { revoked: Record<string, { reason: string }> };
    expect(Object.keys(record.revoked)).toEqual(['2']);
    expect(record.revoked['2']!.reason).toMatch(/401/);
  });

  it('the rescan recovers every match the feed showed late, and only those', async () => {
    expect(scanEnd).toBeGreaterThan(truth.matches[250]!.match_seq_num);
    expect(sim.stats().lateHidden).toBeGreaterThan(0);
    const lateInScan = truth.matches.filter((m) => m.match_seq_num < scanEnd && late.has(m.match_id)).map((m) => m.match_id);
    expect(lateInScan.length).toBeGreaterThanOrEqual(3);
    expect(out.rescan!.stdout).toContain(`; ${lateInScan.length} matches recovered that the first scan did not have`);
    const db = await openDb({ path: layout.warehouse, readOnly: true });
    try {
      const ids = (await db.rows<{ id: bigint }>('SELECT match_id AS id FROM mart_dota_matches WHERE match_seq_num < $end ORDER BY match_seq_num', { end: scanEnd })).map((r) =>
        Number(r.id),
      );
      expect(ids).toEqual(truth.matches.filter((m) => m.match_seq_num < scanEnd).map((m) => m.match_id));
    } finally {
      db.close();
    }
    // Both positions, the lag in matches and in time, the recovered count.
    const lines = out.status!.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^scan\\s+position ${scanEnd}\\s+head ${scanEnd - 1}\\s+0 matches behind, newest match read started \\d+ s ago`));
    expect(lines[1]).toMatch(new RegExp(`^rescan\\s+position ${scanEnd}\\s+head ${scanEnd - 1}\\s+0 matches behind.*, ${lateInScan.length} recovered`));
    const lag = out
      .lag!.stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { scan: string; position: number; head: number; matches_behind: number; seconds_behind: number });
    expect(lag.map((r) => r.scan)).toEqual(['rescan', 'scan']);
    const scanRow = lag.find((r) => r.scan === 'scan')!;
    expect([Number(scanRow.position), Number(scanRow.matches_behind)]).toEqual([scanEnd, 0]);
    expect(Number(scanRow.seconds_behind)).toBeGreaterThan(0);
  });

  it('steam match finds a match from its id alone, and says so when one does not exist', async () => {
    const lines = out.match!.stdout.trim().split('\n');
    const near = /found in the feed (\d+) sequence numbers after mirrored match (\d+)$/.exec(lines[0]!);
    expect(lines[0]).toMatch(new RegExp(`^${target.match_id}: search \\(\\d+ Steam calls?\\): match_seq_num ${target.match_seq_num}, found in the feed`));
    const below = truth.matches.find((m) => m.match_id === Number(near?.[2]))!;
    expect(Number(near?.[1])).toBe(target.match_seq_num - below.match_seq_num);
    expect(lines[1]).toMatch(new RegExp(`^${bogus}: not_found \\(\\d+ Steam calls\\): Steam says: Match ID not found`));
    const db = await openDb({ path: layout.warehouse, readOnly: true });
    try {
      const [m] = await db.rows<{ seq: bigint; win: boolean; start: bigint }>(
        'SELECT match_seq_num AS seq, radiant_win AS win, epoch(started_at)::BIGINT AS start FROM mart_dota_matches WHERE match_id = $id',
        { id: target.match_id },
      );
      expect([Number(m!.seq), m!.win, Number(m!.start)]).toEqual([target.match_seq_num, target.radiant_win, target.start_time]);
    } finally {
      db.close();
    }
  });

  it('steam refresh reads a player again, fills every match it references, and prints what changed', async () => {
    const theirs = truth.matches.filter((m) => m.players.some((p) => p.account_id === refreshed));
    expect(out.refresh!.stdout).toMatch(
      new RegExp(`^${refreshed}: \\d+ history pages; matches known 0 -> ${theirs.length} \\(\\+${theirs.length}\\); (summary read again, unchanged|name .* -> "[^"]+")$`, 'm'),
    );
    const q = loadQuery('player_matches');
    const mine = await runSql(layout.warehouse, q.sql, bindParams(q, { account_id: String(refreshed) }));
    expect(mine.rows.map((r) => Number(r.match_id)).sort((a, b) => a - b)).toEqual(theirs.map((m) => m.match_id).sort((a, b) => a - b));
  });

  it('hero_benchmarks equals percentiles computed here from the simulator world', async () => {
    const db = await openDb({ path: layout.warehouse, readOnly: true });
    const mirrored = new Set((await db.rows<{ id: bigint }>('SELECT match_id AS id FROM mart_dota_matches')).map((r) => Number(r.id)));
    db.close();
    const raw = sim.world!.matches().filter((m) => mirrored.has(m.match_id));
    const counts = new Map<number, number>();
    for (const m of raw) for (const p of m.players) counts.set(p.hero_id as number, (counts.get(p.hero_id as number) ?? 0) + 1);
    const hero = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
    const played = raw.flatMap((m) => m.players.filter((p) => p.hero_id === hero).map((p) => ({ p, minutes: (m.duration as number) / 60 })));
    const series = {
      gold_per_min: played.map(({ p }) => p.gold_per_min as number),
      xp_per_min: played.map(({ p }) => p.xp_per_min as number),
      kills_per_min: played.map(({ p, minutes }) => (p.kills as number) / minutes),
      last_hits_per_min: played.map(({ p, minutes }) => (p.last_hits as number) / minutes),
      hero_damage_per_min: played.map(({ p, minutes }) => (p.hero_damage as number) / minutes),
      hero_healing_per_min: played.map(({ p, minutes }) => (p.hero_healing as number) / minutes),
      tower_damage: played.map(({ p }) => p.tower_damage as number),
    };
    const q = loadQuery('hero_benchmarks');
    const result = await runSql(layout.warehouse, q.sql, bindParams(q, { hero_id: String(hero) }));
    expect(result.columns).toEqual([
      'percentile',
      'gold_per_min',
      'xp_per_min',
      'kills_per_min',
      'last_hits_per_min',
      'hero_damage_per_min',
      'hero_healing_per_min',
      'tower_damage',
    ]);
    const ps = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];
    expect(result.rows.map((r) => Number(r.percentile))).toEqual(ps);
    for (const [column, values] of Object.entries(series)) {
      const sorted = [...values].sort((a, b) => a - b);
      result.rows.forEach((row, i) => expect(Number(row[column]), `${column} at ${ps[i]}`).toBeCloseTo(percentile(sorted, ps[i]!), 6));
    }
  });

  it('never lets a key value reach a workflow history, a log, the lake, the warehouse or the Temporal database', async () => {
    const client = holder.client;
    const ids: Array<{ workflowId: string; runId: string }> = [];
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) ids.push({ workflowId: wf.workflowId, runId: wf.runId });
    expect(ids.length).toBeGreaterThanOrEqual(5);
    const histories = await Promise.all(ids.map(({ workflowId, runId }) => client.workflow.getHandle(workflowId, runId).fetchHistory()));
    const text = historiesText(histories);
    // The refusal is handled in the worker (the call goes to the next key), so its message is in the worker
    // log, named by position, and no history holds it; wherever it is, the key's value must not be.
    expect(logs).toContain('Steam key 2 of 3 was refused');
    const places = {
      histories: text,
      'worker logs': logs,
      'command output': Object.values(out)
        .map((r) => r.stdout + r.stderr)
        .join('\n'),
      'data directory': filesText(dataDir),
      'Temporal database': filesText(inject('temporalDir')),
    };
    for (const [where, content] of Object.entries(places)) {
      expect(content.length, where).toBeGreaterThan(100);
      for (const key of KEYS) expect(content.includes(key), `a key value in the ${where}`).toBe(false);
    }
  });
});
