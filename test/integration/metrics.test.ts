import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { lakeStatus } from '../../lake/index.ts';
import { dataLayout } from '../../platform/env.ts';
import { reasonLabel } from '../../platform/metrics.ts';
import { freePort } from '../../platform/server/dev-server.ts';
import { simulateEvents } from '../../sim/events/simulate.ts';
import { runCli, tempDataDir, testClient, uniqueTaskQueue } from './helpers.ts';
import { ingestBatchWorkflow } from '../../workflows/index.ts';
import { manifestsOf } from './lake.ts';
import { dashboardMetrics } from '../fixtures/dashboard.ts';

const GAMELAKE = path.resolve(import.meta.dirname, '../../bin/gamelake.js');

/** Prometheus' text format: every sample as `name{labels}` -> value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe("the worker's Prometheus metrics", () => {
  it('count what the manifests say was committed, with the SDK metrics beside them', async () => {
    const dataDir = tempDataDir();
    const simDir = tempDataDir('gamelake-metrics-sim-');
    const truth = await simulateEvents({ game: 'all', players: 100, events: 1500, seed: 'metrics', badRate: 0.05, cheatRate: 0.05, batches: 2, outDir: simDir });
    const port = await freePort();
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: uniqueTaskQueue('metrics'), GAMELAKE_METRICS_PORT: String(port) };
    const worker = spawn(process.execPath, [GAMELAKE, 'worker'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    let text = '';
    try {
      for (const b of truth.batches) {
        const r = await runCli(['ingest', path.join(simDir, b.file), '--wait'], env);
        expect(r.status, r.stderr).toBe(0);
      }
      // A batch that fails for good: its file is not what was submitted.
      const { client, connection } = await testClient();
      try {
        const bogus = { file: path.join(simDir, truth.batches[0]!.file), sha256: '0'.repeat(64), batchId: 'badbadbadbadbad0' };
        const failure = await client.workflow
          .execute(ingestBatchWorkflow, { args: [bogus], taskQueue: env.GAMELAKE_TASK_QUEUE, workflowId: `metrics-failed-${env.GAMELAKE_TASK_QUEUE}` })
          .then(
            () => undefined,
            (err: Error & { cause?: Error }) => err.cause?.message,
          );
        expect(failure).toMatch(/changed since it was submitted/);
      } finally {
        await connection.close();
      }
      const built = await runCli(['marts', 'build', '--wait'], env);
      expect(built.status, built.stderr).toBe(0);
      text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    const s = samples(text);
    const manifests = manifestsOf(dataLayout(dataDir).lake);
    expect(manifests).toHaveLength(2);
    const sum = (k: 'accepted' | 'quarantined' | 'duplicates' | 'bytes') => manifests.reduce((n, m) => n + m[k], 0);
    // Lines by product and outcome: the simulator's truth (which product each good, bad and duplicated
    // line is ingested as), the manifests' and the counters' agree exactly, and add up to the totals.
    const truthByProduct: Record<string, Record<string, number>> = {};
    for (const b of truth.batches)
      for (const [p, n] of Object.entries(b.byProduct)) {
        const t = (truthByProduct[p] ??= { accepted: 0, quarantined: 0, duplicate: 0 });
        t.accepted! += n.good;
        t.quarantined! += n.rejected;
        t.duplicate! += n.duplicates;
      }
    const manifestByProduct: Record<string, Record<string, number>> = {};
    for (const m of manifests)
      for (const [p, n] of Object.entries(m.byProduct ?? {})) {
        const t = (manifestByProduct[p] ??= { accepted: 0, quarantined: 0, duplicate: 0 });
        t.accepted! += n.accepted;
        t.quarantined! += n.quarantined;
        t.duplicate! += n.duplicates;
      }
    const counted: Record<string, Record<string, number>> = {};
    for (const [k, v] of s) {
      const m = /^gamelake_ingest_lines_total\{product="([^"]*)",outcome="([^"]*)"\}$/.exec(k);
      if (m) (counted[m[1]!] ??= {})[m[2]!] = v;
    }
    expect(Object.keys(truthByProduct).sort()).toEqual(['exrps', 'placebo', 'trade-engine', 'unknown']);
    expect(manifestByProduct).toEqual(truthByProduct);
    expect(counted).toEqual(truthByProduct);
    const total = (outcome: string) => Object.values(counted).reduce((n, c) => n + (c[outcome] ?? 0), 0);
    expect(total('accepted')).toBe(sum('accepted'));
    expect(total('quarantined')).toBe(sum('quarantined'));
    expect(total('duplicate')).toBe(sum('duplicates'));
    expect(s.get('gamelake_batches_committed_total')).toBe(2);
    expect(s.get('gamelake_batches_failed_total')).toBe(1);
    expect(s.get('gamelake_ingest_bytes_total')).toBe(sum('bytes'));
    expect(s.get('gamelake_stage_duration_seconds_count')).toBe(2);
    const reasons: Record<string, number> = {};
    for (const m of manifests) for (const [r, n] of Object.entries(m.rejectedByReason)) reasons[reasonLabel(r)] = (reasons[reasonLabel(r)] ?? 0) + n;
    const got = Object.fromEntries([...s].filter(([k]) => k.startsWith('gamelake_quarantine_lines_total{')).map(([k, v]) => [/reason="(.*)"/.exec(k)![1]!, v]));
    expect(got).toEqual(reasons);
    expect(Object.keys(reasons).length).toBeGreaterThanOrEqual(3);
    const builds = [...s].filter(([k]) => k.startsWith('gamelake_build_duration_seconds_count')).reduce((n, [, v]) => n + v, 0);
    expect(builds).toBeGreaterThanOrEqual(1);
    for (const t of (await lakeStatus(dataLayout(dataDir).lake)).tables) expect(s.get(`gamelake_lake_files{table="${t.table}"}`), t.table).toBe(t.files);
    // The Temporal SDK's own, passed on after gamelake's.
    expect([...s.keys()].some((k) => k.startsWith('temporal_'))).toBe(true);
    // The dashboard's Temporal SDK metrics are among those scraped (its gamelake ones: test/unit/dashboard.test.ts).
    for (const name of dashboardMetrics().filter((n) => n.startsWith('temporal_')))
      expect(
        [...s.keys()].some((k) => k.startsWith(name)),
        name,
      ).toBe(true);
    // Names by Prometheus' conventions: counters end in _total, durations in _seconds.
    for (const line of text.split('\n').filter((l) => l.startsWith('# TYPE gamelake_'))) {
      const [, , name, type] = line.split(' ');
      if (type === 'counter') expect(name).toMatch(/_total$/);
      if (type === 'histogram') expect(name).toMatch(/_seconds$/);
    }
  });
});
