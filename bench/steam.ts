// npm run bench:steam [-- --players N --matches N --tracked N]
// Steam mirroring against the simulator, measured in one run:
//  1. rate limit off: matches mirrored per second and API calls per mirrored match, gamelake (history pages,
//     then a convergence sweep that fills matches from the sequence feed) versus the seed's naive approach
//     (one GetMatchDetails per match id from the same player histories, retried until it answers);
//  2. rate limit on, against a simulator that refuses calls above the limit (burst = the rate): at 5/s and
//     at 1/s with one key, and with 3 keys at 5/s each: share of the rate budget used, calls above the limit;
//  3. the rescan: the simulator's feed shows 1% of matches late; a scan of the whole feed, then the lagging
//     rescan once they show: matches recovered out of those hidden.
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createSteamClient } from '../activities/steam/index.ts';
import { writeSteamRows } from '../lake/index.ts';
import { dataLayout } from '../platform/env.ts';
import { startSteamScan, startSteamSweep } from '../platform/client/jobs.ts';
import { createGamelakeWorker } from '../platform/worker/worker.ts';
import { startSteamSim, type SteamSimStats } from '../sim/steam/index.ts';
import { parseMatchDetails, parseMatchHistory } from '../transforms/steam/index.ts';
import { openSteamState } from '../activities/steam/plan.ts';
import { steamPlayerWorkflow } from '../workflows/index.ts';
import { startBenchTemporal } from './temporal.ts';

const { values } = parseArgs({ options: { players: { type: 'string', default: '300' }, matches: { type: 'string', default: '3000' }, tracked: { type: 'string', default: '8' } } });
const world = { seed: 'bench', players: Number(values.players), matches: Number(values.matches) };
const trackedCount = Number(values.tracked);
const dir = path.join(os.tmpdir(), 'gamelake-bench-steam');
const log = (line: string) => process.stderr.write(`${line}\n`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const { server, connection, client } = await startBenchTemporal(dir, log);

async function mirroredMatches(lakeDir: string): Promise<number> {
  const db = await openSteamState(lakeDir);
  try {
    const [row] = await db.rows<{ n: bigint }>("SELECT count(*) AS n FROM steam_entities WHERE entity = 'match' AND state = 'complete'");
    return Number(row!.n);
  } finally {
    db.close();
  }
}

interface Run {
  label: string;
  ms: number;
  matches: number;
  calls: number;
  stats: SteamSimStats;
  rate: number;
  keys: number;
  /** Budget used until the last tracked player's history was read (many calls queued), and in the sweep's tail after it. */
  phases?: { historiesUsed: number; historiesSeconds: number; tailUsed: number; tailSeconds: number };
}

/** gamelake: tracked players' history workflows, then the convergence sweep; returns when the mirror is complete. */
async function gamelake(label: string, options: { rate: number; keys?: number; tracked?: number }): Promise<Run> {
  const keys = Array.from({ length: options.keys ?? 1 }, (_, i) => `bench-key-${i + 1}`);
  const sim = await startSteamSim({ world, rateLimit: options.rate || undefined, keys });
  const players = sim
    .world!.players.filter((p) => !p.private)
    .slice(0, options.tracked ?? trackedCount)
    .map((p) => p.accountId);
  const dataDir = path.join(dir, label);
  const taskQueue = `bench-${label}`;
  const { worker, close } = await createGamelakeWorker({
    address: server.address,
    namespace: 'default',
    taskQueue,
    deps: { layout: dataLayout(dataDir) },
    steam: { apiKey: undefined, apiKeys: keys, baseUrl: sim.url, leagueBaseUrl: sim.url, ratePerSec: options.rate, timeoutMs: 10_000 },
  });
  log(
    `gamelake (${label}): ${players.length} tracked players, then a convergence sweep${options.rate ? ` at ${options.rate}/s per key, ${keys.length} key${keys.length > 1 ? 's' : ''}` : ''}`,
  );
  const t0 = Date.now();
  let playersDoneAt = 0;
  await worker.runUntil(async () => {
    await Promise.all(players.map((accountId) => client.workflow.execute(steamPlayerWorkflow, { taskQueue, workflowId: `${taskQueue}-p${accountId}`, args: [{ accountId }] })));
    playersDoneAt = Date.now();
    // The players asked for a sweep; this waits for it (and asks it for one more pass that finds nothing).
    await (await startSteamSweep(client, taskQueue)).result();
  });
  const ms = Date.now() - t0;
  await close();
  const stats = sim.stats();
  const calls = sim.callLog().map((c) => c.at);
  await sim.close();
  const budget = (options.rate || 1) * keys.length;
  const used = (n: number, from: number, to: number) => (to > from ? n / (((to - from) / 1000) * budget) : 0);
  const first = calls[0] ?? t0;
  const last = calls.at(-1) ?? t0;
  const before = calls.filter((t) => t <= playersDoneAt).length;
  const phases = {
    historiesUsed: used(before - 1, first, playersDoneAt),
    historiesSeconds: (playersDoneAt - first) / 1000,
    tailUsed: used(calls.length - before, playersDoneAt, last),
    tailSeconds: (last - playersDoneAt) / 1000,
  };
  return { label, ms, matches: await mirroredMatches(dataLayout(dataDir).lake), calls: stats.calls, stats, rate: options.rate, keys: keys.length, phases };
}

/** The seed's approach: page each player's history, then one GetMatchDetails per match id, retried (up to 20 times) until it answers. */
async function naive(): Promise<Run> {
  const sim = await startSteamSim({ world });
  const players = sim
    .world!.players.filter((p) => !p.private)
    .slice(0, trackedCount)
    .map((p) => p.accountId);
  const steam = createSteamClient({ baseUrl: sim.url, leagueBaseUrl: sim.url, apiKey: 'bench', timeoutMs: 10_000 });
  const lakeDir = path.join(dir, 'naive', 'lake');
  log(`naive: ${players.length} players' histories, then GetMatchDetails per match id (4 in flight)`);
  const t0 = Date.now();
  const ids = new Set<number>();
  for (const accountId of players) {
    let start: number | undefined;
    for (;;) {
      const page = parseMatchHistory(
        (await steam.get('GetMatchHistory', { account_id: accountId, matches_requested: 100, ...(start ? { start_at_match_id: start } : {}) })).json,
        accountId,
        Date.now(),
      );
      if (page.kind !== 'ok') break;
      for (const id of page.matchIds) ids.add(id);
      if (page.resultsRemaining === 0 || page.lastMatchId === null) break;
      start = page.lastMatchId - 1;
    }
  }
  const queue = [...ids];
  let mirrored = 0;
  const lane = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          const d = parseMatchDetails((await steam.get('GetMatchDetails', { match_id: id })).json, Date.now());
          if (d.kind === 'ok') {
            await writeSteamRows(lakeDir, `GetMatchDetails_${id}`, d.rows);
            mirrored += 1;
          }
          if (d.kind !== 'unavailable') break;
        } catch {
          // 500: try again
        }
      }
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  const ms = Date.now() - t0;
  await steam.close();
  const stats = sim.stats();
  await sim.close();
  return { label: 'naive', ms, matches: mirrored, calls: stats.calls, stats, rate: 0, keys: 1 };
}

