import path from 'node:path';
import { dataLayout, loadConfig } from '../../platform/env.ts';
import { ensureSchedules } from '../../platform/schedules.ts';
import { openSession, workflowUrl } from '../../platform/session.ts';
import { createGamelakeWorker } from '../../platform/worker.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { startIngest, startMartsBuild } from '../../platform/jobs.ts';
import { bindParams, loadQuery, runSql } from '../../warehouse/queries.ts';
import { demoWorkflow, martsBuildWorkflowId } from '../../workflows/index.ts';
import { render } from '../format.ts';
import { GAMELAKE_JOB } from '../../workflows/search-attributes.ts';
import { defineCommand, progress } from '../command.ts';

export const demoCommand = defineCommand({
  path: ['demo'],
  usage: 'demo [--exit]',
  summary: 'Run the pipeline end to end on a Temporal server and print links to the runs in the Web UI.',
  help: `
Prepares the data directory, simulates two batches of events from all three seed games (with some
malformed lines and cheating trades), ingests them through ingest-batch workflows into the Parquet
lake, builds the DuckDB warehouse and prints a few business answers. Ingesting is exactly once: a second demo finds the batches
already ingested.

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
    try {
      await ensureSchedules(session.client, config.taskQueue);
      const { worker, close } = await createGamelakeWorker({
        address: session.address,
        namespace: config.namespace,
        taskQueue: config.taskQueue,
        deps: { layout },
      });
      await worker.runUntil(async () => {
        const demoId = `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        progress(`1. preparing the data directory: ${link(demoId)}`);
        const prepared = await session.client.workflow.execute(demoWorkflow, {
          taskQueue: config.taskQueue,
          workflowId: demoId,
          typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'demo' }],
        });
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
          out(`batch ${ingest.batchId} ${b.file}: ${result.linesIn} lines, ${result.accepted} accepted, ${result.quarantined} quarantined, ${result.duplicates} duplicates${already ? ' (already ingested)' : ''}`);
        }
        out(`lake: ${layout.lake}`);

        progress('4. building the DuckDB warehouse (staging views, marts, checks)');
        const build = await startMartsBuild(session.client, config.taskQueue);
        progress(`   ${link(martsBuildWorkflowId(config.taskQueue))}`);
        const report = await build.result();
        out(`warehouse ${layout.warehouse}: ${report.batches} batches, ${report.checks} checks passed`);

        progress('5. a few business answers (gamelake query --list shows them all)');
        for (const [name, params] of [['trades_count', {}], ['failed_trades_by_reason', {}], ['leaderboard', { product: 'exrps', limit: '5' }], ['imbalanced_trades', {}], ['purchases_by_type', {}]] as const) {
          const q = loadQuery(name);
          const result = await runSql(layout.warehouse, q.sql, bindParams(q, params));
          out(`\n$ gamelake query ${name}${Object.entries(params).map(([k, v]) => ` --param ${k}=${v}`).join('')}`);
          out(String(render({ columns: result.columns, rows: result.rows.slice(0, 5) }, 'table')).trimEnd());
        }
      });
      await close();
      progress(`done. All runs: ${session.uiUrl}/namespaces/${config.namespace}/workflows`);
      const keepUp = session.server !== undefined && values.exit !== true && process.stdout.isTTY;
      if (keepUp) {
        progress(`the embedded Temporal server and its Web UI (${session.uiUrl}) stay up; press Ctrl-C to stop`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
      }
    } finally {
      await session.close();
    }
    return 0;
  },
});
