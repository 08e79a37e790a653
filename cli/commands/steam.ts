import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { UsageError } from '../../platform/errors.ts';
import { loadConfig } from '../../platform/env.ts';
import { startSteamSweep } from '../../platform/jobs.ts';
import { STEAM_PLAYER_SCHEDULE_PREFIX, trackedPlayers, trackPlayers, untrackPlayers } from '../../platform/schedules.ts';
import { ANONYMOUS_ACCOUNT_ID, STEAMID64_BASE } from '../../transforms/steam/ids.ts';
import { connectClient, hasWorkers, workflowUrl } from '../../platform/session.ts';
import { scanStatusQuery, steamScanWorkflow, steamScanWorkflowId, steamSweepWorkflowId, steamTaskQueue } from '../../workflows/index.ts';
import { GAMELAKE_JOB } from '../../workflows/search-attributes.ts';
import { defineCommand, intFlag, progress } from '../command.ts';

/** account ids as given: 32-bit Dota ids (a steamid64 is converted). */
function accountIds(positionals: string[]): number[] {
  return positionals.map((raw) => {
    if (!/^\d+$/.test(raw)) throw new UsageError(`"${raw}" is not an account id (a number such as 86745912, or a steamid64)`);
    const n = BigInt(raw);
    const id = n >= STEAMID64_BASE ? n - STEAMID64_BASE : n;
    if (id <= 0n || id >= BigInt(ANONYMOUS_ACCOUNT_ID)) throw new UsageError(`"${raw}" is not a valid account id`);
    return Number(id);
  });
}

async function warnWithoutWorkers(client: Parameters<typeof hasWorkers>[0], taskQueue: string) {
  if (!(await hasWorkers(client, taskQueue))) progress(`warning: no worker is polling task queue "${taskQueue}" (start one with gamelake worker or gamelake dev)`);
  else if (!(await hasWorkers(client, steamTaskQueue(taskQueue)))) progress(`warning: no worker is polling task queue "${steamTaskQueue(taskQueue)}" (Steam calls)`);
}

export const steamTrackCommand = defineCommand({
  path: ['steam', 'track'],
  usage: 'steam track [ACCOUNT_ID...] [--untrack] [--every DURATION]',
  summary: 'Track Dota 2 players: their matches keep streaming into the mirror (one Temporal Schedule each).',
  help: `
Each tracked player gets a Schedule, gamelake-steam-player-<account_id>, which runs at once and then
every --every: it pages the player's match history (GetMatchHistory) and asks for a convergence sweep,
which mirrors every match, player, hero, item, league and team the history mentions. A player who
hides their match data (Steam status 15) is recorded as private and not asked again that run.
Without ACCOUNT_IDs, lists the tracked players.

Options:
  --untrack          delete the players' Schedules (their mirrored data stays)
  --every DURATION   interval of new Schedules, e.g. "10 minutes" (default "30 minutes")

ACCOUNT_ID is the 32-bit Dota id (e.g. 86745912); a steamid64 is accepted and converted.`,
  options: { untrack: { type: 'boolean' }, every: { type: 'string' } },
  positionals: true,
  async run({ values, positionals }) {
    const ids = accountIds(positionals);
    const config = loadConfig();
    const { client, connection } = await connectClient(config);
    try {
      if (ids.length === 0) {
        const tracked = await trackedPlayers(client);
        process.stdout.write(tracked.length ? `${tracked.join('\n')}\n` : '');
        progress(`${tracked.length} tracked player${tracked.length === 1 ? '' : 's'}`);
        return 0;
      }
      if (values.untrack) {
        const { removed, unknown } = await untrackPlayers(client, ids);
        progress(`untracked ${removed.length}${unknown.length ? `; not tracked: ${unknown.join(', ')}` : ''}`);
        return 0;
      }
      const every = (values.every as string | undefined) ?? '30 minutes';
      if (!/^\d+\s*(s|sec|second|seconds|m|min|minute|minutes|h|hour|hours|d|day|days)$/.test(every.trim())) throw new UsageError(`--every "${every}" is not a duration such as "30 minutes"`);
      await warnWithoutWorkers(client, config.taskQueue);
      const { created, existing } = await trackPlayers(client, config.taskQueue, ids, every.trim());
      for (const id of created) progress(`tracking ${id}: ${config.uiUrl}/namespaces/${encodeURIComponent(config.namespace)}/schedules/${STEAM_PLAYER_SCHEDULE_PREFIX}${id}`);
      if (existing.length) progress(`already tracked: ${existing.join(', ')}`);
      return 0;
    } finally {
      await connection.close();
    }
  },
});

