import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type { DuckDBValue } from '@duckdb/node-api';
import { exportQuery, FORMATS, type Format } from '../warehouse/export.ts';
import {
  bindParams,
  listQueries,
  loadQuery,
  QueryError,
  QueryNotFoundError,
  QueryRefusedError,
  QueryCancelledError,
  QueryTimeoutError,
  ResultTooLargeError,
  runSql,
  WarehouseMissingError,
  withWarehouse,
  type ReaderOptions,
} from '../warehouse/queries.ts';
import { GateCancelledError, GateFullError, QueryGate } from './query-gate.ts';
import { LakeCatalogError } from '../lake/index.ts';
import { GamelakeError } from '../transforms/errors.ts';
import { uiMetrics } from '../platform/metrics.ts';
import { warehouseStatus } from '../warehouse/status.ts';
import type { PageContext, UiDeps } from './context.ts';
import { isLoopbackHost, newLoginCode, requestGuard, securityHeaders, type GuardOptions } from './request-guard.ts';
import { html, layout, notice, type Html } from './html.ts';
import { catalogPage } from './pages/catalog.ts';
import { dotaPage } from './pages/dota.ts';
import { economyPage } from './pages/economy.ts';
import { leaderboardsPage, playerPage } from './pages/leaderboards.ts';
import { pipelinePage } from './pages/pipeline.ts';
import { queriesPage, queryPage, sqlPage } from './pages/queries.ts';
import { tradesPage } from './pages/trades.ts';

