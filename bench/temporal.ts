import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort, startDevServer, type DevServer } from '../platform/server/dev-server.ts';
import { ensureSearchAttributes } from '../platform/search-attributes.ts';
import { installQuietRuntime } from '../platform/client/session.ts';
import { resolveTemporalCli } from '../platform/server/temporal-cli.ts';

/** A headless dev server for a benchmark (SQLite and log under dir), with the search attributes and a client. */
export async function startBenchTemporal(dir: string, log: (line: string) => void): Promise<{ server: DevServer; connection: Connection; client: Client }> {
  installQuietRuntime();
  const cli = await resolveTemporalCli({ searchPath: process.env.PATH, log });
  const server = await startDevServer({ binary: cli.path, dbFile: path.join(dir, 'temporal.db'), port: await freePort(), uiPort: false, logFile: path.join(dir, 'server.log') });
  const connection = await Connection.connect({ address: server.address });
  await ensureSearchAttributes(connection, 'default');
  return { server, connection, client: new Client({ connection }) };
}