export const steamScanCommand = defineCommand({
  path: ['steam', 'scan'],
  usage: 'steam scan [--from-seq N] [--pages K] [--wait] [--status] [--stop]',
  summary: 'Follow the match sequence feed (GetMatchHistoryBySequenceNum, 100 full matches per call).',
  help: `
Starts the steam-scan-<task queue> workflow: it reads the feed page after page from a match_seq_num,
resuming after the highest one mirrored when --from-seq is not given; when it catches up it polls for
new matches. It continues as new every 200 pages, so its history stays small however long it runs.
One scan runs at a time per task queue.

Options:
  --from-seq N   first match_seq_num to read (default: resume where the mirror stops; 0 when empty)
  --pages K      stop after K pages (default: follow the feed until stopped)
  --wait         wait for the scan to finish and print where it stopped (needs --pages)
  --status       print the running scan's position and lag, then exit
  --stop         ask the running scan to stop after its current page`,
  options: { 'from-seq': { type: 'string' }, pages: { type: 'string' }, wait: { type: 'boolean' }, status: { type: 'boolean' }, stop: { type: 'boolean' } },
  async run({ values }) {
    const config = loadConfig();
    const fromSeq = values['from-seq'] === undefined ? undefined : intFlag(values, 'from-seq');
    const pages = values.pages === undefined ? undefined : intFlag(values, 'pages', undefined, 1);
    if (values.wait && pages === undefined) throw new UsageError('--wait needs --pages (an unbounded scan never finishes)');
    const { client, connection } = await connectClient(config);
    const workflowId = steamScanWorkflowId(config.taskQueue);
    try {
      if (values.status || values.stop) {
        const handle = client.workflow.getHandle(workflowId);
        const description = await handle.describe().catch(() => undefined);
        if (!description || description.status.name !== 'RUNNING') throw new UsageError(`no scan is running (${workflowId})`);
        if (values.stop) {
          await handle.signal('stop');
          progress('asked the scan to stop');
          return 0;
        }
        const s = await handle.query(scanStatusQuery);
        process.stdout.write(`next_seq=${s.nextSeq} pages=${s.pagesDone} matches=${s.matchesDone} lag_seconds=${s.lagSeconds ?? 'unknown'} caught_up=${s.caughtUp}\n`);
        return 0;
      }
      await warnWithoutWorkers(client, config.taskQueue);
      let handle;
      try {
        handle = await client.workflow.start(steamScanWorkflow, {
          args: [{ fromSeq, pages }],
          taskQueue: config.taskQueue,
          workflowId,
          typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'steam-scan' }],
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) throw new UsageError(`a scan is already running (${workflowId}); see it with gamelake steam scan --status, stop it with --stop`);
        throw err;
      }
      progress(`steam scan: ${workflowUrl(config.uiUrl, config.namespace, workflowId)}`);
      if (!values.wait) return 0;
      const timer = setInterval(() => {
        handle.query(scanStatusQuery).then((s) => progress(`  seq ${s.nextSeq}: ${s.pagesDone} pages, ${s.matchesDone} matches`), () => {});
      }, 5000);
      try {
        const s = await handle.result();
        process.stdout.write(`scanned ${s.pagesDone} pages, ${s.matchesDone} matches; next match_seq_num ${s.nextSeq}${s.caughtUp ? ' (caught up with the feed)' : ''}\n`);
      } finally {
        clearInterval(timer);
      }
      return 0;
    } finally {
      await connection.close();
    }
  },
});

export const steamSweepCommand = defineCommand({
  path: ['steam', 'sweep'],
  usage: 'steam sweep [--wait]',
  summary: 'Run a convergence sweep of the Steam mirror: fill stubs, gaps and stale rows.',
  help: `
Runs the steam-sweep-<task queue> workflow (also on the gamelake-steam-sweep Schedule, every 15
minutes): it finds entities known only by id (stubs), matches referenced but not mirrored, and
players not refreshed for a week; fills them with bounded concurrency at the Steam rate limit; plans
again until nothing is left; and records per entity type how complete the mirror was before and
after (gamelake query convergence_status). A complete mirror costs no Steam call. A request while a
sweep runs asks it for one more pass.

Options:
  --wait    wait for the sweep and print before/after per entity type`,
  options: { wait: { type: 'boolean' } },
  async run({ values }) {
    const config = loadConfig();
    const { client, connection } = await connectClient(config);
    try {
      await warnWithoutWorkers(client, config.taskQueue);
      const handle = await startSteamSweep(client, config.taskQueue);
      progress(`steam sweep: ${workflowUrl(config.uiUrl, config.namespace, steamSweepWorkflowId(config.taskQueue))}`);
      if (!values.wait) return 0;
      const r = await handle.result();
      process.stdout.write(`sweep ${r.sweepId}: ${r.calls} Steam calls in ${r.rounds} rounds\n`);
      process.stdout.write(`  ${'entity'.padEnd(8)} ${'before'.padStart(16)} ${'after'.padStart(16)} ${'stubs'.padStart(6)}\n`);
      for (const b of r.before) {
        const a = r.after.find((x) => x.entity === b.entity) ?? b;
        process.stdout.write(`  ${b.entity.padEnd(8)} ${`${b.complete}/${b.total}`.padStart(16)} ${`${a.complete}/${a.total}`.padStart(16)} ${String(a.stubs).padStart(6)}\n`);
      }
      return 0;
    } finally {
      await connection.close();
    }
  },
});
