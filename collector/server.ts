import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { RateMeter, writeLiveStatus } from '../platform/live-status.ts';
import { collectorMetrics } from '../platform/metrics.ts';
import { bodyEvents, DEFAULT_MAX_BODY_BYTES, readBody } from './body.ts';
import { CollectorConfigError, CollectorRequestError, ShuttingDownError, SpoolFullError } from './errors.ts';
import type { Shipper } from './shipper.ts';
import { spoolTotals, type Spool } from './spool.ts';
import { ANY_SCOPE, type Grant, type WriteKeys } from './write-keys.ts';

export const DEFAULT_COLLECTOR_PORT = 8235;

export interface CollectorOptions {
  /** Where the events of keys that may send any product go. */
  spool: Spool;
  /** The spool of each product-scoped key's products (by Grant.scope): its batches quarantine other products. */
  scoped?: ReadonlyMap<string, Spool>;
  keys: WriteKeys;
  /** Ingests closed segments; absent: segments wait in spool/closed (a test, or a collector with no Temporal). */
  shipper?: Shipper;
  port?: number;
  host?: string;
  maxBodyBytes?: number;
  /** A request's whole time limit, headers and body (default 30 s): a body sent a byte a second is cut off. */
  requestTimeoutMs?: number;
}

/** What the collector counted since it started. */
export interface CollectorStats {
  startedAt: string;
  requests: number;
  accepted: number;
  events: number;
  /** Refused requests by HTTP status. */
  refused: Record<string, number>;
}

export interface ServedCollector {
  url: string;
  server: Server;
  stats: CollectorStats;
  /**
   * Refuses new requests (503), answers those under way, closes the open segment, ships what the spool
   * holds for up to `drainMs` (default 30 s), then stops. Resolves with the segments left for the next start.
   */
  close(drainMs?: number): Promise<number>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Bytes of a refused request's body read and thrown away so its client reads the answer. */
const DISCARD_LIMIT = 64 * 1024 * 1024;

/**
 * A request refused before its body was read: closing at once would reset a client still sending (it sees
 * EPIPE, not the 413 or 401). The rest of the body is read and thrown away, up to DISCARD_LIMIT (and the
 * request's time limit); a larger one, declared or sent, gets its connection closed.
 */
function discardBody(req: IncomingMessage, res: ServerResponse): void {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > DISCARD_LIMIT) {
    res.setHeader('connection', 'close');
    return;
  }
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT) req.socket.destroy();
  });
  req.resume();
}

/** True when the collector may listen there without keys. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/**
 * The HTTP collector: `POST /v1/events` (NDJSON or a JSON array, optionally gzip) answered 202 once the
 * events are on disk in the spool; `GET /v1/health`.
 */
