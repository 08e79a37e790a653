import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient } from 'redis';
import { describe, expect, inject, it } from 'vitest';
import { consumerStatus } from '../../collector/index.ts';
import { readLiveSources } from '../../platform/live-status.ts';
import { dataLayout } from '../../platform/env.ts';
import { startRedisServer } from '../../platform/server/redis-server.ts';
import { freePort } from '../../platform/server/dev-server.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { runCli, tempDataDir, uniqueTaskQueue, useTestClient, referenceLake, exited } from './helpers.ts';
import { eventContent, manifestsOf } from './lake.ts';

const testServer = useTestClient();
const GAMELAKE = path.resolve(import.meta.dirname, '../../bin/gamelake.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('consuming a Redis stream', () => {
  it('lands every entry once when a consumer is killed with entries pending: a second one claims them and ships the first one’s spool', async () => {
    const simDir = tempDataDir('gamelake-redis-sim-');
    const truth = await simulateEvents({ game: 'all', players: 150, events: 5000, seed: 'redis', badRate: 0, cheatRate: 0.05, batches: 1, outDir: simDir });
    const file = path.join(simDir, truth.batches[0]!.file);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const reference = await referenceLake(testServer.client, file);

    const redis = await startRedisServer();
    const producer = createClient({ url: redis.url });
    await producer.connect();
    const dataDir = tempDataDir();
    const layout = dataLayout(dataDir);
    const queue = uniqueTaskQueue('redis');
    const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue };
    const consumer = (name: string) =>
      spawn(process.execPath, [GAMELAKE, 'consume', 'redis', '--url', redis.url, '--stream', 'events', '--consumer', name, '--claim-idle-seconds', '1'], { env, stdio: 'ignore' });
    const metricsPort = await freePort();
    const worker = spawn(process.execPath, [GAMELAKE, 'worker'], { env: { ...env, GAMELAKE_METRICS_PORT: String(metricsPort) }, stdio: 'ignore' });
    let second: ChildProcess | undefined;
    let flat = 0;
    try {
      const first = consumer('c1');
      // The game servers write as they play: 100 entries every 20 ms. exrps' game_over goes as Varcade's
      // services wrote it (a flat map of text fields, `type` for the event type), the rest as an `event` field.
      const writing = (async () => {
        for (let i = 0; i < lines.length; i += 100) {
          const batch = producer.multi();
          for (const line of lines.slice(i, i + 100)) {
            const e = JSON.parse(line) as Record<string, unknown>;
            if (e.event_type === 'game_over' && Object.values(e).every((v) => typeof v === 'string')) {
              const { event_type, ...rest } = e as Record<string, string>;
              batch.xAdd('events', '*', { type: event_type!, ...rest });
              flat += 1;
            } else batch.xAdd('events', '*', { event: line });
          }
          await batch.exec();
          await sleep(20);
        }
      })();
      // Kill the first consumer once it has stored and acknowledged a share of the stream.
      for (let t = 0; ; t++) {
        const [g] = await consumerStatus(redis.url, 'events').catch(() => []);
        if (g && (g.entriesRead ?? 0) - g.pending >= lines.length * 0.3) break;
        if (t > 600) throw new Error('the first consumer never read');
        await sleep(20);
      }
      first.kill('SIGKILL');
      await exited(first);
      second = consumer('c2');
      await writing;
      // The second consumer reads the rest, claims what c1 held unacknowledged, and ships c1's spool.
      for (let t = 0; ; t++) {
        const [g] = await consumerStatus(redis.url, 'events');
        if (g && g.pending === 0 && g.lag === 0) break;
        if (t > 900) throw new Error(`the stream was not consumed: ${JSON.stringify(g)}`);
        await sleep(100);
      }
      // The worker's metrics show c2's group caught up, as c2 reports it (within its 5 s XINFO refresh).
      for (let t = 0; ; t++) {
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        if (text.includes('gamelake_consumer_lag{consumer="events/gamelake/c2"} 0') && text.includes('gamelake_consumer_pending{consumer="events/gamelake/c2"} 0')) break;
        if (t > 100)
          throw new Error(
            `the worker's metrics never showed c2 caught up:\n${text
              .split('\n')
              .filter((l) => l.startsWith('gamelake_consumer'))
              .join('\n')}`,
          );
        await sleep(200);
      }
      second.kill('SIGTERM');
      await exited(second);
      expect(second.exitCode).toBe(0);
    } finally {
      if (second && second.exitCode === null) second.kill('SIGKILL');
      worker.kill('SIGTERM');
      await exited(worker);
      await producer.quit();
    }
    const status = await runCli(['consume', 'status', '--url', redis.url, '--stream', 'events', '--json'], env);
    await redis.stop();
    expect(status.status, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject([{ group: 'gamelake', consumers: 2, pending: 0, lag: 0 }]);
    expect(flat).toBeGreaterThan(50);
    const manifests = manifestsOf(layout.lake);
    expect(manifests.reduce((s, m) => s + m.accepted, 0)).toBe(truth.batches[0]!.good);
    expect(manifests.reduce((s, m) => s + m.quarantined, 0)).toBe(0);
    // Both consumers' spools were shipped (c1's by c2, which took it over).
    expect(new Set(manifests.map((m) => path.basename(path.dirname(path.dirname(m.file)))))).toEqual(new Set(['redis-events-c1', 'redis-events-c2']));
    expect(await eventContent(layout.lake)).toEqual(await eventContent(reference));
    // What the UI's Pipeline page shows of them: c1 killed (gone), c2 stopped having stored the rest, the
    // group with nothing pending or lagging as c2 last saw it.
    const sources = readLiveSources(layout.spool);
    expect(sources.map((s) => [s.name, s.kind, s.state])).toEqual([
      ['events/gamelake/c1', 'redis-consumer', 'gone'],
      ['events/gamelake/c2', 'redis-consumer', 'stopped'],
    ]);
    const [c1, c2] = sources;
    // c1's last report is up to 2 s older than its kill (its count then, maybe 0); c2 stored at least what c1 had not read.
    expect(c1!.events).toBeLessThan(lines.length);
    expect(c2!.events).toBeGreaterThanOrEqual(lines.length * 0.6);
    expect(c2!.redis).toMatchObject({ stream: 'events', group: 'gamelake' });
    expect(c2!.spool.closedSegments).toBe(0);
  }, 300_000);
});
