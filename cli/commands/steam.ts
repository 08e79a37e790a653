import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { readScanStates } from '../../activities/steam/index.ts';
import { UsageError } from '../../platform/errors.ts';
import { dataLayout, loadConfig } from '../../platform/env.ts';
import { startSteamFindMatches, startSteamRefresh, startSteamScan, startSteamSweep } from '../../platform/client/jobs.ts';
import { STEAM_PLAYER_SCHEDULE_PREFIX, trackedPlayers, trackPlayers, untrackPlayers } from '../../platform/client/schedules.ts';
import { ANONYMOUS_ACCOUNT_ID, STEAMID64_BASE } from '../../transforms/steam/ids.ts';
import { connectClient, hasWorkers, workflowUrl } from '../../platform/client/session.ts';
import { scanStatusQuery, steamRescanWorkflowId, steamScanWorkflowId, steamSweepWorkflowId, steamTaskQueue } from '../../workflows/index.ts';
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
      if (!/^\d+\s*(s|sec|second|seconds|m|min|minute|minutes|h|hour|hours|d|day|days)$/.test(every.trim()))
        throw new UsageError(`--every "${every}" is not a duration such as "30 minutes"`);
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

/** Both scans' positions and lags, from the lake (`lake/steam/_scans`), with the running scans' own status. */
async function scanStatus(client: Client, taskQueue: string, lakeDir: string): Promise<string> {
  const lines: string[] = [];
  const states = readScanStates(lakeDir);
  const head = Math.max(0, ...states.map((s) => s.head));
  for (const name of ['scan', 'rescan'] as const) {
    const state = states.find((s) => s.scan === name);
    const id = name === 'scan' ? steamScanWorkflowId(taskQueue) : steamRescanWorkflowId(taskQueue);
    const running = await client.workflow
      .getHandle(id)
      .describe()
      .then(
        (d) => d.status.name === 'RUNNING',
        () => false,
      );
    if (!state) {
      lines.push(`${name.padEnd(6)}  never ran${running ? ' (starting)' : ''}`);
      continue;
    }
    const secondsBehind = state.newestStartTime === null ? null : Math.max(0, Math.round(Date.now() / 1000 - state.newestStartTime));
    lines.push(
      `${name.padEnd(6)}  position ${state.position}  head ${head}  ${Math.max(0, head + 1 - state.position)} matches behind` +
        `${secondsBehind === null ? '' : `, newest match read started ${secondsBehind} s ago`}  ${state.pages} pages, ${state.matches} matches` +
        `${name === 'rescan' ? `, ${state.recovered} recovered` : ''}  ${running ? 'running' : 'stopped'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export const steamScanCommand = defineCommand({
  path: ['steam', 'scan'],
  usage: 'steam scan [--from-seq N] [--pages K] [--behind N] [--wait] [--status] [--stop]',
  summary: 'Follow the match sequence feed (GetMatchHistoryBySequenceNum, 100 full matches per call).',
  help: `
Starts the steam-scan-<task queue> workflow: it reads the feed page after page from a match_seq_num,
resuming after the highest one mirrored when --from-seq is not given; when it catches up it polls for
new matches. It continues as new every 200 pages, so its history stays small however long it runs.
One scan runs at a time per task queue.

With --behind N it starts the second, lagging scan (steam-rescan-<task queue>), as OpenDota runs one:
it re-reads the feed N sequence numbers behind the first scan's position and mirrors only the
matches the first did not have (Valve's feed shows some matches late: a page is "sometimes 99").

Options:
  --from-seq N   first match_seq_num to read (default: resume where the mirror stops; 0 when empty)
  --pages K      stop after K pages (default: follow the feed until stopped)
  --behind N     start the lagging rescan, N sequence numbers behind the first scan
  --wait         wait for the scan to finish and print where it stopped (needs --pages)
  --status       print both scans' positions, how far behind the feed's head they are (in matches
                 and in time), and the matches the rescan recovered, then exit
  --stop         ask the running scan (or with --behind, the rescan) to stop after its current page`,
  options: {
    'from-seq': { type: 'string' },
    pages: { type: 'string' },
    behind: { type: 'string' },
    wait: { type: 'boolean' },
    status: { type: 'boolean' },
    stop: { type: 'boolean' },
  },
  async run({ values }) {
    const config = loadConfig();
    const fromSeq = values['from-seq'] === undefined ? undefined : intFlag(values, 'from-seq');
    const pages = values.pages === undefined ? undefined : intFlag(values, 'pages', undefined, 1);
    const behind = values.behind === undefined ? undefined : intFlag(values, 'behind', undefined, 0);
    if (values.wait && pages === undefined) throw new UsageError('--wait needs --pages (an unbounded scan never finishes)');
    const { client, connection } = await connectClient(config);
    const workflowId = behind !== undefined ? steamRescanWorkflowId(config.taskQueue) : steamScanWorkflowId(config.taskQueue);
    try {
      if (values.status) {
        process.stdout.write(await scanStatus(client, config.taskQueue, dataLayout(config.dataDir).lake));
        return 0;
      }
      if (values.stop) {
        const handle = client.workflow.getHandle(workflowId);
        const description = await handle.describe().catch(() => undefined);
        if (description?.status.name !== 'RUNNING') throw new UsageError(`no ${behind !== undefined ? 'rescan' : 'scan'} is running (${workflowId})`);
        await handle.signal('stop');
        progress(`asked ${workflowId} to stop`);
        return 0;
      }
      await warnWithoutWorkers(client, config.taskQueue);
      let handle: Awaited<ReturnType<typeof startSteamScan>>;
      try {
        handle = await startSteamScan(client, config.taskQueue, { fromSeq, pages, behind });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          throw new UsageError(`already running (${workflowId}); see it with gamelake steam scan --status, stop it with --stop`);
        throw err;
      }
      progress(`steam ${behind !== undefined ? 'rescan' : 'scan'}: ${workflowUrl(config.uiUrl, config.namespace, workflowId)}`);
      if (!values.wait) return 0;
      const timer = setInterval(() => {
        handle.query(scanStatusQuery).then(
          (s) => progress(`  seq ${s.nextSeq}: ${s.pagesDone} pages, ${s.matchesDone} matches${behind !== undefined ? `, ${s.recovered} recovered` : ''}`),
          () => {},
        );
      }, 5000);
      try {
        const s = await handle.result();
        process.stdout.write(
          `scanned ${s.pagesDone} pages, ${s.matchesDone} matches; next match_seq_num ${s.nextSeq}${s.caughtUp ? ' (caught up)' : ''}${behind !== undefined ? `; ${s.recovered} matches recovered that the first scan did not have` : ''}\n`,
        );
      } finally {
        clearInterval(timer);
      }
      return 0;
    } finally {
      await connection.close();
    }
  },
});

export const steamRefreshCommand = defineCommand({
  path: ['steam', 'refresh'],
  usage: 'steam refresh ACCOUNT_ID...',
  summary: "Re-read players' match histories and summaries now, fill what is missing, print what changed.",
  help: `
As OpenDota's /players/{id}/refresh: for each player, the whole match history Valve keeps (up to
500 matches, not only what is new) and the summary are read again now; a convergence sweep then
mirrors every match they reference that the mirror lacks. Prints, per player, the matches known
before and after and whether the summary changed. Waits for the work to finish.

ACCOUNT_ID is the 32-bit Dota id (e.g. 86745912); a steamid64 is accepted and converted.`,
  positionals: true,
  async run({ positionals }) {
    const ids = accountIds(positionals);
    if (ids.length === 0) throw new UsageError('give at least one ACCOUNT_ID');
    const config = loadConfig();
    const { client, connection } = await connectClient(config);
    try {
      await warnWithoutWorkers(client, config.taskQueue);
      const handle = await startSteamRefresh(client, config.taskQueue, ids);
      progress(`steam refresh: ${workflowUrl(config.uiUrl, config.namespace, handle.workflowId)}`);
      const r = await handle.result();
      for (const p of r.players) {
        const changed =
          p.before.personaname !== p.after.personaname
            ? `name ${JSON.stringify(p.before.personaname)} -> ${JSON.stringify(p.after.personaname)}`
            : p.before.summaryFetchedAt !== p.after.summaryFetchedAt
              ? 'summary read again, unchanged'
              : 'summary not available';
        process.stdout.write(
          `${p.accountId}: ${p.status === 'ok' ? `${p.historyPages} history pages` : `history ${p.status}`}; matches known ${p.before.matches} -> ${p.after.matches} (+${p.after.matches - p.before.matches}); ${changed}\n`,
        );
      }
      process.stdout.write(`filled with ${r.sweepCalls} more Steam calls\n`);
      return 0;
    } finally {
      await connection.close();
    }
  },
});

export const steamMatchCommand = defineCommand({
  path: ['steam', 'match'],
  usage: 'steam match MATCH_ID... [--max-seqs N]',
  summary: 'Mirror specific matches: by sequence number when known, else found in the feed near a mirrored match.',
  help: `
As OpenDota's /request/{match_id} since patch 7.36: a match whose match_seq_num a player's history
gave is read from the sequence feed in one call; otherwise gamelake walks the feed from the nearest
mirrored match below it, 100 matches per call, for at most --max-seqs sequence numbers (default
30000, as OpenDota), and says so when it cannot be found. GetMatchDetails (which answers nothing
for most matches today) is the last resort. Waits and prints how each was found.

Options:
  --max-seqs N   how far to walk the feed from the nearest mirrored match (default 30000)`,
  options: { 'max-seqs': { type: 'string' } },
  positionals: true,
  async run({ values, positionals }) {
    const ids = positionals.map((raw) => {
      if (!/^\d+$/.test(raw)) throw new UsageError(`"${raw}" is not a match id`);
      return Number(raw);
    });
    if (ids.length === 0) throw new UsageError('give at least one MATCH_ID');
    const maxSeqs = values['max-seqs'] === undefined ? undefined : intFlag(values, 'max-seqs', undefined, 1);
    const config = loadConfig();
    const { client, connection } = await connectClient(config);
    try {
      await warnWithoutWorkers(client, config.taskQueue);
      const handle = await startSteamFindMatches(client, config.taskQueue, ids, maxSeqs);
      progress(`steam match: ${workflowUrl(config.uiUrl, config.namespace, handle.workflowId)}`);
      const found = await handle.result();
      let missing = 0;
      for (const m of found) {
        if (!['mirrored', 'sequence', 'search', 'details'].includes(m.found)) missing += 1;
        process.stdout.write(`${m.matchId}: ${m.found} (${m.calls} Steam call${m.calls === 1 ? '' : 's'}): ${m.detail}\n`);
      }
      return missing > 0 ? 1 : 0;
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
