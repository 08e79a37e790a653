import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BatchManifest } from '../activities/index.ts';
import { lakeStatus, UNKNOWN_PRODUCT } from '../lake/index.ts';
import { readLiveSources } from './live-status.ts';

/**
 * gamelake's Prometheus metrics (prom-client), named by Prometheus' conventions: base units, `_total`
 * counters, `_seconds` durations, labels with few values (a quarantine reason's list indexes are dropped:
 * `wrong_type:sides[].gold`). A process makes the registry of its role (worker, collector, UI) and serves
 * it on `/metrics`; the worker adds the Temporal SDK's own metrics (the Runtime's Prometheus telemetry).
 */
const SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * One read shared by the gauges of a scrape (prom-client collects them at once): the files or the
 * warehouse are read once per scrape, not once per gauge; the next scrape reads again.
 */
function perScrape<T>(read: () => Promise<T> | T): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= Promise.resolve()
      .then(read)
      .finally(() => setTimeout(() => (pending = undefined), 0)));
}

/** A quarantine reason as a label: list indexes dropped, so the label has as many values as the contracts have paths. */
export function reasonLabel(reason: string): string {
  return reason.replace(/\[\d+\]/g, '[]').replace(/^duplicate_event_id:.*$/, 'duplicate_event_id');
}

export interface WorkerMetrics {
  registry: Registry;
  /** A batch committed (its manifest): lines by outcome, reasons, events by type, bytes, durations. */
  onCommitted(m: BatchManifest): void;
  /** A warehouse build finished. */
  onBuilt(built: { kind: string; ms: number }): void;
  /** A batch failed for good. */
  onFailed(batchId: string): void;
  /** A Steam API call's outcome, made with key `key` (its position in STEAM_API_KEYS). */
  onSteamCall(endpoint: string, outcome: string, key: number): void;
  /** The calls per second each key may make (STEAM_RATE_PER_SEC): the budget the calls are measured against. */
  steamBudget(keys: number, ratePerSec: number): void;
}

/**
 * The worker's metrics; the lake's files and bytes per table are read from the catalog at each scrape, and
 * the Redis consumers' pending entries and lag from the status files they write under `spoolDir`.
 */
