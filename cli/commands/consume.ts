import os from 'node:os';
import path from 'node:path';
import { consumerStatus, RedisConsumer, Shipper, Spool } from '../../collector/index.ts';
import { lazyClient } from '../../platform/client/session.ts';
import { dataLayout, loadConfig } from '../../platform/env.ts';
import { UsageError } from '../../platform/errors.ts';
import { defineCommand, intFlag, progress } from '../command.ts';
import { untilSignal } from './ui.ts';

const need = (values: Record<string, unknown>, name: string, command: string): string => {
  const v = values[name];
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(`--${name} is required (see gamelake ${command} --help)`);
  return v.trim();
};

export const consumeRedisCommand = defineCommand({
  path: ['consume', 'redis'],
  usage: 'consume redis --url redis://HOST:PORT --stream NAME [--group gamelake] [--consumer NAME] [--claim-idle-seconds N]',
  summary: 'Consume a Redis stream into the lake: entries stored (fsynced) before XACK, ingested exactly once.',
  help: `
Reads the stream with a consumer group (XREADGROUP; the group is created if missing, from the stream's
start), appends each entry as an event line to the spool ($GAMELAKE_DATA_DIR/spool/redis-<stream>-<consumer>)
and acknowledges it (XACK) only once the append is fsynced. Entries a dead consumer left pending are
claimed after 30 s idle (XAUTOCLAIM; --claim-idle-seconds). The spool of a consumer (or collector) that is
gone is taken over and shipped too. Spool segments are ingested by the ingest-batch workflow (the
worker must run). An entry is one event:
  a field "event" holding the JSON envelope, or
  a flat map of fields, as Varcade's services wrote them: "type" is the event type, every other field a
  top-level field (values as text; the contract's types read them). Without "event_id" the entry's id
  gives one (<stream>/<entry id>: an entry delivered twice is one event), without "occurred_at" the
  entry id's milliseconds.

Options:
  --url URL         the Redis server (redis://HOST:PORT)
  --stream NAME     the stream
  --group NAME      the consumer group (default gamelake)
  --consumer NAME   this consumer's name in the group (default the host name); one process per name
  --claim-idle-seconds N   claim entries pending this long on another consumer (default 30)

Environment: GAMELAKE_DATA_DIR, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, GAMELAKE_TASK_QUEUE (see README).`,
  options: { url: { type: 'string' }, stream: { type: 'string' }, group: { type: 'string' }, consumer: { type: 'string' }, 'claim-idle-seconds': { type: 'string' } },
  async run({ values }) {
    const config = loadConfig();
    const url = need(values, 'url', 'consume redis');
    const stream = need(values, 'stream', 'consume redis');
    const group = (values.group as string | undefined) ?? 'gamelake';
    const consumer = (values.consumer as string | undefined) ?? os.hostname();
    const layout = dataLayout(config.dataDir);
    const temporal = lazyClient(config);
    let shipper: Shipper | undefined;
    const spool = new Spool({ dir: path.join(layout.spool, `redis-${stream}-${consumer}`.replace(/[^A-Za-z0-9._-]/g, '_')), onClosed: () => shipper?.notify() });
    shipper = new Shipper({ spools: [spool], temporal, taskQueue: config.taskQueue, log: progress });
    shipper.start();
    const reader = new RedisConsumer({ url, stream, group, consumer, spool, log: progress, claimIdleMs: intFlag(values, 'claim-idle-seconds', 30, 1) * 1000 });
    await reader.start();
    progress(`consuming ${stream} on ${url} as ${consumer} in group ${group}; press Ctrl-C to stop`);
    const report = setInterval(() => progress(`  ${reader.acknowledged} entries stored and acknowledged`), 10_000);
    report.unref();
    await untilSignal();
    clearInterval(report);
    progress('stopping: storing what was read, closing the open segment, shipping the spool (up to 30 s)');
    await reader.stop();
    await spool.close();
    const left = await shipper.drain(30_000);
    reader.report(false);
    progress(`consumer stopped after ${reader.acknowledged} entries${left > 0 ? `; ${left} spool segments are shipped at the next start` : ''}`);
    return 0;
  },
});

export const consumeStatusCommand = defineCommand({
  path: ['consume', 'status'],
  usage: 'consume status --url redis://HOST:PORT --stream NAME [--json]',
  summary: "A Redis stream's consumer groups: consumers, pending entries, lag.",
  help: `
Prints XINFO GROUPS of the stream: per group its consumers, the entries delivered and not yet
acknowledged (pending) and those not yet delivered (lag).

Options:
  --url URL       the Redis server
  --stream NAME   the stream
  --json          one JSON array`,
  options: { url: { type: 'string' }, stream: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }) {
    const url = need(values, 'url', 'consume status');
    const stream = need(values, 'stream', 'consume status');
    const groups = await consumerStatus(url, stream);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(groups)}\n`);
      return 0;
    }
    process.stdout.write('group       consumers  pending  lag  last_delivered_id\n');
    for (const g of groups)
      process.stdout.write(
        `${g.group.padEnd(10)}  ${String(g.consumers).padStart(9)}  ${String(g.pending).padStart(7)}  ${String(g.lag ?? '?').padStart(3)}  ${g.lastDeliveredId}\n`,
      );
    return 0;
  },
});
