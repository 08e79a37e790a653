import { loadConfig } from '../../platform/env.ts';
import { startMartsBuild } from '../../platform/jobs.ts';
import { connectClient, hasWorkers, workflowUrl } from '../../platform/session.ts';
import { martsBuildWorkflowId } from '../../workflows/index.ts';
import { defineCommand, progress } from '../command.ts';

export const martsBuildCommand = defineCommand({
  path: ['marts', 'build'],
  usage: 'marts build [--wait]',
  summary: 'Rebuild the DuckDB warehouse ($GAMELAKE_DATA_DIR/warehouse.duckdb) from the lake.',
  help: `
Runs the marts-build workflow: loads every committed batch, builds the staging views and the marts
(warehouse/staging, warehouse/marts), runs each model's checks, then replaces the warehouse file in
one rename. A failed check keeps the previous warehouse. A request while a build runs asks it for
one more round (requests are coalesced); each committed batch requests a build the same way.

Options:
  --wait    wait for the build and print the tables it made with their row counts`,
  options: { wait: { type: 'boolean' } },
  async run({ values }) {
    const config = loadConfig();
    const { client, connection } = await connectClient(config);
    try {
      if (!(await hasWorkers(client, config.taskQueue))) progress(`warning: no worker is polling task queue "${config.taskQueue}"`);
      const handle = await startMartsBuild(client, config.taskQueue);
      progress(`marts build: ${workflowUrl(config.uiUrl, config.namespace, martsBuildWorkflowId(config.taskQueue))}`);
      if (!values.wait) return 0;
      const report = await handle.result();
      process.stdout.write(`warehouse built from ${report.batches} batches in ${(report.ms / 1000).toFixed(1)} s (${report.rounds} round${report.rounds === 1 ? '' : 's'}), ${report.checks} checks passed\n`);
      for (const [table, rows] of Object.entries(report.tables)) process.stdout.write(`  ${table.padEnd(28)} ${String(rows).padStart(10)}\n`);
      return 0;
    } finally {
      await connection.close();
    }
  },
});