export function workerMetrics(lakeDir: string, spoolDir?: string): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const lines = new Counter({
    name: 'gamelake_ingest_lines_total',
    help: "Lines of committed batches, by product (a contract's, or unknown: a line whose product is missing or names no contract) and outcome (accepted, quarantined, duplicate).",
    labelNames: ['product', 'outcome'],
    registers,
  });
  const reasons = new Counter({
    name: 'gamelake_quarantine_lines_total',
    help: 'Quarantined lines of committed batches, by reason (list indexes dropped).',
    labelNames: ['reason'],
    registers,
  });
  const events = new Counter({ name: 'gamelake_ingest_events_total', help: 'Accepted events of committed batches, by event type.', labelNames: ['event_type'], registers });
  const batches = new Counter({ name: 'gamelake_batches_committed_total', help: 'Batches committed to the lake.', registers });
  const failed = new Counter({ name: 'gamelake_batches_failed_total', help: 'Batches that failed for good (their workflow cleaned up after them).', registers });
  const steam = new Counter({
    name: 'gamelake_steam_calls_total',
    help: 'Steam Web API calls, by key (its position in STEAM_API_KEYS), endpoint and outcome (ok, rate_limited: a 429, refused: 401/403/404, failed: 5xx, timeouts, malformed answers).',
    labelNames: ['key', 'endpoint', 'outcome'],
    registers,
  });
  const budget = new Gauge({
    name: 'gamelake_steam_budget_calls_per_second',
    help: 'The calls per second each Steam key may make (STEAM_RATE_PER_SEC): rate(gamelake_steam_calls_total) over it is the budget used. Every worker reports the same, global budget.',
    labelNames: ['key'],
    registers,
  });
  const bytes = new Counter({ name: 'gamelake_ingest_bytes_total', help: 'Bytes of the batch files committed.', registers });
  const stage = new Histogram({ name: 'gamelake_stage_duration_seconds', help: 'Time to stage a batch (validate, de-duplicate, flatten).', buckets: SECONDS_BUCKETS, registers });
  const commit = new Histogram({ name: 'gamelake_commit_duration_seconds', help: "Time to commit a staged batch into the lake's catalog.", buckets: SECONDS_BUCKETS, registers });
  const build = new Histogram({
    name: 'gamelake_build_duration_seconds',
    help: 'Time of a warehouse build, by kind (incremental, full).',
    labelNames: ['kind'],
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const readLake = perScrape(async () => (await lakeStatus(lakeDir)).tables);
  new Gauge({
    name: 'gamelake_lake_files',
    help: 'Live files of each lake table.',
    labelNames: ['table'],
    registers,
    async collect() {
      for (const t of await readLake().catch(() => [])) this.set({ table: t.table }, t.files);
    },
  });
  new Gauge({
    name: 'gamelake_lake_bytes',
    help: 'Bytes of the live files of each lake table.',
    labelNames: ['table'],
    registers,
    async collect() {
      for (const t of await readLake().catch(() => [])) this.set({ table: t.table }, t.bytes);
    },
  });
  const consumers = perScrape(() => (spoolDir ? readLiveSources(spoolDir).filter((x) => x.kind === 'redis-consumer' && x.state === 'running') : []));
  new Gauge({
    name: 'gamelake_consumer_pending',
    help: "Entries a Redis consumer's group holds delivered and not acknowledged (XINFO GROUPS, as the consumer last reported it).",
    labelNames: ['consumer'],
    registers,
    async collect() {
      this.reset();
      for (const c of await consumers()) if (c.redis?.pending !== null && c.redis?.pending !== undefined) this.set({ consumer: c.name }, c.redis.pending);
    },
  });
  new Gauge({
    name: 'gamelake_consumer_lag',
    help: "Entries of a Redis stream not yet delivered to the consumer's group (XINFO GROUPS lag).",
    labelNames: ['consumer'],
    registers,
    async collect() {
      this.reset();
      for (const c of await consumers()) if (c.redis?.lag !== null && c.redis?.lag !== undefined) this.set({ consumer: c.name }, c.redis.lag);
    },
  });
  failed.inc(0);
  return {
    registry,
    onCommitted(m) {
      for (const [product, n] of Object.entries(m.byProduct ?? { [UNKNOWN_PRODUCT]: m })) {
        lines.inc({ product, outcome: 'accepted' }, n.accepted);
        lines.inc({ product, outcome: 'quarantined' }, n.quarantined);
        lines.inc({ product, outcome: 'duplicate' }, n.duplicates);
      }
      for (const [reason, n] of Object.entries(m.rejectedByReason)) reasons.inc({ reason: reasonLabel(reason) }, n);
      for (const [type, n] of Object.entries(m.eventTypes)) events.inc({ event_type: type }, n);
      batches.inc();
      bytes.inc(m.bytes);
      stage.observe(m.stageMs / 1000);
      commit.observe(m.commitMs / 1000);
    },
    onBuilt(b) {
      build.observe({ kind: b.kind }, b.ms / 1000);
    },
    onFailed() {
      failed.inc();
    },
    onSteamCall(endpoint, outcome, key) {
      steam.inc({ key: String(key), endpoint, outcome });
    },
    steamBudget(keys, ratePerSec) {
      for (let k = 1; k <= keys; k++) budget.set({ key: String(k) }, ratePerSec);
    },
  };
}

/**
 * Serves `/metrics` (Prometheus' text format) on 127.0.0.1 or `host`: the registry's metrics, then what
 * `extra` returns (the SDK's, fetched from its own endpoint).
 */
export async function serveMetrics(
  registry: Registry,
  options: { port: number; host?: string; extra?: () => Promise<string> },
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('metrics are at /metrics\n');
      return;
    }
    void (async () => {
      try {
        const own = await registry.metrics();
        const extra = options.extra ? await options.extra().catch(() => '') : '';
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(`${own}\n${extra}`);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`metrics failed: ${(err as Error).message}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/metrics`,
    server,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface CollectorMetrics {
  registry: Registry;
  /** An answer sent, by HTTP status. */
  answered(status: number): void;
  /** Events of a request acknowledged (202). */
  acknowledged(events: number): void;
}

/** The collector's metrics; its spools' depth is read at each scrape. */
export function collectorMetrics(spools: () => { depthBytes: number; closedSegments: number }): CollectorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const requests = new Counter({ name: 'gamelake_collector_requests_total', help: 'Requests answered by the collector, by HTTP status.', labelNames: ['status'], registers });
  const events = new Counter({ name: 'gamelake_collector_events_total', help: 'Events acknowledged (202: written and fsynced to the spool).', registers });
  new Gauge({
    name: 'gamelake_spool_bytes',
    help: "Bytes the collector's spools hold: closed segments not yet ingested, the open one, appends waiting.",
    registers,
    collect() {
      this.set(spools().depthBytes);
    },
  });
  new Gauge({
    name: 'gamelake_spool_segments',
    help: 'Closed spool segments waiting to be ingested.',
    registers,
    collect() {
      this.set(spools().closedSegments);
    },
  });
  return {
    registry,
    answered: (status) => requests.inc({ status: String(status) }),
    acknowledged: (n) => events.inc(n),
  };
}

/**
 * The UI's metrics, read from the warehouse at each scrape: each mart's freshness (seconds since a build
 * last refreshed it), the last build, and how complete the Steam mirror is per entity type.
 */
export function uiMetrics(
  status: () => Promise<{ marts: Array<{ model: string; refreshedAt: string | null }>; lastBuild: { kind: string; ms: number } | null }>,
  convergence: () => Promise<Array<{ entity: string; total: number; stubs: number }>> = async () => [],
): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const once = perScrape(status);
  new Gauge({
    name: 'gamelake_mart_freshness_seconds',
    help: 'Seconds since a warehouse build last refreshed each mart.',
    labelNames: ['mart'],
    registers,
    async collect() {
      const s = await once().catch(() => undefined);
      for (const m of s?.marts ?? []) if (m.refreshedAt) this.set({ mart: m.model }, (Date.now() - Date.parse(m.refreshedAt)) / 1000);
    },
  });
  new Gauge({
    name: 'gamelake_last_build_duration_seconds',
    help: 'Duration of the last warehouse build, by kind.',
    labelNames: ['kind'],
    registers,
    async collect() {
      const s = await once().catch(() => undefined);
      if (s?.lastBuild) this.set({ kind: s.lastBuild.kind }, s.lastBuild.ms / 1000);
    },
  });
  new Gauge({
    name: 'gamelake_steam_entities',
    help: 'Entities of the Steam mirror per type (convergence_status), by state: complete, or stub (known by id only).',
    labelNames: ['entity', 'state'],
    registers,
    async collect() {
      this.reset();
      for (const c of await convergence().catch(() => [])) {
        this.set({ entity: c.entity, state: 'complete' }, c.total - c.stubs);
        this.set({ entity: c.entity, state: 'stub' }, c.stubs);
      }
    },
  });
  return registry;
}
