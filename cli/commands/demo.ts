import path from 'node:path';
import { dataLayout, loadConfig } from '../../platform/env.ts';
import { ensureSchedules } from '../../platform/client/schedules.ts';
import { openSession, workflowUrl } from '../../platform/client/session.ts';
import { createGamelakeWorker } from '../../platform/worker/worker.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { startDemo, startIngest, startMartsBuild, startSteamPlayer, startSteamScan, startSteamSweep } from '../../platform/client/jobs.ts';
import type { Session } from '../../platform/client/session.ts';
import type { GamelakeConfig } from '../../platform/env.ts';
import { startSteamSim } from '../../sim/steam/index.ts';
import { bindParams, loadQuery, runSql } from '../../warehouse/queries.ts';
import { martsBuildWorkflowId, steamPlayerWorkflowId, steamScanWorkflowId, steamSweepWorkflowId } from '../../workflows/index.ts';
import { render } from '../format.ts';
import { DEFAULT_UI_PORT } from '../../ui/index.ts';
import { defineCommand, progress } from '../command.ts';
import { startUi } from './ui.ts';
import { startCollector } from './collect.ts';
import { DEFAULT_COLLECTOR_PORT } from '../../collector/index.ts';

interface Demo {
  config: GamelakeConfig;
  layout: ReturnType<typeof dataLayout>;
  session: Session;
  link: (id: string, runId?: string) => string;
  out: (line: string) => void;
  answer: (name: string, params: Record<string, string>, rows: number) => Promise<void>;
}

/** Steps 1-5: the data directory, two simulated batches ingested, the warehouse built, a few answers. */
async function demoEvents({ config, layout, session, link, out, answer }: Demo): Promise<void> {
  const { worker, close } = await createGamelakeWorker({
    address: session.address,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    deps: { layout },
    contractsDir: config.contractsDir,
  });
  await worker.runUntil(async () => {
    const started = await startDemo(session.client, config.taskQueue);
    progress(`1. preparing the data directory: ${link(started.workflowId)}`);
    const prepared = await started.result();
    out(`data directory ${prepared.dataDir.dataDir} (prepared ${prepared.dataDir.createdAt})`);

    const simDir = path.join(layout.root, 'demo-batches');
    progress(`2. simulating events from exrps, trade-engine and placebo into ${simDir}`);
    const truth = await simulateEvents({ game: 'all', players: 200, events: 3000, seed: 'demo', badRate: 0.02, cheatRate: 0.02, batches: 2, outDir: simDir });

    progress('3. ingesting the batches (one workflow per batch, id from the content hash)');
    for (const b of truth.batches) {
      const ingest = await startIngest(session.client, config.taskQueue, path.join(simDir, b.file));
      progress(`   ${link(ingest.workflowId)}`);
      const result = await ingest.handle.result();
      const already = ingest.existed || result.alreadyIngested;
      out(
        `batch ${ingest.batchId} ${b.file}: ${result.linesIn} lines, ${result.accepted} accepted, ${result.quarantined} quarantined, ${result.duplicates} duplicates${already ? ' (already ingested)' : ''}`,
      );
    }
    out(`lake: ${layout.lake}`);

    progress('4. building the DuckDB warehouse (staging views, marts, checks)');
    const build = await startMartsBuild(session.client, config.taskQueue);
    progress(`   ${link(martsBuildWorkflowId(config.taskQueue))}`);
    const report = await build.result();
    out(`warehouse ${layout.warehouse}: ${report.batches} batches, ${report.checks} checks passed`);

    progress('5. a few business answers (gamelake query --list shows them all)');
    for (const [name, params] of [
      ['trades_count', {}],
      ['failed_trades_by_reason', {}],
      ['leaderboard', { product: 'exrps', limit: '5' }],
      ['imbalanced_trades', {}],
      ['purchases_by_type', {}],
    ] as const) {
      await answer(name, params, 5);
    }
  });
  await close();
}