export const DEFAULT_UI_PORT = 8234;

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The folder of an installed package (its package.json need not be exported). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!existsSync(path.join(dir, 'package.json')) || JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of the package ${name}`);
    dir = up;
  }
  return dir;
}

/** Files the pages load: the chart script and style (ours), Observable Plot and d3 (from node_modules). */
const STATIC: Record<string, { file: string; type: string }> = {
  'app.js': { file: path.join(here, 'static', 'app.js'), type: 'text/javascript; charset=utf-8' },
  'style.css': { file: path.join(here, 'static', 'style.css'), type: 'text/css; charset=utf-8' },
  'plot.js': { file: path.join(packageDir('@observablehq/plot'), 'dist', 'plot.umd.min.js'), type: 'text/javascript; charset=utf-8' },
  'd3.js': { file: path.join(packageDir('d3'), 'dist', 'd3.min.js'), type: 'text/javascript; charset=utf-8' },
};

const CONTENT_TYPES: Record<Format, string> = {
  table: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/x-ndjson; charset=utf-8',
  arrow: 'application/vnd.apache.arrow.stream',
  parquet: 'application/vnd.apache.parquet',
};

/** An error's HTTP status and a one-line message for the person or program that asked. */
function describe(err: unknown): { status: 400 | 404 | 408 | 413 | 500 | 503; kind: string; message: string } {
  const message = (err as Error).message?.split('\n')[0] ?? String(err);
  if (err instanceof GateFullError) return { status: 503, kind: 'busy', message };
  if (err instanceof GateCancelledError || err instanceof QueryCancelledError) return { status: 503, kind: 'cancelled', message };
  if (err instanceof ResultTooLargeError) return { status: 413, kind: 'too_large', message };
  if (err instanceof WarehouseMissingError) return { status: 503, kind: 'warehouse_missing', message };
  if (err instanceof QueryRefusedError) return { status: 400, kind: 'refused', message };
  if (err instanceof QueryTimeoutError) return { status: 408, kind: 'timeout', message };
  if (err instanceof QueryNotFoundError) return { status: 404, kind: 'not_found', message };
  if (err instanceof QueryError) return { status: 400, kind: 'bad_query', message };
  if (err instanceof NotFound) return { status: 404, kind: 'not_found', message };
  if (err instanceof LakeCatalogError) return { status: 503, kind: 'lake_catalog', message };
  // DuckDB's own errors (a syntax error, a missing column) are the asker's mistake, not the server's.
  if (/\b(Parser|Binder|Catalog|Conversion|Invalid Input|Permission|Out of Range|Out of Memory) Error\b/.test(message))
    return { status: 400, kind: 'sql_error', message: message.replace(/^Failed to extract statements: /, '') };
  return { status: 500, kind: 'internal', message };
}

class NotFound extends Error {}

/** The gamelake UI as a Hono app (tests and `gamelake ui` serve it; `fetch` answers a Request). */
export function createUiApp(deps: UiDeps, options: Partial<GuardOptions> & { stopping?: AbortSignal } = {}): Hono {
  const app = new Hono();
  app.use(securityHeaders);
  app.use(requestGuard({ ...options, loopbackOnly: options.loopbackOnly ?? true }));
  const sqlTimeoutMs = deps.sqlTimeoutMs ?? 10_000;
  // Ad-hoc SQL (the SQL box, the API) and the pages wait in separate gates: a busy SQL box never holds a page.
  const sqlGate = new QueryGate({ name: 'SQL queries', running: deps.sqlConcurrency ?? 2, queued: deps.sqlQueue ?? 8 });
  const pageGate = new QueryGate({ name: 'pages', running: 4, queued: 64 });
  /** Ad-hoc SQL's sessions: one thread each, a memory limit of their own. */
  const adHoc: ReaderOptions = { memoryLimit: deps.sqlMemoryLimit ?? '1GB', threads: 1 };
  /** Aborted when the client goes away or the server stops: the running query is interrupted. */
  const signalOf = (c: Context) => (options.stopping ? AbortSignal.any([c.req.raw.signal, options.stopping]) : c.req.raw.signal);

  /** Renders a page from a read-only warehouse session opened for this request. */
  const page =
    (title: string, active: string, body: (ctx: PageContext) => Promise<Html>, gate = pageGate, reader: ReaderOptions = {}) =>
    async (c: Context) => {
      const startedAt = Date.now();
      const signal = signalOf(c);
      const content = await gate.run(signal, () =>
        withWarehouse(deps.warehousePath, (warehouse) => body({ deps, warehouse, query: (n) => c.req.query(n), params: c.req.param() as Record<string, string> }), {
          lakeDir: deps.lakeDir,
          timeoutMs: sqlTimeoutMs,
          signal,
          ...reader,
        }),
      );
      return c.html(await layout({ title, active, temporalUiUrl: deps.temporalUiUrl, startedAt }, content));
    };

  // Prometheus: each mart's freshness and the last build (read from the warehouse at each scrape).
  const convergence = loadQuery('convergence_status');
  const metrics = uiMetrics(
    () => warehouseStatus(deps.warehousePath, deps.lakeDir),
    async () => (await runSql(deps.warehousePath, convergence.sql)).rows.map((r) => ({ entity: String(r.entity), total: Number(r.total), stubs: Number(r.stubs) })),
  );
  app.get('/metrics', async (c) => c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }));
  app.get('/', (c) => c.redirect('/pipeline'));
  app.get('/pipeline', page('Pipeline', '/pipeline', pipelinePage));
  app.get('/leaderboards', page('Leaderboards', '/leaderboards', leaderboardsPage));
  app.get('/players/:product/:player', async (c) =>
    page(`Player ${c.req.param('player')}`, '/leaderboards', (ctx) => playerPage(ctx, c.req.param('product'), c.req.param('player')))(c),
  );
  app.get('/economy', page('Economy', '/economy', economyPage));
  app.get('/trades', page('Trades', '/trades', tradesPage));
  app.get('/dota', page('Dota', '/dota', dotaPage));
  app.get('/catalog', page('Catalog', '/catalog', catalogPage));
  app.get(
    '/queries',
    page('Queries', '/queries', () => queriesPage()),
  );
  app.get('/queries/:name', async (c) => page(`Query ${c.req.param('name')}`, '/queries', (ctx) => queryPage(ctx, c.req.param('name')))(c));
  app.get('/sql', page('SQL', '/queries', sqlPage, sqlGate, adHoc));

  // The query API: the same named queries and the same read-only sandbox, results in any export format.
  const answer = async (c: Context, query: () => { sql: string; params?: Record<string, DuckDBValue>; round?: Record<string, number> }) => {
    const format = (c.req.query('format') ?? 'json') as Format;
    if (!FORMATS.includes(format)) throw new QueryError(`format must be one of ${FORMATS.join(', ')} (got ${format})`);
    const q = query();
    const signal = signalOf(c);
    const body = await sqlGate.run(signal, () =>
      withWarehouse(deps.warehousePath, (warehouse) => exportQuery(warehouse, q, format), {
        lakeDir: deps.lakeDir,
        timeoutMs: sqlTimeoutMs,
        parquet: format === 'parquet',
        signal,
        maxRows: deps.apiMaxRows ?? 1_000_000,
        ...adHoc,
      }),
    );
    return c.body(typeof body === 'string' ? body : new Uint8Array(body), 200, { 'content-type': CONTENT_TYPES[format] });
  };
  app.get('/api/queries', (c) => c.json({ queries: listQueriesForApi() }));
  app.get('/api/queries/:name', (c) =>
    answer(c, () => {
      const q = loadQuery(c.req.param('name'));
      const given = Object.fromEntries(Object.entries(c.req.query()).filter(([k]) => k !== 'format'));
      return { sql: q.sql, params: bindParams(q, given, 'url'), round: q.round };
    }),
  );
  app.get('/api/sql', (c) => answer(c, () => ({ sql: c.req.query('q') ?? '' })));
  app.post('/api/sql', async (c) => {
    const body = await c.req.text();
    return answer(c, () => ({ sql: body }));
  });

  app.get('/static/:file', (c) => {
    const f = STATIC[c.req.param('file')];
    if (!f) throw new NotFound(`no static file ${c.req.param('file')}`);
    return c.body(readFileSync(f.file), 200, { 'content-type': f.type, 'cache-control': 'public, max-age=3600' });
  });

  app.notFound((c) => {
    if (c.req.path.startsWith('/api/')) return c.json({ error: { kind: 'not_found', message: `no such API: ${c.req.path}` } }, 404);
    return c.html(layout({ title: 'Not found', active: '', temporalUiUrl: deps.temporalUiUrl }, html`<p class="error">No page at ${c.req.path}.</p>`) as Promise<string>, 404);
  });
  app.onError(async (err, c) => {
    const d = describe(err);
    if (err instanceof GateFullError) c.header('retry-after', String(err.retryAfterSeconds));
    if (c.req.path.startsWith('/api/')) return c.json({ error: { kind: d.kind, message: d.message } }, d.status);
    const hint = d.kind === 'warehouse_missing' ? notice('Build it with `gamelake marts build --wait` (gamelake dev and the demo do so after each batch).') : '';
    return c.html(
      await layout(
        { title: d.status === 404 ? 'Not found' : 'Something went wrong', active: '', temporalUiUrl: deps.temporalUiUrl },
        html`<p class="error" id="error">${d.message}</p>${hint}`,
      ),
      d.status,
    );
  });
  return app;
}

function listQueriesForApi() {
  return listQueries().map((q) => ({ name: q.name, description: q.description, params: q.params }));
}

export interface ServedUi {
  url: string;
  /** With a token: the one-time link that logs a browser in (sets the token's cookie). */
  loginUrl?: string;
  server: ServerType;
  close(): Promise<void>;
}

/** A UI beyond loopback without a token, or a token too short to guess at: refused at start. */
export class UiExposureError extends GamelakeError {}

/**
 * Serves the UI on host:port (127.0.0.1 unless told otherwise); resolves once it listens. Beyond loopback it
 * needs a token (`token`, from $GAMELAKE_UI_TOKEN) and answers only to `hosts` when given.
 */
export async function serveUi(deps: UiDeps, options: { port?: number; host?: string; token?: string; hosts?: readonly string[] } = {}): Promise<ServedUi> {
  const host = options.host ?? '127.0.0.1';
  const loopbackOnly = isLoopbackHost(host);
  if (!loopbackOnly && !options.token)
    throw new UiExposureError(`refusing to serve the UI on ${host} without a token: set GAMELAKE_UI_TOKEN (at least 16 characters), or serve on 127.0.0.1`);
  if (options.token !== undefined && options.token.length < 16) throw new UiExposureError('GAMELAKE_UI_TOKEN is too short: use at least 16 random characters');
  const stopping = new AbortController();
  const loginCode = options.token ? newLoginCode() : undefined;
  const app = createUiApp(deps, { loopbackOnly, hosts: options.hosts, token: options.token, loginCode, stopping: stopping.signal });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? DEFAULT_UI_PORT, hostname: host }, (info: AddressInfo) => {
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host === '127.0.0.1' ? 'localhost' : host;
      resolve({
        url: `http://${shown}:${info.port}`,
        loginUrl: loginCode ? `http://${shown}:${info.port}/login/${loginCode}` : undefined,
        server,
        // Stops at once: running queries are interrupted, idle connections closed, busy ones after a grace period.
        close: () =>
          new Promise<void>((r) => {
            stopping.abort(new Error('the UI is stopping'));
            const http = server as import('node:http').Server;
            const force = setTimeout(() => http.closeAllConnections?.(), 2000);
            server.close(() => {
              clearTimeout(force);
              r();
            });
            http.closeIdleConnections?.();
          }),
      });
    });
    server.once('error', reject);
  });
}
