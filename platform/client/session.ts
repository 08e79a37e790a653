import { Client, Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { logFormat, OneLineLogger } from '../logger.ts';
import { DEFAULT_TEMPORAL_ADDRESS, dataLayout, type GamelakeConfig } from '../env.ts';
import { isPortOpen, startDevServer, waitForTemporal, type DevServer } from '../server/dev-server.ts';
import { TemporalUnreachableError } from '../errors.ts';
import { ensureSearchAttributes } from '../search-attributes.ts';
import { resolveTemporalCli } from '../server/temporal-cli.ts';

export type ServerMode =
  /** Always start the embedded dev server (unless TEMPORAL_ADDRESS is set). */
  | 'embedded'
  /** Use a server already listening on the default address, else start the embedded one. */
  | 'reuse-or-embedded';

export interface Session {
  address: string;
  namespace: string;
  uiUrl: string;
  client: Client;
  connection: Connection;
  /** The embedded server, when this session started it. */
  server: DevServer | undefined;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * The SDK logs through gamelake's one-line logger (platform/logger.ts); the CLI prints its own progress.
 * `sdkMetrics`: the SDK also serves its own Prometheus metrics there (host:port; the worker's /metrics
 * passes them on).
 */
export function installQuietRuntime(options: { sdkMetrics?: string } = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new OneLineLogger(undefined, undefined, logFormat()),
    ...(options.sdkMetrics ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.sdkMetrics } } } } : {}),
  });
}

/**
 * Connects to Temporal: the server named by TEMPORAL_ADDRESS, or the embedded dev server (SQLite under the
 * data directory, UI on TEMPORAL_UI_URL's port), and makes sure the project's search attributes exist.
 */
export async function openSession(config: GamelakeConfig, mode: ServerMode, log: (line: string) => void): Promise<Session> {
  installQuietRuntime();
  const layout = dataLayout(config.dataDir);
  let server: DevServer | undefined;
  let address: string;
  if (config.temporalAddress) {
    address = config.temporalAddress;
    log(`connecting to Temporal at ${address} (TEMPORAL_ADDRESS)`);
    await waitForTemporal(address, 15_000);
  } else if (mode === 'reuse-or-embedded' && (await isPortOpen(DEFAULT_TEMPORAL_ADDRESS))) {
    address = DEFAULT_TEMPORAL_ADDRESS;
    log(`using the Temporal server already running at ${address}`);
    await waitForTemporal(address, 15_000);
  } else {
    const cli = await resolveTemporalCli({ explicitPath: config.temporalCliPath, searchPath: process.env.PATH, log });
    log(`starting the Temporal dev server (${cli.path}, ${cli.source}); history in ${layout.temporalDb}`);
    server = await startDevServer({
      binary: cli.path,
      dbFile: layout.temporalDb,
      uiPort: config.uiPort,
      namespace: config.namespace,
      logFile: `${layout.logs}/temporal-server.log`,
    });
    address = server.address;
  }
  const connection = await Connection.connect({ address });
  const added = await ensureSearchAttributes(connection, config.namespace);
  if (added.length > 0) log(`registered search attributes: ${added.join(', ')}`);
  const client = new Client({ connection, namespace: config.namespace });
  return {
    address,
    namespace: config.namespace,
    uiUrl: config.uiUrl,
    client,
    connection,
    server,
    async close() {
      await connection.close();
      await server?.stop();
    },
  };
}

/**
 * A client for commands that need a running server and worker (ingest, marts, steam): TEMPORAL_ADDRESS or
 * the default local address, with a one-line reason when nothing answers there.
 */
export async function connectClient(config: GamelakeConfig): Promise<{ client: Client; connection: Connection; address: string }> {
  installQuietRuntime();
  const address = config.temporalAddress ?? DEFAULT_TEMPORAL_ADDRESS;
  if (!(await isPortOpen(address, 1000))) {
    throw new TemporalUnreachableError(`no Temporal server at ${address}: start \`gamelake dev\` or set TEMPORAL_ADDRESS`);
  }
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, namespace: config.namespace }), connection, address };
}

/**
 * A Temporal client connected on first use and again after a failed attempt (the server may start after
 * the caller, or go away): for long-running processes such as the collector and the stream consumer.
 */
export function lazyClient(config: GamelakeConfig): () => Promise<Client> {
  let client: Promise<Client> | undefined;
  return () => {
    client ??= connectClient(config)
      .then((c) => c.client)
      .catch((err: unknown) => {
        client = undefined;
        throw err;
      });
    return client;
  };
}

/** True when at least one worker polled the task queue recently. */
export async function hasWorkers(client: Client, taskQueue: string): Promise<boolean> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1, // workflow task queue
  });
  return (response.pollers?.length ?? 0) > 0;
}

/** Link to one workflow run in the Temporal Web UI. */
export function workflowUrl(uiUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}