export async function serveCollector(options: CollectorOptions): Promise<ServedCollector> {
  const host = options.host ?? '127.0.0.1';
  const spools = [options.spool, ...(options.scoped?.values() ?? [])];
  for (const scope of options.keys.scopes) {
    if (!options.scoped?.has(scope.join('\n'))) throw new CollectorConfigError(`no spool for the write key limited to ${scope.join(', ')}`);
  }
  const spoolFor = (grant: Grant) => (grant.scope === ANY_SCOPE ? options.spool : options.scoped!.get(grant.scope)!);
  if (options.keys.open && !isLoopback(host)) {
    throw new CollectorConfigError(`the collector listens on ${host} only with write keys: set GAMELAKE_WRITE_KEYS (*=key)`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const stats: CollectorStats = { startedAt: new Date().toISOString(), requests: 0, accepted: 0, events: 0, refused: {} };
  let stopping = false;

  const metrics = collectorMetrics(() => spoolTotals(spools));
  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    metrics.answered(status);
    if (status >= 400) stats.refused[status] = (stats.refused[status] ?? 0) + 1;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
    res.end(text);
  };

  const health = () => {
    const reasons: string[] = [];
    if (stopping) reasons.push('shutting down');
    const totals = spoolTotals(spools);
    if (spools.some((s) => s.full())) reasons.push(`spool full (${totals.depthBytes} of ${options.spool.limitBytes} bytes)`);
    if (options.shipper?.temporalError) reasons.push(`Temporal unreachable: ${options.shipper.temporalError}`);
    return {
      ready: reasons.length === 0,
      reasons,
      spool: { depth_bytes: totals.depthBytes, limit_bytes: options.spool.limitBytes, closed_segments: totals.closedSegments },
      shipping: options.shipper?.shipping ?? 0,
      stats,
    };
  };

  const events = async (req: IncomingMessage, res: ServerResponse) => {
    if (stopping) throw new ShuttingDownError();
    const spool = spoolFor(options.keys.authorize(req.headers.authorization));
    if (spool.full()) {
      req.resume();
      throw new SpoolFullError(spool.depthBytes(), spool.limitBytes, 5);
    }
    const body = await readBody(req, maxBodyBytes);
    const events = bodyEvents(body, req.headers['content-type']);
    await spool.appendChunk(events.data, events.lines);
    stats.accepted += 1;
    metrics.acknowledged(events.lines);
    stats.events += events.lines;
    answer(res, 202, { request_id: randomUUID(), lines: events.lines });
  };

  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  // Node checks the time limits at this interval (30 s by default, which would let a slow body run for a minute).
  const server = createServer({ connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(requestTimeout / 4))) }, (req, res) => {
    stats.requests += 1;
    const url = new URL(req.url ?? '/', 'http://collector');
    const route = `${req.method} ${url.pathname}`;
    const run = async () => {
      if (route === 'POST /v1/events') return events(req, res);
      if (route === 'GET /metrics') {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
        return void res.end(text);
      }
      if (route === 'GET /v1/health') {
        const h = health();
        return answer(res, h.ready ? 200 : 503, h);
      }
      req.resume();
      if (url.pathname === '/v1/events' || url.pathname === '/v1/health') return answer(res, 405, { error: `${req.method} is not allowed on ${url.pathname}` });
      return answer(res, 404, { error: `no such endpoint: ${url.pathname} (POST /v1/events, GET /v1/health, GET /metrics)` });
    };
    run().catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof CollectorRequestError) {
        if (!req.readableEnded) discardBody(req, res);
        return answer(res, err.status, { error: err.message }, err.headers);
      }
      if (req.destroyed || (err as NodeJS.ErrnoException).code === 'ECONNRESET') return;
      answer(res, 500, { error: `the collector could not store the request: ${(err as Error).message}` });
    });
  });
  server.requestTimeout = requestTimeout;
  server.headersTimeout = Math.min(server.requestTimeout, 10_000);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_COLLECTOR_PORT, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  options.shipper?.start();
  // The status the UI's Pipeline page shows, every 2 s in the spool's folder.
  const eventRate = new RateMeter();
  const requestRate = new RateMeter();
  const report = (running: boolean) =>
    writeLiveStatus(path.dirname(options.spool.openDir), {
      kind: 'collector',
      name: url,
      pid: process.pid,
      startedAt: stats.startedAt,
      updatedAt: new Date().toISOString(),
      running,
      events: stats.events,
      requests: stats.requests,
      accepted: stats.accepted,
      refused: stats.refused,
      eventsPerSecond: eventRate.sample(stats.events),
      requestsPerSecond: requestRate.sample(stats.requests),
      spool: { ...spoolTotals(spools), limitBytes: options.spool.limitBytes },
    });
  report(true);
  const reporter = setInterval(() => report(true), 2000);
  reporter.unref();
  return {
    url,
    server,
    stats,
    async close(drainMs = 30_000) {
      stopping = true;
      clearInterval(reporter);
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      await closed;
      for (const s of spools) await s.close();
      const left = options.shipper ? await options.shipper.drain(drainMs) : spoolTotals(spools).closedSegments;
      report(false);
      return left;
    },
  };
}
