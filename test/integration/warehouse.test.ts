import { renameSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { bindParams, loadQuery, runSql } from '../../warehouse/queries.ts';
import { startMartsBuild } from '../../platform/client/jobs.ts';
import { martsBuildWorkflow, martsBuildWorkflowId } from '../../workflows/index.ts';
import { runCli, tempDataDir, uniqueTaskQueue, useTestClient, withWorker } from './helpers.ts';

const testServer = useTestClient();

describe('simulate -> ingest -> build -> queries', () => {
  it("answers with the simulator's known figures, and re-ingesting and rebuilding change nothing", async () => {
    const dataDir = tempDataDir();
    const queue = uniqueTaskQueue('marts');
    const sim = path.join(dataDir, 'sim');
    const truth = await simulateEvents({ game: 'all', players: 1000, events: 10000, seed: 'e2e', badRate: 0.01, cheatRate: 0.02, batches: 3, outDir: sim });
    const files = truth.batches.map((b) => path.join(sim, b.file));
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue };
    const warehouse = path.join(dataDir, 'warehouse.duckdb');
    const ask = async (name: string, params: Record<string, string> = {}) => {
      const q = loadQuery(name);
      return (await runSql(warehouse, q.sql, bindParams(q, params))).rows;
    };
    const answers = async () => ({
      trades: await ask('trades_count'),
      failed: await ask('failed_trades_by_reason'),
      leaderboard: await ask('leaderboard', { product: 'exrps', limit: '5' }),
      purchases: await ask('purchases_by_type'),
      imbalanced: (await ask('imbalanced_trades', { limit: '1000000' })).length,
    });

    await withWorker(dataDir, queue, async () => {
      expect((await runCli(['ingest', '--wait', ...files], env)).status).toBe(0);
      const build = await runCli(['marts', 'build', '--wait'], env);
      expect(build.status, build.stderr).toBe(0);
      expect(build.stdout).toMatch(/warehouse built from 3 batches/);

      const first = await answers();
      expect(first.trades).toEqual([{ trades: 10000n }]);
      const failed = truth.games['trade-engine']!.failedTrades;
      expect(Object.fromEntries(first.failed.map((r) => [r.reason, Number(r.trades)]))).toEqual(failed);
      const purchases = first.purchases.reduce((s, r) => s + Number(r.purchases), 0);
      expect(purchases).toBe(Object.values(truth.games.placebo!.purchases).reduce((s, n) => s + n, 0));
      const exrpsWins = truth.games.exrps!.wins;
      const best = Math.max(...Object.values(exrpsWins));
      expect(Number(first.leaderboard[0]!.score)).toBe(best);
      expect(first.imbalanced).toBeGreaterThanOrEqual(truth.games['trade-engine']!.lopsidedTrades);

      // Exactly once carries into the marts.
      expect((await runCli(['ingest', '--wait', ...files], env)).stdout).toMatch(/already ingested/);
      await testServer.client.workflow.execute(martsBuildWorkflow, { taskQueue: queue, workflowId: `marts-${queue}` });
      expect(await answers()).toEqual(first);
    });

    const cli = await runCli(['query', 'trades_count', '--format', 'json'], env);
    expect(cli.stdout).toBe('{"trades":10000}\n');

    // A data directory moved after its build (or restored elsewhere) is read where it is now, in the sandbox.
    const sql =
      'SELECT (SELECT count(*) FROM stg_trades) AS trades, (SELECT count(*) FROM lake_events) AS events, (SELECT sum(accepted) FROM batches) AS accepted, (SELECT count(*) FROM lake_quarantine) AS quarantine';
    const here = await runCli(['sql', sql, '--format', 'json'], env);
    const moved = `${dataDir}-moved`;
    renameSync(dataDir, moved);
    try {
      const there = await runCli(['sql', sql, '--format', 'json'], { ...env, GAMELAKE_DATA_DIR: moved });
      expect(there.stderr).toBe('');
      expect(there.stdout).toBe(here.stdout);
      const row = JSON.parse(there.stdout) as Record<string, number>;
      expect(row.trades).toBe(10000);
      expect(row.events).toBe(row.accepted);
      expect(row.quarantine).toBeGreaterThan(0);
    } finally {
      renameSync(moved, dataDir);
    }

    // Every committed batch asked for a build; the requests were coalesced into the marts-build workflow.
    const builds: string[] = [];
    for await (const wf of testServer.client.workflow.list({ query: `WorkflowId = "${martsBuildWorkflowId(queue)}"` })) builds.push(wf.status.name);
    expect(builds.length).toBeGreaterThan(0);
    expect(builds.every((s) => s === 'COMPLETED')).toBe(true);
  });

  it('coalesces build requests that arrive during a build into one more round', async () => {
    const dataDir = tempDataDir();
    const queue = uniqueTaskQueue('coalesce');
    const sim = path.join(dataDir, 'sim');
    const truth = await simulateEvents({ game: 'exrps', players: 20, events: 500, seed: 'co', badRate: 0, cheatRate: 0, batches: 1, outDir: sim });
    await withWorker(dataDir, queue, async () => {
      const ingest = await runCli(['ingest', '--wait', path.join(sim, truth.batches[0]!.file)], {
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        GAMELAKE_DATA_DIR: dataDir,
        GAMELAKE_TASK_QUEUE: queue,
      });
      expect(ingest.status).toBe(0);
      // Let the build the batch asked for finish; start another and, once its build runs, ask five more times.
      await testServer.client.workflow.getHandle(martsBuildWorkflowId(queue)).result();
      const handle = await startMartsBuild(testServer.client, queue);
      for (;;) {
        const history = await handle.fetchHistory();
        if (history.events!.some((e) => e.childWorkflowExecutionStartedEventAttributes)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await Promise.all(Array.from({ length: 5 }, () => startMartsBuild(testServer.client, queue)));
      const result = await handle.result();
      expect(result.rounds).toBe(2);
      expect(result.batches).toBe(1);
    });
  });
});
