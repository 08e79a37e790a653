import type { Client } from '@temporalio/client';
import { loadContracts } from '../../lake/index.ts';
import { dataLayout, DEFAULT_TEMPORAL_ADDRESS, loadConfig, type GamelakeConfig } from '../../platform/env.ts';
import { isPortOpen } from '../../platform/server/dev-server.ts';
import { connectClient } from '../../platform/client/session.ts';
import { DEFAULT_UI_PORT, serveUi, type ServedUi, type UiDeps } from '../../ui/index.ts';
import { defineCommand, intFlag, progress } from '../command.ts';
import { defaultScoring } from '../../warehouse/build.ts';

/** The UI's dependencies from the configuration; `client`: a Temporal client to use, else one is found when needed. */
export function uiDeps(config: GamelakeConfig, client?: Client): UiDeps {
  const layout = dataLayout(config.dataDir);
  let found: Promise<Client | undefined> | undefined;
  return {
    warehousePath: layout.warehouse,
    lakeDir: layout.lake,
    temporalUiUrl: config.uiUrl,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    registry: loadContracts(config.contractsDir),
    scoring: defaultScoring,
    temporal: async () => {
      if (client) return client;
      // Look for a server each time until one answers (gamelake dev may start after the UI).
      if (!found) {
        const address = config.temporalAddress ?? DEFAULT_TEMPORAL_ADDRESS;
        found = (await isPortOpen(address, 300)) ? connectClient(config).then((c) => c.client) : Promise.resolve(undefined);
        const c = await found.catch(() => undefined);
        if (!c) found = undefined;
        return c;
      }
      return found;
    },
  };
}

/** Resolves at the first SIGINT or SIGTERM; a second one exits at once. */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const now = () => process.exit(130);
      process.once('SIGINT', now);
      process.once('SIGTERM', now);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Serves the UI and prints its URL. */
export async function startUi(config: GamelakeConfig, options: { port?: number; host?: string; client?: Client; sqlTimeoutMs?: number }): Promise<ServedUi> {
  const ui = await serveUi(
    { ...uiDeps(config, options.client), sqlTimeoutMs: options.sqlTimeoutMs },
    { port: options.port, host: options.host, token: config.uiToken, hosts: config.uiHosts },
  );
  progress(`gamelake UI:       ${ui.url}`);
  if (ui.loginUrl) progress(`  one-time login:  ${ui.loginUrl}  (programs: Authorization: Bearer $GAMELAKE_UI_TOKEN)`);
  return ui;
}

export const uiCommand = defineCommand({
  path: ['ui'],
  usage: 'ui [--port N] [--host H] [--sql-timeout S]',
  summary: `Serve the gamelake UI (http://localhost:${DEFAULT_UI_PORT}) against the data directory.`,
  help: `
Serves the pages of the warehouse (Pipeline, Leaderboards, Economy, Trades, Dota, Catalog, Queries)
against $GAMELAKE_DATA_DIR: the warehouse read-only, the lake's catalog, and the Temporal server at
TEMPORAL_ADDRESS (or 127.0.0.1:7233) when one answers, for failed batches and Schedules.
\`gamelake dev\` serves the same UI next to Temporal's own.

Options:
  --port N   port (default ${DEFAULT_UI_PORT}; 0 picks a free one)
  --host H   address to listen on (default 127.0.0.1: only this machine). Any other address (0.0.0.0
             for every interface) needs GAMELAKE_UI_TOKEN: every request must carry it (a bearer header,
             or the cookie the one-time login link printed at start sets), and with GAMELAKE_UI_HOSTS
             only those host names are answered. Put TLS in front (a reverse proxy) beyond a trusted network.
  --sql-timeout S
             time limit of each query from the SQL box and the API, counted from when it starts running
             (default 10). At most 2 such queries run at once and 8 wait; more are answered 503 with
             Retry-After, and a query whose client goes away is stopped.

SIGINT or SIGTERM stops it at once: running queries are interrupted, connections closed.`,
  options: { port: { type: 'string' }, host: { type: 'string' }, 'sql-timeout': { type: 'string' } },
  async run({ values }) {
    const config = loadConfig();
    const ui = await startUi(config, {
      port: intFlag(values, 'port', DEFAULT_UI_PORT),
      host: values.host as string | undefined,
      sqlTimeoutMs: intFlag(values, 'sql-timeout', 10, 1) * 1000,
    });
    progress('press Ctrl-C to stop');
    await untilSignal();
    progress('stopping the UI');
    await ui.close();
    return 0;
  },
});