/** Step 6: a slice of a simulated Steam Web API mirrored on a task queue of its own. */
async function demoSteam({ config, layout, session, link, out }: Demo): Promise<void> {
  progress('6. mirroring a slice of a simulated Steam Web API (Dota 2)');
  const sim = await startSteamSim({ world: { seed: 'demo', players: 120, matches: 400 }, faults: { '500': 0.05, '429': 0.03 } });
  const demoQueue = `${config.taskQueue}-demo`;
  const steamWorker = await createGamelakeWorker({
    address: session.address,
    namespace: config.namespace,
    taskQueue: demoQueue,
    deps: { layout },
    contractsDir: config.contractsDir,
    steam: { apiKey: undefined, baseUrl: sim.url, leagueBaseUrl: sim.url, ratePerSec: 20, timeoutMs: 5000 },
  });
  try {
    await steamWorker.worker.runUntil(async () => {
      progress(`   simulator on ${sim.url}; Steam calls limited to 20/s on task queue ${demoQueue}-steam`);
      const scanId = steamScanWorkflowId(demoQueue);
      progress(`   scan of the sequence feed, 2 pages: ${link(scanId)}`);
      const scan = await (await startSteamScan(session.client, demoQueue, { pages: 2 })).result();
      out(`steam scan: ${scan.matchesDone} matches in ${scan.pagesDone} pages, next match_seq_num ${scan.nextSeq}`);
      const players = sim
        .world!.players.filter((p) => !p.private)
        .slice(0, 2)
        .map((p) => p.accountId);
      for (const accountId of players) {
        progress(`   tracked player ${accountId}: ${link(steamPlayerWorkflowId(accountId))}`);
        const r = await (await startSteamPlayer(session.client, demoQueue, accountId)).result();
        out(`player ${accountId}: ${r.matchesSeen} matches in ${r.pages} history pages`);
      }
      progress(`   convergence sweep: ${link(steamSweepWorkflowId(demoQueue))}`);
      const sweep = await (await startSteamSweep(session.client, demoQueue)).result();
      out(`sweep: ${sweep.calls} Steam calls in ${sweep.rounds} rounds`);
      await (await startMartsBuild(session.client, demoQueue)).result();
    });
  } finally {
    await steamWorker.close();
    const stats = sim.stats();
    out(
      `simulator: ${stats.calls} calls, ${Object.values(stats.faults).reduce((a, b) => a + b, 0)} faults injected (all retried), ${stats.rateLimitViolations} over the rate limit`,
    );
    await sim.close();
  }
}

export const demoCommand = defineCommand({
  path: ['demo'],
  usage: 'demo [--exit]',
  summary: 'Run the pipeline end to end on a Temporal server and print links to the runs in the Web UI.',
  help: `
Prepares the data directory, simulates two batches of events from all three seed games (with some
malformed lines and cheating trades), ingests them through ingest-batch workflows into the Parquet
lake, builds the DuckDB warehouse and prints a few business answers. Ingesting is exactly once: a second demo finds the batches
already ingested. Then it mirrors a slice of a simulated Steam Web API (gamelake steam-sim, in process,
with some 500s and 429s injected): two pages of the match sequence feed, two tracked players'
histories and a convergence sweep, all on the task queue <GAMELAKE_TASK_QUEUE>-demo so that no other
worker sends these calls to Valve, and prints hero win rates and convergence status.

Uses TEMPORAL_ADDRESS if set, else a server already listening on 127.0.0.1:7233 (\`gamelake dev\`),
else starts the embedded dev server itself. Runs an in-process worker for the duration.

Options:
  --exit    when the demo started its own server, stop it at the end instead of keeping the
            Web UI up until Ctrl-C (the default when stdout is not a terminal)`,
  options: { exit: { type: 'boolean' } },
  async run({ values }) {
    const config = loadConfig();
    const layout = dataLayout(config.dataDir);
    const session = await openSession(config, 'reuse-or-embedded', progress);
    const link = (id: string, runId?: string) => workflowUrl(session.uiUrl, config.namespace, id, runId);
    const out = (line: string) => process.stdout.write(`${line}\n`);
    /** Prints a named query's first rows as `gamelake query` would. */
    const answer = async (name: string, params: Record<string, string>, rows: number) => {
      const q = loadQuery(name);
      const result = await runSql(layout.warehouse, q.sql, bindParams(q, params));
      out(
        `\n$ gamelake query ${name}${Object.entries(params)
          .map(([k, v]) => ` --param ${k}=${v}`)
          .join('')}`,
      );
      out(String(render({ ...result, values: result.values.slice(0, rows) }, 'table', { round: q.round })).trimEnd());
    };
    try {
      const demo: Demo = { config, layout, session, link, out, answer };
      await ensureSchedules(session.client, config.taskQueue);
      await demoEvents(demo);
      await demoSteam(demo);
      for (const [name, params] of [
        ['hero_win_rates', { min_matches: '20' }],
        ['convergence_status', {}],
      ] as const)
        await answer(name, params, 6);
      progress(`done. All runs: ${session.uiUrl}/namespaces/${config.namespace}/workflows`);
      const keepUp = session.server !== undefined && values.exit !== true && process.stdout.isTTY;
      if (keepUp) {
        const ui = await startUi(config, { client: session.client }).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EADDRINUSE') throw err;
          progress(`gamelake UI: http://localhost:${DEFAULT_UI_PORT} is taken (a gamelake dev serves it already?)`);
          return undefined;
        });
        const collector = await startCollector(config, { client: session.client }).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EADDRINUSE') throw err;
          progress(`gamelake collector: http://127.0.0.1:${DEFAULT_COLLECTOR_PORT} is taken (a gamelake dev serves it already?)`);
          return undefined;
        });
        progress(`the embedded Temporal server, its Web UI (${session.uiUrl}), the gamelake UI and the collector stay up; press Ctrl-C to stop`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await collector?.close(10_000);
        await ui?.close();
      } else {
        progress(`open the gamelake UI with \`gamelake ui\` (http://localhost:${DEFAULT_UI_PORT}) or \`gamelake dev\``);
      }
    } finally {
      await session.close();
    }
    return 0;
  },
});
