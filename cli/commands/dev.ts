import { dataLayout, loadConfig } from '../../platform/env.ts';
import { openSession } from '../../platform/session.ts';
import { ensureSchedules } from '../../platform/schedules.ts';
import { createGamelakeWorker } from '../../platform/worker.ts';
import { defineCommand, progress } from '../command.ts';

export const devCommand = defineCommand({
  path: ['dev'],
  usage: 'dev',
  summary: 'Start the embedded Temporal dev server and a gamelake worker; Ctrl-C stops both.',
  help: `
The dev server keeps its history in SQLite at $GAMELAKE_DATA_DIR/temporal.db, so workflows
survive a restart. Its Web UI is served on the port of TEMPORAL_UI_URL (http://localhost:8233),
its gRPC frontend on 127.0.0.1:7233. The project's search attributes are registered.

If TEMPORAL_ADDRESS is set, no server is started: the worker connects to that one.

Environment: GAMELAKE_DATA_DIR, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, GAMELAKE_TASK_QUEUE,
TEMPORAL_CLI_PATH, TEMPORAL_UI_URL (see README).`,
  async run() {
    const config = loadConfig();
    const session = await openSession(config, 'embedded', progress);
    try {
      const { worker, close } = await createGamelakeWorker({
        address: session.address,
        namespace: config.namespace,
        taskQueue: config.taskQueue,
        deps: { layout: dataLayout(config.dataDir) },
      contractsDir: config.contractsDir,
        steam: config.steam,
      });
      const schedules = await ensureSchedules(session.client, config.taskQueue);
      if (schedules.length > 0) progress(`created schedules: ${schedules.join(', ')}`);
      progress(`Temporal frontend: ${session.address}  namespace: ${config.namespace}`);
      progress(`Temporal Web UI:   ${session.uiUrl}/namespaces/${config.namespace}/workflows`);
      progress(`worker polling task queue "${config.taskQueue}"; data in ${config.dataDir}`);
      progress('press Ctrl-C to stop');
      await worker.run(); // returns after SIGINT/SIGTERM: the SDK shuts the worker down gracefully
      await close();
      progress('worker stopped');
    } finally {
      await session.close();
      if (session.server) progress('Temporal dev server stopped');
    }
    return 0;
  },
});
