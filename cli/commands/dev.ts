import { dataLayout, loadConfig } from '../../platform/env.ts';
import { openSession } from '../../platform/client/session.ts';
import { ensureSchedules } from '../../platform/client/schedules.ts';
import { createGamelakeWorker } from '../../platform/worker/worker.ts';
import { DEFAULT_UI_PORT } from '../../ui/index.ts';
import { defineCommand, intFlag, progress } from '../command.ts';
import { startUi } from './ui.ts';
import { startCollector } from './collect.ts';
import { DEFAULT_COLLECTOR_PORT } from '../../collector/index.ts';

export const devCommand = defineCommand({
  path: ['dev'],
  usage: 'dev [--ui-port N] [--collect-port N] [--host H]',
  summary: 'Start the embedded Temporal dev server, a gamelake worker, the gamelake UI and the event collector; Ctrl-C stops them.',
  help: `
The dev server keeps its history in SQLite at $GAMELAKE_DATA_DIR/temporal.db, so workflows
survive a restart. Its Web UI is served on the port of TEMPORAL_UI_URL (http://localhost:8233),
its gRPC frontend on 127.0.0.1:7233. The project's search attributes are registered.

If TEMPORAL_ADDRESS is set, no server is started: the worker connects to that one.

The gamelake UI is served on http://localhost:${DEFAULT_UI_PORT} (see gamelake ui --help), the event
collector on http://127.0.0.1:${DEFAULT_COLLECTOR_PORT}/v1/events (see gamelake collect --help).

Options:
  --ui-port N        the gamelake UI's port (default ${DEFAULT_UI_PORT}; 0 picks a free one)
  --collect-port N   the collector's port (default ${DEFAULT_COLLECTOR_PORT}; 0 picks a free one)
  --host H           address the UI and the collector listen on (default 127.0.0.1)

Environment: GAMELAKE_DATA_DIR, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, GAMELAKE_TASK_QUEUE,
TEMPORAL_CLI_PATH, TEMPORAL_UI_URL (see README).`,
  options: { 'ui-port': { type: 'string' }, 'collect-port': { type: 'string' }, host: { type: 'string' } },
  async run({ values }) {
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
      const ui = await startUi(config, { port: intFlag(values, 'ui-port', DEFAULT_UI_PORT), host: values.host as string | undefined, client: session.client });
      const collector = await startCollector(config, {
        port: intFlag(values, 'collect-port', DEFAULT_COLLECTOR_PORT),
        host: values.host as string | undefined,
        client: session.client,
      });
      progress('press Ctrl-C to stop');
      await worker.run(); // returns after SIGINT/SIGTERM: the SDK shuts the worker down gracefully
      await collector.close(2000); // the worker has stopped: what is left is shipped at the next start
      await ui.close();
      await close();
      progress('worker stopped');
    } finally {
      await session.close();
      if (session.server) progress('Temporal dev server stopped');
    }
    return 0;
  },
});
