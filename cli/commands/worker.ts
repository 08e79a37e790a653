import { DEFAULT_METRICS_PORT, DEFAULT_TEMPORAL_ADDRESS, dataLayout, loadConfig } from '../../platform/env.ts';
import { freePort, waitForTemporal } from '../../platform/server/dev-server.ts';
import { serveMetrics, workerMetrics } from '../../platform/metrics.ts';
import { ConfigError } from '../../platform/errors.ts';
import { logLine } from '../../platform/logger.ts';
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

Prometheus metrics (gamelake's and the Temporal SDK's) at http://127.0.0.1:${DEFAULT_METRICS_PORT}/metrics
(GAMELAKE_METRICS_PORT; off for none).

Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, GAMELAKE_TASK_QUEUE, GAMELAKE_DATA_DIR,
GAMELAKE_METRICS_PORT.`,
  async run() {
    const config = loadConfig();
    const layout = dataLayout(config.dataDir);
    // The worker's own lines in the log's format (JSON when stderr is not a terminal).
    const say = (message: string, fields: Record<string, unknown> = {}) => progress(logLine(message, fields));
    // The SDK's own metrics on a private port; /metrics passes them on after gamelake's.
    const sdkMetrics = config.metricsPort === undefined ? undefined : `127.0.0.1:${await freePort()}`;
    installQuietRuntime({ sdkMetrics });
    const metrics = config.metricsPort === undefined ? undefined : workerMetrics(layout.lake, layout.spool);
    let served: Awaited<ReturnType<typeof serveMetrics>> | undefined;
    if (metrics && config.metricsPort !== undefined) {
      try {
        served = await serveMetrics(metrics.registry, {
          port: config.metricsPort,
          extra: async () => (await fetch(`http://${sdkMetrics}/metrics`)).text(),
        });
        say(`metrics: ${served.url}`, { metrics_url: served.url });
      } catch (err) {
        if (config.metricsPortSet) throw new ConfigError(`GAMELAKE_METRICS_PORT=${config.metricsPort}: cannot listen (${(err as Error).message})`);
        say(`metrics: port ${config.metricsPort} is taken (another worker here?): running without; set GAMELAKE_METRICS_PORT`, { metrics_port: config.metricsPort });
      }
    }
    const address = config.temporalAddress ?? DEFAULT_TEMPORAL_ADDRESS;
    say(`waiting for Temporal at ${address}`, { address });
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
      deps: { layout },
      contractsDir: config.contractsDir,
      steam: config.steam,
      metrics,
    });
    say(`worker polling task queue "${config.taskQueue}" on ${address} (namespace ${config.namespace})`, { taskQueue: config.taskQueue, address, namespace: config.namespace });
    await worker.run();
    await close();
    await served?.close();
    say('worker stopped');
    return 0;
  },
});
