import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataLayout, type SteamConfig } from '../../platform/env.ts';
import { startForget, startSteamSweep } from '../../platform/client/jobs.ts';
import { STEAM_PLAYER_SCHEDULE_PREFIX } from '../../platform/client/schedules.ts';
import { steamId64 } from '../../transforms/steam/ids.ts';
import { decodedText } from './lake.ts';
import { groundTruth, startSteamSim, type GroundTruth, type SteamSim } from '../../sim/steam/index.ts';
import { openSteamState } from '../../activities/steam/plan.ts';
import { openDb } from '../../lake/duckdb.ts';
import { loadContracts } from '../../lake/contracts.ts';
import { buildWarehouse } from '../../warehouse/build.ts';
import { bindParams, loadQuery, runSql } from '../../warehouse/queries.ts';
import { steamPlayerWorkflow, steamScanWorkflow, steamSweepWorkflowId, type ForgetResult } from '../../workflows/index.ts';
import { tempDataDir, uniqueTaskQueue, useTestClient, withWorker, filesText } from './helpers.ts';

const KEY = 'TESTKEY-5f3c9e1d7a2b';

function steamConfig(sim: SteamSim, rate: number, key = KEY): SteamConfig {
  return { apiKey: key, baseUrl: sim.url, leagueBaseUrl: sim.url, ratePerSec: rate, timeoutMs: 1500 };
}

