import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, startDevServer } from '../../platform/server/dev-server.ts';
import { resolveTemporalCli } from '../../platform/server/temporal-cli.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
    /** The dev server's SQLite database and log live here (tests look for secrets in them). */
    temporalDir: string;
  }
}

/** Starts one real Temporal dev server (SQLite in a temp dir, headless) for the integration run. */
export default async function setup(project: TestProject) {
  const cli = await resolveTemporalCli({
    explicitPath: process.env.TEMPORAL_CLI_PATH,
    searchPath: process.env.PATH,
    log: (line) => console.log(line),
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gamelake-temporal-'));
  const server = await startDevServer({
    binary: cli.path,
    dbFile: path.join(dir, 'temporal.db'),
    port: await freePort(),
    uiPort: false,
    logFile: path.join(dir, 'server.log'),
  });
  project.provide('temporalAddress', server.address);
  project.provide('temporalCli', cli.path);
  project.provide('temporalDir', dir);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
