import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataLayout } from '../../platform/env.ts';
import { startSteamSim, type SteamSim } from '../../sim/steam/index.ts';
import { loadContracts } from '../../lake/contracts.ts';
import { buildWarehouse } from '../../warehouse/build.ts';
import { openDb } from '../../lake/duckdb.ts';
import { bindParams, loadQuery, runSql } from '../../warehouse/queries.ts';
import { steamScanWorkflow, steamSweepWorkflow } from '../../workflows/index.ts';
import { tempDataDir, uniqueTaskQueue, useTestClient, waitForList, withWorker } from './helpers.ts';

const REPLAY_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'steam-replay');

describe('Steam mirroring from recorded responses (replay)', { timeout: 120_000 }, () => {
  const holder = useTestClient();
  let sim: SteamSim;
  const dataDir = tempDataDir('gamelake-replay-');
  const layout = dataLayout(dataDir);

  beforeAll(async () => {
    sim = await startSteamSim({ replayDir: REPLAY_DIR });
    const taskQueue = uniqueTaskQueue('replay');
    await withWorker(
      dataDir,
      taskQueue,
      async () => {
        await holder.client.workflow.execute(steamScanWorkflow, { taskQueue, workflowId: `${taskQueue}-scan`, args: [{ fromSeq: 4000000000, pages: 1 }] });
        await holder.client.workflow.execute(steamSweepWorkflow, { taskQueue, workflowId: `${taskQueue}-sweep`, args: [{}] });
      },
      { apiKey: 'replay', baseUrl: sim.url, leagueBaseUrl: sim.url, ratePerSec: 0, timeoutMs: 2000 },
    );
    await buildWarehouse({ lakeDir: layout.lake, warehousePath: layout.warehouse, registry: loadContracts() });
  });

  afterAll(async () => {
    await sim?.close();
  });

  it('answers hero_win_rates from the recorded matches', async () => {
    const q = loadQuery('hero_win_rates');
    const { columns, rows } = await runSql(layout.warehouse, q.sql, bindParams(q, {}));
    expect(columns).toEqual(['hero_id', 'hero_name', 'matches', 'wins', 'win_rate']);
    const byHero = Object.fromEntries(rows.map((r) => [r.hero_id as number, [r.hero_name, Number(r.matches), Number(r.wins), r.win_rate]]));
    expect(byHero[1]).toEqual(['Anti-Mage', 2, 1, 0.5]);
    expect(byHero[6]).toEqual(['Drow Ranger', 2, 1, 0.5]);
    expect(byHero[2]).toEqual(['Axe', 1, 1, 1]);
    expect(byHero[80]).toEqual(['Lone Druid', 1, 0, 0]);
    expect(byHero[14]).toEqual(['Pudge', 1, 1, 1]);
    expect(rows).toHaveLength(18); // 20 heroes; two were only banned
    expect(byHero[20]).toBeUndefined();
  });

  it('answers player_matches with sides from player_slot', async () => {
    const q = loadQuery('player_matches');
    const { rows } = await runSql(layout.warehouse, q.sql, bindParams(q, { account_id: '1000' }));
    expect(rows.map((r) => [Number(r.match_id), r.hero_id, r.hero_name, r.radiant, r.win, r.kills, r.deaths, r.assists])).toEqual([
      [8000000002, 1, 'Anti-Mage', true, false, 3, 4, 6],
      [200000001, 1, 'Anti-Mage', true, true, 0, 10, 5],
    ]);
    expect(new Date(rows[0]!.start_time as string | Date).getTime()).toBe(1760000000 * 1000);
  });

  it('keeps 64-bit logos, anonymous players, leavers, units, old and new schemas and unknown fields', async () => {
    const db = await openDb({ path: layout.warehouse, readOnly: true });
    try {
      const teams = await db.rows<{ team_id: bigint; logo: string; logo_sponsor: string }>(
        'SELECT team_id, logo::VARCHAR AS logo, logo_sponsor::VARCHAR AS logo_sponsor FROM stg_steam_teams ORDER BY team_id',
      );
      expect(teams.map((t) => [Number(t.team_id), t.logo, t.logo_sponsor])).toEqual([
        [111, '1152921504606846977', '0'],
        [222, '9007199254740993', '18446744073709551615'],
      ]);
      const matches = await db.rows<{
        match_id: bigint;
        schema: string;
        radiant_score: number | null;
        radiant_logo: string | null;
        extra: string | null;
        league_name: string | null;
        radiant_team_name: string | null;
      }>(
        `SELECT m.match_id, m.schema, m.radiant_score, s.radiant_logo::VARCHAR AS radiant_logo, s.extra, m.league_name, m.radiant_team_name
         FROM mart_dota_matches m JOIN stg_steam_matches s USING (match_id) ORDER BY match_id`,
      );
      expect(matches.map((m) => [Number(m.match_id), m.schema, m.radiant_score, m.radiant_logo, m.league_name, m.radiant_team_name])).toEqual([
        [200000001, 'old', null, null, null, null],
        [8000000002, 'new', 30, '1152921504606846977', 'The International 2025', 'Radiant Five'],
      ]);
      expect(JSON.parse(matches[1]!.extra!)).toEqual({ some_field_from_the_next_patch: { added: '7.40' } });
      const anon = await db.rows<{ account_id: bigint | null; anonymous: boolean; steamid64: string | null }>(
        'SELECT account_id, anonymous, steamid64::VARCHAR AS steamid64 FROM mart_dota_match_players WHERE match_id = 200000001 AND player_slot = 3',
      );
      expect(anon).toEqual([{ account_id: null, anonymous: true, steamid64: null }]);
      const p = await db.rows<{ steamid64: string; side: string; leaver_status: number }>(
        'SELECT steamid64::VARCHAR AS steamid64, side, leaver_status FROM mart_dota_match_players WHERE match_id = 200000001 AND player_slot = 130',
      );
      expect(p).toEqual([{ steamid64: '76561197960266735', side: 'dire', leaver_status: 2 }]);
      const units = await db.rows<{ unitname: string; item_0: number }>('SELECT unitname, item_0 FROM stg_steam_additional_units');
      expect(units).toEqual([{ unitname: 'spirit_bear', item_0: 50 }]);
      const picks = await db.rows<{ n: bigint; bans: bigint }>('SELECT count(*) AS n, count(*) FILTER (WHERE NOT is_pick) AS bans FROM stg_steam_picks_bans');
      expect([Number(picks[0]!.n), Number(picks[0]!.bans)]).toEqual([12, 2]);
    } finally {
      db.close();
    }
  });

  it('reports convergence: players without a summary are unavailable, not stubs', async () => {
    const { rows } = await runSql(layout.warehouse, loadQuery('convergence_status').sql);
    const by = Object.fromEntries(rows.map((r) => [r.entity as string, [Number(r.total), Number(r.complete), Number(r.stubs), r.pct_complete]]));
    expect(by.match).toEqual([2, 2, 0, 100]);
    expect(by.hero).toEqual([20, 20, 0, 100]);
    expect(by.team).toEqual([2, 2, 0, 100]);
    expect(by.league).toEqual([1, 1, 0, 100]);
    expect(by.item).toEqual([3, 3, 0, 100]);
    expect(by.player).toEqual([15, 3, 0, 20]);
  });
});