/** A scan of the whole feed while 1% of matches are hidden from it, then the rescan once they show. */
async function rescan(): Promise<{ hidden: number; lateInRange: number; recovered: number; scanned: number; seconds: number }> {
  const sim = await startSteamSim({ world, lateShare: 0.01 });
  const late = new Set(sim.lateMatches());
  const dataDir = path.join(dir, 'rescan');
  const taskQueue = 'bench-rescan';
  const { worker, close } = await createGamelakeWorker({
    address: server.address,
    namespace: 'default',
    taskQueue,
    deps: { layout: dataLayout(dataDir) },
    steam: { apiKey: 'bench', baseUrl: sim.url, leagueBaseUrl: sim.url, ratePerSec: 0, timeoutMs: 10_000 },
  });
  log(`rescan: a scan of the feed (${world.matches} matches, ${late.size} shown late), then the rescan`);
  const t0 = Date.now();
  const result = await worker.runUntil(async () => {
    const scan = await (await startSteamScan(client, taskQueue, { fromSeq: 0, pages: Math.ceil(world.matches / 100) + 1 })).result();
    sim.revealLate();
    const re = await (await startSteamScan(client, taskQueue, { fromSeq: 0, behind: 0, pages: Math.ceil(world.matches / 100) + 1 })).result();
    return { scan, re };
  });
  const seconds = (Date.now() - t0) / 1000;
  await close();
  const stats = sim.stats();
  const lateInRange = sim.world!.matches().filter((m) => m.match_seq_num < result.scan.nextSeq && late.has(m.match_id)).length;
  await sim.close();
  return { hidden: stats.lateHidden, lateInRange, recovered: result.re.recovered, scanned: result.scan.matchesDone, seconds };
}

const free = await gamelake('unlimited', { rate: 0 });
const seed = await naive();
// Budget runs: enough tracked players that the calls, not the start and the end, fill the span.
const limited = [
  await gamelake('rate-5', { rate: 5, tracked: 30 }),
  await gamelake('rate-1', { rate: 1, tracked: 8 }),
  await gamelake('rate-5-keys-3', { rate: 5, keys: 3, tracked: 90 }),
];
const late = await rescan();

