import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSteamClient, createSteamFetchActivities } from '../../activities/steam/index.ts';
import { loadContracts } from '../../lake/index.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { startSteamSim } from '../../sim/steam/server.ts';
import { serveUi, type ServedUi } from '../../ui/index.ts';
import { defaultScoring } from '../../warehouse/build.ts';
import { loadModels } from '../../warehouse/models.ts';
import { martsBuildWorkflow } from '../../workflows/index.ts';
import { runCli, tempDataDir, uniqueTaskQueue, useTestClient, withWorker, ndjson } from './helpers.ts';

/**
 * The gamelake UI in a real browser (Debian's chromium through playwright-core) against a real warehouse
 * built from simulated batches through a real worker: every page loads without a console error, its charts
 * have the marks their data implies, and the numbers shown are those `gamelake query` prints.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts/ui');
const testServer = useTestClient();

let dataDir: string;
let env: Record<string, string>;
let ui: ServedUi;
let browser: Browser;
const consoleErrors: string[] = [];

async function query(name: string, params: Record<string, string> = {}): Promise<Array<Record<string, unknown>>> {
  const r = await runCli(['query', name, '--format', 'json', ...Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`])], env);
  expect(r.status, r.stderr).toBe(0);
  return ndjson(r.stdout);
}

async function open(pathname: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${pathname}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${pathname}: ${String(e)}`));
  const response = await page.goto(`${ui.url}${pathname}`);
  expect(response?.status(), pathname).toBe(200);
  await page.waitForFunction('document.documentElement.dataset.charts === "drawn"');
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${pathname.slice(1).replace(/[^a-z0-9]+/gi, '-') || 'index'}.png`), fullPage: true });
  return page;
}

/** Marks of one kind in a chart (Plot labels each mark's group: bar, line, dot). */
const marks = (page: Page, chart: string, mark: 'bar' | 'line' | 'dot', element: string) => page.locator(`#${chart} svg g[aria-label="${mark}"] ${element}`).count();
const cell = (page: Page, table: string, row: number, column: string) => page.locator(`#${table} tbody tr`).nth(row).locator(`td[data-col="${column}"]`).innerText();
const tile = (page: Page, id: string) => page.locator(`#${id} .value`).innerText();
const number = (text: string) => Number(text.replaceAll(',', ''));

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH`);
  dataDir = tempDataDir('gamelake-ui-');
  const queue = uniqueTaskQueue('ui');
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue };
  const sim = path.join(dataDir, 'sim');
  const truth = await simulateEvents({ game: 'all', players: 300, events: 5000, seed: 'ui', badRate: 0.02, cheatRate: 0.05, batches: 3, outDir: sim });
  // A file that is not gzip although it says so: its batch fails (and shows on the Pipeline page).
  const broken = path.join(sim, 'broken.ndjson.gz');
  writeFileSync(broken, Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('not really gzip')]));
  // A slice of the Steam mirror, fetched over HTTP from the simulator.
  const steam = await startSteamSim({ world: { seed: 'ui', players: 60, matches: 300 } });
  const client = createSteamClient({ baseUrl: steam.url, leagueBaseUrl: steam.url, apiKey: undefined });
  try {
    const fetch = createSteamFetchActivities({ lakeDir: path.join(dataDir, 'lake'), client });
    await fetch.steamHeroes();
    await fetch.steamItems();
    await fetch.steamSequencePage({ startSeq: 0, count: 100, by: 'sweep' });
    await fetch.steamSequencePage({ startSeq: 100, count: 100, by: 'sweep' });
  } finally {
    await client.close();
    await steam.close();
  }
  await withWorker(dataDir, queue, async () => {
    const ok = await runCli(['ingest', '--wait', ...truth.batches.map((b) => path.join(sim, b.file))], env);
    expect(ok.status, ok.stderr).toBe(0);
    const bad = await runCli(['ingest', '--wait', broken], env);
    expect(bad.status).toBe(1);
    await testServer.client.workflow.execute(martsBuildWorkflow, { taskQueue: queue, workflowId: `ui-build-${queue}`, args: [{}] });
  });
  ui = await serveUi(
    {
      warehousePath: path.join(dataDir, 'warehouse.duckdb'),
      lakeDir: path.join(dataDir, 'lake'),
      temporalUiUrl: 'http://localhost:8233',
      namespace: 'default',
      taskQueue: queue,
      registry: loadContracts(),
      scoring: defaultScoring,
      temporal: async () => testServer.client,
      sqlTimeoutMs: 5000,
    },
    { port: 0 },
  );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await ui?.close();
});

describe('the gamelake UI in a browser', () => {
  it('Pipeline: batches, the failed batch with its reason and a Temporal link, quarantine reasons, lake files, the warehouse', async () => {
    const page = await open('/pipeline');
    expect(await tile(page, 'tile-batches')).toBe('3');
    // One stack of three bars (accepted, quarantined, duplicates) per batch.
    expect(await marks(page, 'chart-batches', 'bar', 'rect')).toBe(9);
    const batches = await query('batches');
    expect(number(await cell(page, 'batches', 0, 'accepted'))).toBe(batches[0]!.accepted);
    const failed = page.locator('#failed-batches tbody tr');
    expect(await failed.count()).toBe(1);
    expect(await failed.first().innerText()).toMatch(/failed at step stage: .*(gzip|cannot read)/i);
    expect(await failed.first().locator('a').getAttribute('href')).toMatch(/^http:\/\/localhost:8233\/namespaces\/default\/workflows\/ingest-batch-/);
    const reasons = await query('quarantine_reasons');
    expect(await page.locator('#quarantine-reasons tbody tr').count()).toBe(reasons.length);
    expect(await cell(page, 'quarantine-reasons', 0, 'reason')).toBe(reasons[0]!.reason);
    expect(await page.locator('#lake-files tbody tr').count()).toBeGreaterThan(5);
    expect(await page.locator('#marts tbody tr').count()).toBe(loadModels('marts').length);
  });

  it('Leaderboards: the ranks gamelake query leaderboard gives, and a player page', async () => {
    const page = await open('/leaderboards?product=exrps');
    const top = await query('leaderboard', { product: 'exrps', limit: '20' });
    expect(await marks(page, 'chart-leaderboard', 'bar', 'rect')).toBe(top.length);
    expect(await cell(page, 'leaderboard', 0, 'player_id')).toBe(top[0]!.player_id);
    expect(number(await cell(page, 'leaderboard', 0, 'score'))).toBe(top[0]!.score);
    expect(await tile(page, 'tile-scoring')).toMatch(/wins/);
    // Paging: the second page starts at rank row 26.
    const all = await query('leaderboard', { product: 'exrps', limit: '1000' });
    await page.locator('.pager a[rel="next"]').click();
    await page.waitForURL(/offset=25/);
    expect(await cell(page, 'leaderboard', 0, 'player_id')).toBe(all[25]!.player_id);
    const player = String(top[0]!.player_id);
    const p = await open(`/players/exrps/${player}`);
    const stats = (await query('player_stats', { product: 'exrps', player }))[0]!;
    expect(number(await tile(p, 'tile-games'))).toBe(stats.games);
    expect(number(await tile(p, 'tile-wins'))).toBe(stats.wins);
    expect(await marks(p, 'chart-weapons', 'bar', 'rect')).toBe(4);
  });

  it('Economy: the Gini and the histogram of gamelake query, the Lorenz curve', async () => {
    const page = await open('/economy?product=trade-engine');
    const summary = (await query('wealth_summary', { product: 'trade-engine' }))[0]!;
    expect(Number(await tile(page, 'tile-gini'))).toBeCloseTo(summary.gini as number, 4);
    const histogram = await query('wealth_histogram', { product: 'trade-engine' });
    expect(await marks(page, 'chart-histogram', 'bar', 'rect')).toBe(histogram.length);
    expect(await marks(page, 'chart-lorenz', 'dot', 'circle')).toBe((await query('lorenz_curve', { product: 'trade-engine' })).length);
    // The curve and the line of equality.
    expect(await marks(page, 'chart-lorenz', 'line', 'path')).toBe(2);
  });

  it('Trades: the most lopsided trade and the failed ones by reason', async () => {
    const page = await open('/trades');
    const lopsided = await query('imbalanced_trades', { limit: '1' });
    expect(await cell(page, 'imbalanced-trades', 0, 'trade_id')).toBe(lopsided[0]!.trade_id);
    const failed = await query('failed_trades_by_reason');
    expect(await marks(page, 'chart-failed', 'bar', 'rect')).toBe(failed.length);
    expect(number(await tile(page, 'tile-trades'))).toBe((await query('trades_count'))[0]!.trades);
  });

  it("Dota: hero win rates as gamelake query gives them, a player's matches, the mirror's convergence", async () => {
    const heroes = await query('hero_win_rates');
    const page = await open('/dota');
    expect(await marks(page, 'chart-heroes', 'bar', 'rect')).toBe(heroes.filter((h) => h.hero_name !== null).length);
    expect(await cell(page, 'hero-win-rates', 0, 'hero_name')).toBe(heroes[0]!.hero_name);
    expect(Number(await cell(page, 'hero-win-rates', 0, 'win_rate'))).toBeCloseTo(heroes[0]!.win_rate as number, 2);
    const convergence = await query('convergence_status');
    expect(await marks(page, 'chart-convergence', 'bar', 'rect')).toBe(convergence.length);
    const [someone] = await query('player_matches', {
      account_id: String((await runCliSql('SELECT account_id FROM mart_dota_player_stats ORDER BY matches DESC LIMIT 1'))[0]!.account_id),
    });
    expect(someone).toBeDefined();
    await page.fill('input[name="account_id"]', String((await runCliSql('SELECT account_id FROM mart_dota_player_stats ORDER BY matches DESC LIMIT 1'))[0]!.account_id));
    await page.locator('form:has(input[name="account_id"]) button').click();
    await page.waitForSelector('#player-matches');
    expect(await cell(page, 'player-matches', 0, 'match_id')).toBe(String(someone!.match_id));
  });

  it('Catalog: every model with its grain, columns and checks, and the lineage graph', async () => {
    const page = await open('/catalog');
    expect(await page.locator('section.model[data-layer="marts"]').count()).toBeGreaterThanOrEqual(20);
    expect(await page.locator('#mart_trade_anomalies').innerText()).toMatch(/Grain: one row per trade/);
    expect(await page.locator('#mart_trade_anomalies .badge.pass').count()).toBeGreaterThan(3);
    const svg = page.locator('.lineage svg');
    expect(Number(await svg.getAttribute('data-edges'))).toBeGreaterThan(30);
    expect(await page.locator('#columns-lake_trades tbody tr').count()).toBeGreaterThan(8);
  });

  it('Queries: a form per query, results, downloads; the SQL box refuses what is not a read', async () => {
    const page = await open('/queries/leaderboard');
    await page.fill('input[name="limit"]', '3');
    await page.locator('#query-form button').click();
    await page.waitForSelector('#result');
    expect(await page.locator('#result tbody tr').count()).toBe(3);
    const csv = await (await fetch(`${ui.url}/api/queries/leaderboard?product=exrps&limit=3&format=csv`)).text();
    expect(csv.split('\n')[0]).toBe('rank,player_id,score,games,wins,losses');
    const sql = await open('/sql');
    for (const [statement, refusal] of [
      ["COPY (SELECT 1) TO '/tmp/gamelake-ui-x.csv'", /disabled by configuration|only queries/],
      ["ATTACH '/tmp/gamelake-ui-y.duckdb' AS y", /disabled by configuration|only queries/],
      ["SELECT * FROM read_text('/etc/passwd')", /disabled by configuration/],
      ['CREATE TABLE x AS SELECT 1', /read-only|only queries/],
      ['INSERT INTO batches SELECT * FROM batches', /read-only|only queries/],
      ['SELECT 1; SELECT 2', /one statement at a time/],
      ["EXPLAIN ANALYZE COPY (SELECT 'x' a) TO '/tmp/gamelake-ui-z.csv' (FORMAT csv)", /EXPLAIN ANALYZE runs the statement it explains/],
      ["EXPORT DATABASE '/tmp/gamelake-ui-export'", /only queries/],
    ] as const) {
      await sql.fill('textarea[name="q"]', statement);
      await sql.locator('#sql-form button').click();
      await sql.waitForSelector('#sql-error');
      expect(await sql.locator('#sql-error').innerText(), statement).toMatch(refusal);
    }
    for (const f of ['/tmp/gamelake-ui-x.csv', '/tmp/gamelake-ui-y.duckdb', '/tmp/gamelake-ui-z.csv', '/tmp/gamelake-ui-export']) expect(existsSync(f), f).toBe(false);
    // A page on another site may send a simple POST (text/plain needs no preflight): the UI refuses it.
    const crossSite = await fetch(`${ui.url}/api/sql`, { method: 'POST', body: 'SELECT 1', headers: { 'content-type': 'text/plain', origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    const own = await fetch(`${ui.url}/api/sql`, { method: 'POST', body: 'SELECT 41 + 1 AS n', headers: { 'content-type': 'text/plain', origin: ui.url } });
    expect(own.status).toBe(200);
    expect(ndjson(await own.text())).toEqual([{ n: 42 }]);
    await sql.fill('textarea[name="q"]', 'SELECT count(*) AS trades FROM mart_trade_anomalies');
    await sql.locator('#sql-form button').click();
    await sql.waitForSelector('#result');
    expect(number(await cell(sql, 'result', 0, 'trades'))).toBe((await query('trades_count'))[0]!.trades);
  });

  it('answers bad requests with a clear error, never a stack trace', async () => {
    const unknown = await fetch(`${ui.url}/api/queries/no_such_query`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { kind: 'not_found', message: 'no query named "no_such_query" (see gamelake query --list)' } });
    const missing = await fetch(`${ui.url}/api/queries/player_stats`);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe('query player_stats needs ?player=VALUE');
    const extra = await fetch(`${ui.url}/api/queries/trades_count?bogus=1`);
    expect(extra.status).toBe(400);
    const badSql = await fetch(`${ui.url}/api/sql?q=${encodeURIComponent('SELEC 1')}`);
    expect(badSql.status).toBe(400);
    expect(JSON.stringify(await badSql.json())).not.toMatch(/at .*\.ts:\d+/);
    // A manifest that cannot be parsed (planted, or torn) is named on the page, not a 500.
    const forged = path.join(dataDir, 'lake', '_manifests', 'zz.json');
    writeFileSync(forged, 'x\n');
    try {
      const pipeline = await fetch(`${ui.url}/pipeline`);
      expect(pipeline.status).toBe(503);
      expect(await pipeline.text()).toContain(`${forged} is not a readable batch manifest`);
    } finally {
      rmSync(forged);
    }
    // The CLI's SQL goes through the same reader: EXPLAIN ANALYZE of a write is refused there too.
    const target = path.join(dataDir, 'lake', '_manifests', 'zz.csv');
    const cli = await runCli(['sql', `EXPLAIN ANALYZE COPY (SELECT 'x' a) TO '${target}' (FORMAT csv)`], env);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toBe('gamelake sql: EXPLAIN ANALYZE runs the statement it explains: use EXPLAIN without ANALYZE here\n');
    expect(existsSync(target)).toBe(false);
    const page = await fetch(`${ui.url}/no/such/page`);
    expect(page.status).toBe(404);
    expect(await page.text()).toMatch(/No page at \/no\/such\/page/);
  });

  it('made no console error on any page', () => {
    expect(consoleErrors.join('\n')).toBe('');
  });
});

async function runCliSql(sql: string): Promise<Array<Record<string, unknown>>> {
  const r = await runCli(['sql', sql, '--format', 'json'], env);
  expect(r.status, r.stderr).toBe(0);
  return ndjson(r.stdout);
}
