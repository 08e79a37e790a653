// npm run bench:steam [-- --players N --matches N --tracked N --rate R]
// Steam mirroring against the simulator, measured in one run:
//  1. rate limit off: matches mirrored per second and API calls per mirrored match, gamelake (history pages,
//     then a convergence sweep that fills matches from the sequence feed) versus the seed's naive approach
//     (one GetMatchDetails per match id from the same player histories, retried until it answers);
//  2. rate limit on (--rate, default 5/s): share of the rate budget used and 429s caused by gamelake itself.
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createSteamClient } from '../activities/steam/index.ts';
import { writeSteamRows } from '../lake/index.ts';
import { dataLayout } from '../platform/env.ts';
import { startSteamSweep } from '../platform/jobs.ts';
import { createGamelakeWorker } from '../platform/worker.ts';
import { startSteamSim, type SteamSimStats } from '../sim/steam/index.ts';
import { parseMatchDetails, parseMatchHistory } from '../transforms/steam/index.ts';
import { openSteamState } from '../activities/steam/plan.ts';
import { steamPlayerWorkflow } from '../workflows/index.ts';
import { startBenchTemporal } from './temporal.ts';

const { values } = parseArgs({ options: { players: { type: 'string', default: '300' }, matches: { type: 'string' , default: '3000' }, tracked: { type: 'string', default: '8' }, rate: { type: 'string', default: '5' } } });
const world = { seed: 'bench', players: Number(values.players), matches: Number(values.matches) };
const trackedCount = Number(values.tracked);
const rate = Number(values.rate);
const dir = path.join(os.tmpdir(), 'gamelake-bench-steam');
const log = (line: string) => process.stderr.write(`${line}\n`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const { server, connection, client } = await startBenchTemporal(dir, log);

async function mirroredMatches(lakeDir: string): Promise<number> {
  const db = await openSteamState(lakeDir);
  try {
    const [row] = await db.rows<{ n: bigint }>("SELECT count(*) AS n FROM stg_steam_entities WHERE entity = 'match' AND state = 'complete'");
    return Number(row!.n);
  } finally {
    db.close();
  }
}

interface Run { label: string; ms: number; matches: number; calls: number; stats: SteamSimStats }

/** gamelake: each tracked player's history workflow, then the convergence sweep; returns when the mirror is complete. */
async function gamelake(label: string, ratePerSec: number, simRateLimit?: number): Promise<Run> {
  const sim = await startSteamSim({ world, rateLimit: simRateLimit });
  const players = sim.world!.players.filter((p) => !p.private).slice(0, trackedCount).map((p) => p.accountId);
  const dataDir = path.join(dir, label);
  const taskQueue = `bench-${label}`;
  const { worker, close } = await createGamelakeWorker({
    address: server.address, namespace: 'default', taskQueue, deps: { layout: dataLayout(dataDir) },
    steam: { apiKey: 'bench', baseUrl: sim.url, leagueBaseUrl: sim.url, ratePerSec, timeoutMs: 10_000 },
  });
  log(`gamelake (${label}): ${players.length} tracked players, then a convergence sweep`);
  const t0 = Date.now();
  await worker.runUntil(async () => {
    await Promise.all(players.map((accountId) => client.workflow.execute(steamPlayerWorkflow, { taskQueue, workflowId: `${taskQueue}-p${accountId}`, args: [{ accountId }] })));
    // The players asked for a sweep; this waits for it (and asks it for one more pass that finds nothing).
    await (await startSteamSweep(client, taskQueue)).result();
  });
  const ms = Date.now() - t0;
  await close();
  const stats = sim.stats();
  await sim.close();
  return { label, ms, matches: await mirroredMatches(dataLayout(dataDir).lake), calls: stats.calls, stats };
}

/** The seed's approach: page each player's history, then one GetMatchDetails per match id, retried (up to 20 times) until it answers. */
async function naive(): Promise<Run> {
  const sim = await startSteamSim({ world });
  const players = sim.world!.players.filter((p) => !p.private).slice(0, trackedCount).map((p) => p.accountId);
  const steam = createSteamClient({ baseUrl: sim.url, leagueBaseUrl: sim.url, apiKey: 'bench', timeoutMs: 10_000 });
  const lakeDir = path.join(dir, 'naive', 'lake');
  log(`naive: ${players.length} players' histories, then GetMatchDetails per match id (4 in flight)`);
  const t0 = Date.now();
  const ids = new Set<number>();
  for (const accountId of players) {
    let start: number | undefined;
    for (;;) {
      const page = parseMatchHistory((await steam.get('GetMatchHistory', { account_id: accountId, matches_requested: 100, ...(start ? { start_at_match_id: start } : {}) })).json, accountId, Date.now());
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
  return { label: 'naive', ms, matches: mirrored, calls: stats.calls, stats };
}

const free = await gamelake('unlimited', 0);
const seed = await naive();
const limited = await gamelake(`rate-${rate}`, rate, rate);

const rows = [free, seed].map((r) => ({ run: r.label === 'naive' ? 'naive GetMatchDetails per match id' : 'gamelake (no rate limit)', seconds: (r.ms / 1000).toFixed(1), matches: r.matches, calls: r.calls, matchesPerSec: (r.matches / (r.ms / 1000)).toFixed(1), callsPerMatch: (r.calls / Math.max(r.matches, 1)).toFixed(3) }));
process.stdout.write('\nrate limit off\n');
process.stdout.write(`${'run'.padEnd(36)} ${'seconds'.padStart(8)} ${'matches'.padStart(8)} ${'calls'.padStart(7)} ${'matches/s'.padStart(10)} ${'calls/match'.padStart(12)}\n`);
for (const r of rows) process.stdout.write(`${r.run.padEnd(36)} ${r.seconds.padStart(8)} ${String(r.matches).padStart(8)} ${String(r.calls).padStart(7)} ${r.matchesPerSec.padStart(10)} ${r.callsPerMatch.padStart(12)}\n`);
const speedup = (free.matches / free.ms) / (seed.matches / seed.ms);
const callRatio = (seed.calls / Math.max(seed.matches, 1)) / (free.calls / Math.max(free.matches, 1));
process.stdout.write(`gamelake vs naive: ${speedup.toFixed(1)}x matches per second, ${callRatio.toFixed(1)}x fewer calls per mirrored match; naive mirrored ${seed.matches} of the ${free.matches} matches gamelake did\n`);

const span = ((limited.stats.lastCallAt ?? 0) - (limited.stats.firstCallAt ?? 0)) / 1000;
const budget = (limited.calls - 1) / (span * rate);
process.stdout.write(`\nrate limit on (STEAM_RATE_PER_SEC=${rate}; the simulator refuses calls above ${rate}/s, burst ${rate})\n`);
process.stdout.write(`calls ${limited.calls} over ${span.toFixed(1)} s between the first and the last call: ${(budget * 100).toFixed(1)}% of the rate budget used (target >= 90%)\n`);
process.stdout.write(`429s caused by gamelake (calls above the limit): ${limited.stats.rateLimitViolations} (target 0); most calls in any one-second window: ${limited.stats.maxCallsPerSecond}\n`);
process.stdout.write(`matches mirrored: ${limited.matches} in ${(limited.ms / 1000).toFixed(1)} s\n`);

await connection.close();
await server.stop();