describe('the sequence-feed scan', { timeout: 120_000 }, () => {
  const holder = useTestClient();
  it('continues as new instead of growing its history, and resumes where it stopped', async () => {
    const sim = await startSteamSim({ world: { seed: 'scan', players: 30, matches: 120 } });
    const taskQueue = uniqueTaskQueue('scan');
    const dataDir = tempDataDir('gamelake-scan-');
    const steam = { apiKey: 'k', baseUrl: sim.url, leagueBaseUrl: sim.url, ratePerSec: 0, timeoutMs: 2000 };
    try {
      const [first, second] = await withWorker(
        dataDir,
        taskQueue,
        async () => {
          const handle = await holder.client.workflow.start(steamScanWorkflow, {
            taskQueue,
            workflowId: `${taskQueue}-scan`,
            args: [{ fromSeq: 6000000000, pages: 3, pageSize: 25, pagesPerRun: 1 }],
          });
          const a = await handle.result();
          // No --from-seq: resumes after the highest match_seq_num the scan read.
          const b = await holder.client.workflow.execute(steamScanWorkflow, { taskQueue, workflowId: `${taskQueue}-scan-2`, args: [{ pages: 10 }] });
          await waitForList(holder.client, `WorkflowId = '${taskQueue}-scan' AND ExecutionStatus = 'Completed'`, 1);
          const runs: string[] = [];
          for await (const wf of holder.client.workflow.list({ query: `WorkflowId = '${taskQueue}-scan'` })) runs.push(wf.status.name);
          return [{ ...a, runs }, b];
        },
        steam,
      );
      expect(first).toMatchObject({ pagesDone: 3, matchesDone: 75, nextSeq: 6000000075 });
      expect(first.runs).toHaveLength(3);
      expect(first.runs.filter((r) => r === 'CONTINUED_AS_NEW')).toHaveLength(2);
      expect(second).toMatchObject({ matchesDone: 45, nextSeq: 6000000120, caughtUp: true });
      expect(sim.stats().matchRefetches).toBe(0);
    } finally {
      await sim.close();
    }
  });
});

describe('Steam API errors', { timeout: 60_000 }, () => {
  const holder = useTestClient();
  let sim: SteamSim;
  beforeAll(async () => {
    sim = await startSteamSim({ world: { seed: 'keys', players: 20, matches: 20 }, requireKey: 'the-right-key' });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('fails fast on a rejected key (403), with a clear message and without the key', async () => {
    const taskQueue = uniqueTaskQueue('badkey');
    const dataDir = tempDataDir('gamelake-badkey-');
    const err = await withWorker(
      dataDir,
      taskQueue,
      () =>
        holder.client.workflow.execute(steamScanWorkflow, { taskQueue, workflowId: `${taskQueue}-scan`, args: [{ fromSeq: 0, pages: 1 }] }).then(
          () => undefined,
          (e: unknown) => e,
        ),
      { apiKey: 'a-wrong-key-1234', baseUrl: sim.url, leagueBaseUrl: sim.url, ratePerSec: 0, timeoutMs: 2000 },
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as Error & { cause?: Error & { type?: string } };
    const failure = cause.cause ?? cause;
    expect(failure.message).toMatch(/GetMatchHistoryBySequenceNum: Steam answered 403: the STEAM_API_KEY is missing, wrong or blocked/);
    expect(failure.message).not.toContain('a-wrong-key-1234');
    expect(sim.stats().byEndpoint.GetMatchHistoryBySequenceNum).toBe(1);
  });
});