const rows = [free, seed].map((r) => ({
  run: r.label === 'naive' ? 'naive GetMatchDetails per match id' : 'gamelake (no rate limit)',
  seconds: (r.ms / 1000).toFixed(1),
  matches: r.matches,
  calls: r.calls,
  matchesPerSec: (r.matches / (r.ms / 1000)).toFixed(1),
  callsPerMatch: (r.calls / Math.max(r.matches, 1)).toFixed(3),
}));
process.stdout.write('\nrate limit off\n');
process.stdout.write(`${'run'.padEnd(36)} ${'seconds'.padStart(8)} ${'matches'.padStart(8)} ${'calls'.padStart(7)} ${'matches/s'.padStart(10)} ${'calls/match'.padStart(12)}\n`);
for (const r of rows)
  process.stdout.write(
    `${r.run.padEnd(36)} ${r.seconds.padStart(8)} ${String(r.matches).padStart(8)} ${String(r.calls).padStart(7)} ${r.matchesPerSec.padStart(10)} ${r.callsPerMatch.padStart(12)}\n`,
  );
const speedup = free.matches / free.ms / (seed.matches / seed.ms);
const callRatio = seed.calls / Math.max(seed.matches, 1) / (free.calls / Math.max(free.matches, 1));
process.stdout.write(
  `gamelake vs naive: ${speedup.toFixed(1)}x matches per second, ${callRatio.toFixed(1)}x fewer calls per mirrored match (target <= 0.03 calls per match: ${free.calls / Math.max(free.matches, 1) <= 0.03 ? 'met' : 'MISSED'}); naive mirrored ${seed.matches} of the ${free.matches} matches gamelake did\n`,
);

process.stdout.write('\nrate limit on (the simulator refuses calls above the limit of each key, burst = the rate)\n');
process.stdout.write(
  `${'run'.padEnd(22)} ${'budget/s'.padStart(8)} ${'calls'.padStart(6)} ${'span s'.padStart(7)} ${'used'.padStart(7)} ${'above limit'.padStart(12)} ${'max/s/key'.padStart(10)} ${'matches'.padStart(8)} ${'calls/match'.padStart(12)} ${'target'.padStart(22)}  longest pauses (ms)\n`,
);
for (const r of limited) {
  const span = ((r.stats.lastCallAt ?? 0) - (r.stats.firstCallAt ?? 0)) / 1000;
  const budget = r.rate * r.keys;
  const used = (r.calls - 1) / (span * budget);
  const maxPerKey = Math.max(...Object.values(r.stats.byKey).map((k) => k.maxCallsPerSecond));
  process.stdout.write(
    `${`${r.keys} key${r.keys > 1 ? 's' : ''} at ${r.rate}/s`.padEnd(22)} ${String(budget).padStart(8)} ${String(r.calls).padStart(6)} ${span.toFixed(1).padStart(7)} ${`${(used * 100).toFixed(1)}%`.padStart(7)} ${String(r.stats.rateLimitViolations).padStart(12)} ${String(maxPerKey).padStart(10)} ${String(r.matches).padStart(8)} ${(r.calls / Math.max(r.matches, 1)).toFixed(3).padStart(12)} ${`>= 95%, 0 above: ${used >= 0.95 && r.stats.rateLimitViolations === 0 ? 'met' : 'MISSED'}`.padStart(22)}  ${r.stats.longestGaps.join(', ')}\n`,
  );
}
process.stdout.write('targets: >= 95% of the budget used, 0 calls above the limit\n');
process.stdout.write("where the budget went: while tracked players' histories were read (calls queued), and in the sweep's tail after the last history\n");
for (const r of limited) {
  const p = r.phases!;
  process.stdout.write(
    `  ${`${r.keys} key${r.keys > 1 ? 's' : ''} at ${r.rate}/s`.padEnd(20)} histories ${(p.historiesUsed * 100).toFixed(1)}% over ${p.historiesSeconds.toFixed(1)} s; tail ${(p.tailUsed * 100).toFixed(1)}% over ${p.tailSeconds.toFixed(1)} s\n`,
  );
}

process.stdout.write(
  `\nrescan: the feed hid ${late.lateInRange} of the ${late.scanned + late.lateInRange} matches the scan covered (1% shown late, ${late.hidden} omissions from pages); the rescan recovered ${late.recovered} of ${late.lateInRange} (${late.seconds.toFixed(1)} s for both scans)\n`,
);

await connection.close();
await server.stop();
