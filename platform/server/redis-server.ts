import { spawn } from 'node:child_process';
import { createClient } from 'redis';
import { DevServerError } from '../errors.ts';
import { freePort } from './dev-server.ts';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real redis-server (Debian's `redis-server` on PATH) on a free loopback port without persistence, for
 * tests and benchmarks: the stream lives as long as the process.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  let failed: Error | undefined;
  server.once('error', (err) => (failed = err));
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (failed) throw new DevServerError(`cannot run redis-server (apt-get install -y redis-server): ${failed.message}`, { cause: failed });
    const c = createClient({ url });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.quit();
      break;
    } catch {
      if (i > 100) throw new DevServerError(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    stop: async () => {
      if (server.exitCode !== null || server.signalCode !== null) return;
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    },
  };
}
