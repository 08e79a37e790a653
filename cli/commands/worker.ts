import { DEFAULT_TEMPORAL_ADDRESS, dataLayout, loadConfig } from '../../platform/env.ts';
import { waitForTemporal } from '../../platform/server/dev-server.ts';
import { installQuietRuntime } from '../../platform/client/session.ts';
import { ensureSearchAttributes } from '../../platform/search-attributes.ts';
import { createGamelakeWorker } from '../../platform/worker/worker.ts';
import { Client, Connection } from '@temporalio/client';
import { ensureSchedules } from '../../platform/client/schedules.ts';
import { defineCommand, progress } from '../command.ts';

export const workerCommand = defineCommand({
  path: ['worker'],
  usage: 'worker',
  summary: 'Run only a gamelake worker against TEMPORAL_ADDRESS (default 127.0.0.1:7233).',
  help: `
Use this when a Temporal server already runs (a cluster, docker compose, or \`gamelake dev\`
elsewhere). Run as many workers as you like; they share the task queue. Registers the
project's search attributes if the namespace lacks them. SIGINT/SIGTERM drain and stop it.

Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, GAMELAKE_TASK_QUEUE, GAMELAKE_DATA_DIR.`,
  async run() {
    const config = loadConfig();
    installQuietRuntime();
    const address = config.temporalAddress ?? DEFAULT_TEMPORAL_ADDRESS;
    progress(`waiting for Temporal at ${address}`);
    await waitForTemporal(address, 60_000);
    const connection = await Connection.connect({ address });
    try {
      await ensureSearchAttributes(connection, config.namespace);
      await ensureSchedules(new Client({ connection, namespace: config.namespace }), config.taskQueue);
    } finally {
      await connection.close();
    }
    const { worker, close } = await createGamelakeWorker({
      address,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      deps: { layout: dataLayout(config.dataDir) },
      contractsDir: config.contractsDir,
      steam: config.steam,
    });
    progress(`worker polling task queue "${config.taskQueue}" on ${address} (namespace ${config.namespace})`);
    await worker.run();
    await close();
    progress('worker stopped');
    return 0;
  },
});
