import { dataLayout, loadConfig } from '../../platform/env.ts';
import { openSession, workflowUrl } from '../../platform/session.ts';
import { createGamelakeWorker } from '../../platform/worker.ts';
import { demoWorkflow } from '../../workflows/index.ts';
import { GAMELAKE_JOB } from '../../workflows/search-attributes.ts';
import { defineCommand, progress } from '../command.ts';

export const demoCommand = defineCommand({
  path: ['demo'],
  usage: 'demo [--exit]',
  summary: 'Run the pipeline end to end on a Temporal server and print links to the runs in the Web UI.',
  help: `
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
    try {
      const { worker, close } = await createGamelakeWorker({
        address: session.address,
        namespace: config.namespace,
        taskQueue: config.taskQueue,
        deps: { layout },
      });
      const workflowId = `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await worker.runUntil(async () => {
        progress(`starting workflow ${workflowId}`);
        const handle = await session.client.workflow.start(demoWorkflow, {
          taskQueue: config.taskQueue,
          workflowId,
          typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'demo' }],
        });
        progress(`  ${workflowUrl(session.uiUrl, config.namespace, workflowId, handle.firstExecutionRunId)}`);
        const result = await handle.result();
        const { files, bytes } = result.dataDir;
        process.stdout.write(`data directory ${result.dataDir.dataDir} (prepared ${result.dataDir.createdAt})\n`);
        for (const area of Object.keys(files)) {
          process.stdout.write(`  ${area.padEnd(6)} ${String(files[area]).padStart(6)} files ${String(bytes[area]).padStart(12)} bytes\n`);
        }
      });
      await close();
      progress(`done. Inspect the runs: ${session.uiUrl}/namespaces/${config.namespace}/workflows?query=${encodeURIComponent('GamelakeJob="demo"')}`);
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
