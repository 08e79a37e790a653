import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { DevServerError, TemporalUnreachableError } from '../errors.ts';
import { searchAttributeFlags } from '../search-attributes.ts';

export interface DevServerOptions {
  /** Path of the `temporal` binary. */
  binary: string;
  /** SQLite file for persistence; history survives restarts. */
  dbFile: string;
  ip?: string;
  port?: number;
  /** Web UI port; `false` starts the server headless. */
  uiPort?: number | false;
  namespace?: string;
  /** File the server's own log goes to. */
  logFile: string;
  /** How long to wait for the frontend to answer. */
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** True when something accepts TCP connections on host:port. */
export function isPortOpen(address: string, timeoutMs = 500): Promise<boolean> {
  const [host, portText] = splitAddress(address);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(portText) });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function splitAddress(address: string): [string, string] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), address.slice(i + 1)];
}

/** A free TCP port on 127.0.0.1 (for tests that run their own server). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until a Temporal frontend at `address` answers GetSystemInfo. */
export async function waitForTemporal(address: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive()) break;
    if (await isPortOpen(address)) {
      try {
        const connection = await Connection.connect({ address, connectTimeout: 2000 });
        try {
          await connection.workflowService.getSystemInfo({});
          return;
        } finally {
          await connection.close();
        }
      } catch (err) {
        lastError = err;
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new TemporalUnreachableError(`Temporal at ${address} did not answer within ${timeoutMs / 1000} s`, { cause: lastError });
}

/** Starts `temporal server start-dev` with SQLite persistence and waits until it serves requests. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? 7233;
  const address = `${ip}:${port}`;
  if (await isPortOpen(address)) {
    throw new DevServerError(`cannot start the dev server: ${address} is already in use (set TEMPORAL_ADDRESS to use that server)`);
  }
  mkdirSync(path.dirname(options.dbFile), { recursive: true });
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    options.dbFile,
    '--ip',
    ip,
    '--port',
    String(port),
    '--namespace',
    options.namespace ?? 'default',
    '--log-level',
    'warn',
    ...searchAttributeFlags(),
  ];
  if (options.uiPort === false) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort ?? port + 1000));

  const log = createWriteStream(options.logFile, { flags: 'a' });
  // Its own process group: Ctrl-C in the terminal reaches gamelake, which drains the worker first and then
  // stops the server. If gamelake itself dies, the exit hook still takes the server down.
  const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  let exited: { code: number | null; signal: string | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  child.once('error', () => {
    exited ??= { code: null, signal: 'spawn-error' };
  });

  try {
    await waitForTemporal(address, options.startTimeoutMs ?? 90_000, () => exited === undefined);
  } catch (err) {
    child.kill('SIGKILL');
    throw new DevServerError(
      exited
        ? `temporal dev server exited (${exited.code ?? exited.signal}) before it was ready; see ${options.logFile}`
        : `temporal dev server did not become ready on ${address}; see ${options.logFile}`,
      { cause: err },
    );
  }
  if (exited) throw new DevServerError(`temporal dev server exited right after start; see ${options.logFile}`);

  return {
    address,
    uiUrl: options.uiPort === false ? undefined : `http://localhost:${options.uiPort ?? port + 1000}`,
    process: child,
    async stop() {
      process.off('exit', killOnExit);
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
      log.end();
    },
  };
}
