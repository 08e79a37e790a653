import { createHash } from 'node:crypto';
import path from 'node:path';
import { Shipper, Spool, parseWriteKeys, serveCollector, DEFAULT_COLLECTOR_PORT, type ServedCollector } from '../../collector/index.ts';
import { dataLayout, type GamelakeConfig, loadConfig } from '../../platform/env.ts';
import { lazyClient } from '../../platform/client/session.ts';
import type { Client } from '@temporalio/client';
import { defineCommand, intFlag, progress } from '../command.ts';
import { untilSignal } from './ui.ts';

export interface CollectorFlags {
  port?: number;
  host?: string;
  segmentBytes?: number;
  segmentAgeMs?: number;
  spoolLimitBytes?: number;
  maxBodyBytes?: number;
  /** A Temporal client to ship with (`gamelake dev`); else one is connected from the configuration. */
  client?: Client;
}

/** Starts the collector (spool, shipper, HTTP) and prints its URL. */
export async function startCollector(config: GamelakeConfig, flags: CollectorFlags): Promise<ServedCollector> {
  const keys = parseWriteKeys(config.writeKeys);
  const layout = dataLayout(config.dataDir);
  const given = flags.client;
  const temporal = given ? async () => given : lazyClient(config);
  let shipper: Shipper | undefined;
  const spoolAt = (dir: string, products?: readonly string[]) =>
    new Spool({
      dir: path.join(layout.spool, dir),
      products,
      segmentBytes: flags.segmentBytes,
      segmentAgeMs: flags.segmentAgeMs,
      limitBytes: flags.spoolLimitBytes,
      onClosed: () => shipper?.notify(),
    });
  const spool = spoolAt('collector');
  // One spool per product-scoped key's products: its batches carry the scope, so other products' lines
  // are quarantined as unauthorized_product (the folder is named by a hash of the products, not the key).
  const scoped = new Map(keys.scopes.map((products) => [products.join('\n'), spoolAt(`collector-${scopeDir(products)}`, products)] as const));
  shipper = new Shipper({ spools: [spool, ...scoped.values()], temporal, taskQueue: config.taskQueue, log: progress });
  const collector = await serveCollector({ spool, scoped, keys, shipper, port: flags.port, host: flags.host, maxBodyBytes: flags.maxBodyBytes });
  progress(`gamelake collector: ${collector.url}/v1/events  (health: ${collector.url}/v1/health)`);
  if (keys.open) progress('  no GAMELAKE_WRITE_KEYS: every product is accepted, on this machine only (loopback)');
  const waiting = [spool, ...scoped.values()].reduce((n, s) => n + s.closed().length, 0);
  if (waiting > 0) progress(`  ${waiting} spool segments from before are being ingested`);
  return collector;
}

/** A scope's spool folder suffix: a short hash of its products. */
function scopeDir(products: readonly string[]): string {
  return createHash('sha256').update(products.join('\n')).digest('hex').slice(0, 12);
}

export const collectCommand = defineCommand({
  path: ['collect'],
  usage: 'collect [--port N] [--host H] [--segment-mb N] [--segment-seconds N] [--spool-limit-mb N] [--max-body-mb N]',
  summary: `Serve the HTTP event collector (http://127.0.0.1:${DEFAULT_COLLECTOR_PORT}/v1/events): events acknowledged once durable, ingested exactly once.`,
  help: `
Game servers POST events to /v1/events: NDJSON lines (Content-Type: application/x-ndjson) or a JSON
array (application/json), optionally Content-Encoding: gzip, each event the envelope of a batch line.
The answer is 202 {"request_id", "lines"} once the body is written and fsynced to the spool
($GAMELAKE_DATA_DIR/spool); a segment of the spool closes at a size or an age and is ingested by the
ingest-batch workflow (the worker must run), so every acknowledged event lands in the lake once, also
after the collector or a worker is killed. Bad lines are quarantined with their reasons, as in files.

  400 a body that cannot be read (broken gzip, not text, empty)   401 no or unknown write key
  413 a body over the limit (after decompression)                  429 spool full (Retry-After)
  503 shutting down                                                GET /v1/health: ready, or why not

Options:
  --port N             port (default ${DEFAULT_COLLECTOR_PORT}; 0 picks a free one)
  --host H             address to listen on (default 127.0.0.1). Any other needs GAMELAKE_WRITE_KEYS.
  --segment-mb N       close a spool segment at N MiB (default 64)
  --segment-seconds N  ... or N seconds after its first event (default 5)
  --spool-limit-mb N   answer 429 while the spool holds more (default 1024)
  --max-body-mb N      largest body, after decompression (default 8)

Environment: GAMELAKE_WRITE_KEYS (product=key,*=key: a key limited to products has its other lines
quarantined as unauthorized_product), GAMELAKE_DATA_DIR, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
GAMELAKE_TASK_QUEUE (see README).`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'segment-mb': { type: 'string' },
    'segment-seconds': { type: 'string' },
    'spool-limit-mb': { type: 'string' },
    'max-body-mb': { type: 'string' },
  },
  async run({ values }) {
    const config = loadConfig();
    const mib = (name: string, fallback: number) => intFlag(values, name, fallback, 1) * 1024 * 1024;
    const collector = await startCollector(config, {
      port: intFlag(values, 'port', DEFAULT_COLLECTOR_PORT),
      host: values.host as string | undefined,
      segmentBytes: mib('segment-mb', 64),
      segmentAgeMs: intFlag(values, 'segment-seconds', 5, 1) * 1000,
      spoolLimitBytes: mib('spool-limit-mb', 1024),
      maxBodyBytes: mib('max-body-mb', 8),
    });
    progress('press Ctrl-C to stop');
    await untilSignal();
    progress('stopping: answering the requests under way, closing the open segment, shipping the spool (up to 30 s)');
    const left = await collector.close();
    progress(left > 0 ? `collector stopped; ${left} spool segments are shipped at the next start` : 'collector stopped; the spool is shipped');
    return 0;
  },
});