describe('Steam mirroring against the simulator', { timeout: 300_000 }, () => {
  const holder = useTestClient();
  let sim: SteamSim;
  let truth: GroundTruth;
  const dataDir = tempDataDir('gamelake-steam-');
  const layout = dataLayout(dataDir);
  const taskQueue = uniqueTaskQueue('steam');
  const rate = 10;
  let tracked: number[] = [];
  let privatePlayer = 0;
  const results: Record<string, unknown> = {};

  beforeAll(async () => {
    sim = await startSteamSim({
      world: { seed: 'converge', players: 60, matches: 250 },
      // About 15% of calls fail, each kind at least once (the first calls get one each): enough to prove the retries,
      // few enough that the exponential backoff keeps the scenario well inside the hook's time limit.
      faults: { '429': 0.04, '500': 0.03, '503': 0.02, timeout: 0.02, malformed: 0.02, empty: 0.02 },
      everyFaultFirst: true,
      rateLimit: rate,
      requireKey: KEY,
      timeoutHoldMs: 5000,
    });
    truth = groundTruth(sim.world!);
    const publicPlayers = truth.players.filter((p) => !p.private);
    tracked = publicPlayers.slice(3, 6).map((p) => p.account_id);
    privatePlayer = truth.players.find((p) => p.private)!.account_id;
    const client = holder.client;
    await withWorker(
      dataDir,
      taskQueue,
      async () => {
        results.scan = await client.workflow.execute(steamScanWorkflow, { taskQueue, workflowId: `${taskQueue}-scan`, args: [{ fromSeq: 0, pages: 1 }] });
        results.players = await Promise.all(
          [...tracked, privatePlayer].map((accountId) =>
            client.workflow.execute(steamPlayerWorkflow, { taskQueue, workflowId: `${taskQueue}-player-${accountId}`, args: [{ accountId }] }),
          ),
        );
        // The players asked for a sweep (signal-with-start); wait for it, then run one more explicitly.
        const first = await (await startSteamSweep(client, taskQueue)).result();
        results.firstSweep = first;
        results.callsAfterFirst = sim.stats().calls;
        results.secondSweep = await (await startSteamSweep(client, taskQueue)).result();
        results.callsAfterSecond = sim.stats().calls;
      },
      steamConfig(sim, rate),
    );
    await buildWarehouse({ lakeDir: layout.lake, warehousePath: layout.warehouse, registry: loadContracts() });
  }, 600_000);

  afterAll(async () => {
    await sim?.close();
  });

  it('mirrors exactly the simulator world the scan and the tracked players reach', async () => {
    const scanned = new Set(truth.matches.slice(0, 100).map((m) => m.match_id));
    const reached = truth.matches.filter((m) => scanned.has(m.match_id) || m.players.some((p) => p.account_id !== null && tracked.includes(p.account_id)));
    const db0 = await openDb({ path: layout.warehouse, readOnly: true });
    const mirroredIds = new Set((await db0.rows<{ id: bigint }>('SELECT match_id AS id FROM mart_dota_matches')).map((r) => Number(r.id)));
    db0.close();
    // Every match the scan and the histories reached is mirrored; sweep requests may bring neighbours along
    // (a sequence request covers a run of missing seqs). Everything mirrored must equal the world.
    for (const m of reached) expect(mirroredIds.has(m.match_id), `match ${m.match_id} mirrored`).toBe(true);
    const expectedMatches = truth.matches.filter((m) => mirroredIds.has(m.match_id));
    const db = await openDb({ path: layout.warehouse, readOnly: true });
    try {
      const matches = await db.rows<{
        match_id: bigint;
        match_seq_num: bigint;
        start: bigint;
        radiant_win: boolean;
        league_id: bigint | null;
        radiant_team_id: bigint | null;
        schema: string;
        picks: bigint;
      }>(
        `SELECT m.match_id, m.match_seq_num, epoch(m.started_at)::BIGINT AS start, m.radiant_win, m.league_id, m.radiant_team_id, m.schema,
                (SELECT count(*) FROM stg_steam_picks_bans p WHERE p.match_id = m.match_id) AS picks
         FROM mart_dota_matches m ORDER BY match_seq_num`,
      );
      expect(matches.map((m) => Number(m.match_id))).toEqual(expectedMatches.map((m) => m.match_id));
      expect(
        matches.map((m) => [
          Number(m.match_seq_num),
          Number(m.start),
          m.radiant_win,
          m.league_id === null ? 0 : Number(m.league_id),
          m.radiant_team_id === null ? null : Number(m.radiant_team_id),
          m.schema,
          Number(m.picks),
        ]),
      ).toEqual(expectedMatches.map((m) => [m.match_seq_num, m.start_time, m.radiant_win, m.leagueid, m.radiant_team_id, m.schema, m.picks_bans]));

      const players = await db.rows<{ match_id: bigint; player_slot: number; account_id: bigint | null; hero_id: number; kills: number; deaths: number; assists: number }>(
        'SELECT match_id, player_slot, account_id, hero_id, kills, deaths, assists FROM mart_dota_match_players ORDER BY match_id, player_slot',
      );
      const expectedPlayers = expectedMatches
        .flatMap((m) => m.players.map((p) => [m.match_id, p.player_slot, p.account_id, p.hero_id, p.kills, p.deaths, p.assists]))
        .sort((a, b) => (a[0]! as number) - (b[0]! as number) || (a[1]! as number) - (b[1]! as number));
      expect(players.map((p) => [Number(p.match_id), p.player_slot, p.account_id === null ? null : Number(p.account_id), p.hero_id, p.kills, p.deaths, p.assists])).toEqual(
        expectedPlayers,
      );

      const units = await db.rows<{ n: bigint }>('SELECT count(*) AS n FROM stg_steam_additional_units');
      expect(Number(units[0]!.n)).toBe(expectedMatches.flatMap((m) => m.players).reduce((s, p) => s + p.additional_units, 0));

      const heroes = await db.rows<{ hero_id: number; name: string; localized_name: string }>('SELECT hero_id, name, localized_name FROM stg_steam_heroes ORDER BY hero_id');
      expect(heroes).toEqual([...truth.heroes].sort((a, b) => a.hero_id - b.hero_id));
      const items = await db.rows<{ item_id: number; name: string; cost: number; localized_name: string }>(
        'SELECT item_id, name, cost, localized_name FROM stg_steam_items ORDER BY item_id',
      );
      expect(items).toEqual([...truth.items].sort((a, b) => a.item_id - b.item_id));
      const leagues = await db.rows<{ league_id: bigint; name: string; tier: number }>('SELECT league_id, name, tier FROM stg_steam_leagues ORDER BY league_id');
      expect(leagues.map((l) => ({ ...l, league_id: Number(l.league_id) }))).toEqual(truth.leagues);

      const teamIds = new Set(expectedMatches.flatMap((m) => [m.radiant_team_id, m.dire_team_id]).filter((t): t is number => t !== null));
      const teams = await db.rows<{ team_id: bigint; name: string; tag: string; logo: string; logo_sponsor: string }>(
        'SELECT team_id, name, tag, logo::VARCHAR AS logo, logo_sponsor::VARCHAR AS logo_sponsor FROM stg_steam_teams ORDER BY team_id',
      );
      expect(teams.map((t) => ({ ...t, team_id: Number(t.team_id) }))).toEqual(truth.teams.filter((t) => teamIds.has(t.team_id)));

      const accountIds = new Set([...expectedMatches.flatMap((m) => m.players.map((p) => p.account_id)).filter((a): a is number => a !== null), ...tracked, privatePlayer]);
      const expectedPlayersMirrored = truth.players.filter((p) => accountIds.has(p.account_id) && p.in_summaries).map((p) => [p.account_id, p.personaname]);
      const summaries = await db.rows<{ account_id: bigint; personaname: string }>('SELECT account_id, personaname FROM stg_steam_players ORDER BY account_id');
      expect(summaries.map((p) => [Number(p.account_id), p.personaname])).toEqual(expectedPlayersMirrored.sort((a, b) => (a[0] as number) - (b[0] as number)));
    } finally {
      db.close();
    }
  });

  it('reports convergence: no stubs left, every entity type swept', async () => {
    const status = await runSql(layout.warehouse, loadQuery('convergence_status').sql);
    expect(status.columns).toEqual(['entity', 'total', 'complete', 'stubs', 'pct_complete', 'last_sweep_at']);
    expect(status.rows.map((r) => r.entity)).toEqual(['hero', 'item', 'league', 'match', 'player', 'team']);
    for (const row of status.rows) {
      expect(row.stubs, `stubs of ${String(row.entity)}`).toBe(0n);
      expect(row.last_sweep_at, `last sweep of ${String(row.entity)}`).not.toBeNull();
    }
    const matches = status.rows.find((r) => r.entity === 'match')!;
    expect(matches.pct_complete).toBe(100);
    const q = loadQuery('player_matches');
    const mine = await runSql(layout.warehouse, q.sql, bindParams(q, { account_id: String(tracked[0]) }));
    expect(mine.columns).toEqual(['match_id', 'start_time', 'hero_id', 'hero_name', 'radiant', 'win', 'kills', 'deaths', 'assists']);
    const expected = truth.matches.filter((m) => m.players.some((p) => p.account_id === tracked[0]));
    expect(mine.rows.map((r) => Number(r.match_id))).toEqual([...expected].sort((a, b) => b.start_time - a.start_time || b.match_id - a.match_id).map((m) => m.match_id));
    for (const row of mine.rows) {
      const m = expected.find((x) => x.match_id === Number(row.match_id))!;
      const p = m.players.find((x) => x.account_id === tracked[0])!;
      expect([row.hero_id, row.radiant, row.win, row.kills]).toEqual([p.hero_id, p.player_slot < 128, p.player_slot < 128 === m.radiant_win, p.kills]);
      expect(row.hero_name).toBe(truth.heroes.find((h) => h.hero_id === p.hero_id)!.localized_name);
    }
  });

  it('records a private player as private, without retrying', async () => {
    const players = results.players as Array<{ accountId: number; status: string; pages: number }>;
    expect(players.find((p) => p.accountId === privatePlayer)).toMatchObject({ status: 'private', pages: 1 });
    const db = await openDb({ path: layout.warehouse, readOnly: true });
    try {
      const facts = await db.rows<{ fact: string }>('SELECT fact FROM stg_steam_entity_facts WHERE entity = $e AND entity_id = $id', { e: 'player', id: privatePlayer });
      expect(facts.map((f) => f.fact)).toEqual(['history_private']);
    } finally {
      db.close();
    }
  });

  it('stays under the rate limit, fetches no mirrored match twice, and a second sweep makes no call', async () => {
    const stats = sim.stats();
    // Every kind of fault happened and the mirror converged anyway.
    expect(Object.keys(stats.faults).sort()).toEqual(['429', '500', '503', 'empty', 'malformed', 'timeout']);
    for (const [kind, n] of Object.entries(stats.faults)) expect(n, kind).toBeGreaterThanOrEqual(1);
    expect(stats.rateLimitViolations).toBe(0);
    expect(stats.matchRefetches).toBe(0);
    expect(stats.callsWithoutKey).toBe(0);
    const second = results.secondSweep as { calls: number; before: Array<{ complete: number }>; after: Array<{ complete: number }> };
    expect(second.calls).toBe(0);
    expect(results.callsAfterSecond).toBe(results.callsAfterFirst);
    expect(second.after).toEqual(second.before);
    // The sweeps before the explicit second one (the players' sweep may have finished before the test
    // asked for one, which then found nothing) filled the mirror: read them from the lake's sweep records.
    const state = await openSteamState(layout.lake);
    try {
      const sweeps = await state.rows<{ sweep_id: string; calls: bigint; heroes_before: bigint; heroes_after: bigint }>(
        `SELECT sweep_id, max(api_calls) AS calls, max(complete_before) FILTER (entity = 'hero') AS heroes_before, max(complete_after) FILTER (entity = 'hero') AS heroes_after
         FROM lake_steam_sweeps GROUP BY sweep_id ORDER BY min(started_at)`,
      );
      expect(sweeps.length).toBeGreaterThanOrEqual(2);
      expect(Number(sweeps.at(-1)!.calls)).toBe(0);
      const filling = sweeps.slice(0, -1);
      expect(filling.reduce((n, w) => n + Number(w.calls), 0)).toBeGreaterThan(0);
      expect(Number(filling[0]!.heroes_after)).toBeGreaterThan(Number(filling[0]!.heroes_before));
      expect(Number(sweeps.at(-1)!.heroes_after)).toBe(truth.heroes.length);
    } finally {
      state.close();
    }
  });

  it('never lets the API key reach workflow histories or the lake', async () => {
    const client = holder.client;
    const ids: Array<{ workflowId: string; runId: string }> = [];
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) ids.push({ workflowId: wf.workflowId, runId: wf.runId });
    expect(ids.length).toBeGreaterThanOrEqual(6);
    expect(ids.map((i) => i.workflowId)).toContain(steamSweepWorkflowId(taskQueue));
    for (const { workflowId, runId } of ids) {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const text = JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : typeof v === 'bigint' ? v.toString() : v));
      expect(text.length).toBeGreaterThan(100);
      expect(text).not.toContain(KEY);
    }
    expect(filesText(layout.lake)).not.toContain(KEY);
  });

  // Last: it takes a tracked player out of the mirror the tests above read.
  it('forgets a Dota 2 player: no file or warehouse row names them, their match slots anonymous, every other row unchanged, a second run a no-op', async () => {
    const client = holder.client;
    const gone = tracked[1]!;
    const ids = [String(gone), String(steamId64(gone))];
    const named = (text: string) => ids.some((id) => new RegExp(`(?<![0-9])${id}(?![0-9])`).test(text));
    expect(named(await decodedText(layout.lake))).toBe(true);
    const slots = async () => {
      const db = await openDb({ path: layout.warehouse, readOnly: true });
      try {
        return await db.rows<{ match_id: bigint; player_slot: number; account_id: bigint | null; steamid64: bigint | null; anonymous: boolean; kills: number; hero_id: number }>(
          'SELECT match_id, player_slot, account_id, steamid64, anonymous, kills, hero_id FROM mart_dota_match_players ORDER BY match_id, player_slot',
        );
      } finally {
        db.close();
      }
    };
    const before = await slots();
    const theirs = before.filter((r) => r.account_id === BigInt(gone)).length;
    expect(theirs).toBeGreaterThan(0);
    // Their tracking Schedule (paused: it must not fetch them again during the test) goes with them.
    const scheduleId = `${STEAM_PLAYER_SCHEDULE_PREFIX}${gone}`;
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1 day' }] },
      action: { type: 'startWorkflow', workflowType: steamPlayerWorkflow, args: [{ accountId: gone }], workflowId: `${taskQueue}-tracked-${gone}`, taskQueue },
      state: { paused: true },
    });
    const [first, second] = await withWorker(
      dataDir,
      taskQueue,
      async () => {
        // By steamid64 the first time, by account id the second: the same account.
        const a = (await (await startForget(client, taskQueue, { product: 'dota2', player: ids[1]! })).result()) as ForgetResult;
        const b = (await (await startForget(client, taskQueue, { product: 'dota2', player: ids[0]! })).result()) as ForgetResult;
        return [a, b];
      },
      steamConfig(sim, rate),
    );
    expect(first.steam?.record).toMatch(/./);
    expect(first.steam!.rows.match_players).toBe(theirs);
    expect(first.steam!.rows.players).toBeGreaterThanOrEqual(1);
    expect(first.steam!.raw).toBeGreaterThan(0);
    expect(first.build?.kind).toBe('full');
    expect(second.steam?.record).toBeUndefined();
    expect(second.build).toBeUndefined();
    await expect(client.schedule.getHandle(scheduleId).describe()).rejects.toThrow();

    // No file of the data directory (gzip opened, Parquet decoded) and no row of any warehouse table names them.
    expect(named(filesText(dataDir))).toBe(false);
    expect(named(await decodedText(dataDir))).toBe(false);
    const db = await openDb({ path: layout.warehouse, readOnly: true });
    try {
      const tables = await db.rows<{ t: string }>("SELECT table_name AS t FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1");
      expect(tables.length).toBeGreaterThan(10);
      for (const { t } of tables) {
        const [hit] = await db.rows<{ n: bigint }>(`SELECT count(*) AS n FROM "${t}" x WHERE regexp_matches(CAST(x AS VARCHAR), $p)`, {
          p: ids.map((id) => `(^|[^0-9])${id}([^0-9]|$)`).join('|'),
        });
        expect(Number(hit!.n), t).toBe(0);
      }
      const facts = await db.rows<{ n: bigint }>("SELECT count(*) AS n FROM stg_steam_entity_facts WHERE entity = 'player' AND entity_id = $id", { id: gone });
      expect(Number(facts[0]!.n)).toBe(0);
    } finally {
      db.close();
    }
    // Their slots stay, anonymous; every other slot is as it was.
    const after = await slots();
    expect(after.length).toBe(before.length);
    expect(after).toEqual(before.map((r) => (r.account_id === BigInt(gone) ? { ...r, account_id: null, steamid64: null, anonymous: true } : r)));
  });
});
