import { checkDataDir } from '../../lake/index.ts';
import { dataLayout, loadConfig } from '../../platform/env.ts';
import { startMartsBuild } from '../../platform/client/jobs.ts';
import { connectClient, hasWorkers, workflowUrl } from '../../platform/client/session.ts';
import { warehouseStatus } from '../../warehouse/status.ts';
import { martsBuildWorkflowId } from '../../workflows/index.ts';
import { defineCommand, progress } from '../command.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export const martsBuildCommand = defineCommand({
  path: ['marts', 'build'],
  usage: 'marts build [--wait] [--full]',
  summary: 'Bring the DuckDB warehouse ($GAMELAKE_DATA_DIR/warehouse.duckdb) up to date with the lake.',
  help: `
Runs the marts-build workflow. A build takes in only what the warehouse lacks: the batches committed
(and the Steam mirror's files written) since the last build. Each mart merges the new rows or is
recomputed from the marts it depends on; the lake's tables are views over its Parquet files, so the
warehouse holds no copy of them. The new warehouse is a new file that replaces the old one in one
rename: queries see the old warehouse or the new one. A failed check keeps the previous warehouse.
A request while a build runs asks it for one more round (requests are coalesced); each committed
batch requests a build the same way, and the gamelake-marts Schedule runs one every hour.

Options:
  --full    rebuild everything from the lake (the result equals the incremental one; models,
            contracts or scoring that changed since the last build cause a full build anyway)
  --wait    wait for the build and print what it did and the tables with their row counts`,
  options: { wait: { type: 'boolean' }, full: { type: 'boolean' } },
  async run({ values }) {
    const config = loadConfig();
    const { client, connection } = await connectClient(config);
    try {
      if (!(await hasWorkers(client, config.taskQueue))) progress(`warning: no worker is polling task queue "${config.taskQueue}"`);
      const handle = await startMartsBuild(client, config.taskQueue, { full: values.full === true });
      progress(`marts build${values.full ? ' (full)' : ''}: ${workflowUrl(config.uiUrl, config.namespace, martsBuildWorkflowId(config.taskQueue))}`);
      if (!values.wait) return 0;
      const report = await handle.result();
      process.stdout.write(
        `warehouse built from ${report.batches} batches in ${seconds(report.ms)} (${report.unchanged ? 'nothing new: left as it was' : report.kind}${report.fullBecause ? `: ${report.fullBecause}` : ''}; ` +
          `${report.newBatches} new batches, ${report.newSteamFiles} new Steam files; ${report.rounds} round${report.rounds === 1 ? '' : 's'}), ${report.checks} checks passed\n`,
      );
      for (const [table, rows] of Object.entries(report.tables)) process.stdout.write(`  ${table.padEnd(28)} ${String(rows).padStart(10)}\n`);
      return 0;
    } finally {
      await connection.close();
    }
  },
});

export const martsStatusCommand = defineCommand({
  path: ['marts', 'status'],
  usage: 'marts status [--json]',
  summary: "What the warehouse holds, what it lacks, its last build and each mart's rows and freshness.",
  help: `
Reads the warehouse (read-only) and the lake's catalog: the batches and Steam files in the warehouse
and those pending (committed since the last build), the last build's kind (incremental or full) and
duration, each mart's rows and when a build last refreshed it, and the freshness of live events: for
the last segments of the collector and the Redis consumer, when their events were acknowledged (202 or
XACK), committed to the lake and built into the marts, and the seconds from acknowledgement to marts.

Options:
  --json    print one JSON object instead of a table`,
  options: { json: { type: 'boolean' } },
  async run({ values }) {
    const layout = dataLayout(loadConfig().dataDir);
    checkDataDir(layout.root);
    const s = await warehouseStatus(layout.warehouse, layout.lake);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(s)}\n`);
      return 0;
    }
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(
      `batches: ${s.batches.inWarehouse} in the warehouse, ${s.batches.pending.length} pending${s.batches.pending.length ? ` (${s.batches.pending.slice(0, 5).join(', ')}${s.batches.pending.length > 5 ? ', ...' : ''})` : ''}`,
    );
    out(`Steam files: ${s.steamFiles.inWarehouse} in the warehouse, ${s.steamFiles.pending} pending`);
    if (s.lastBuild) {
      out(
        `last build: ${s.lastBuild.kind}${s.lastBuild.fullBecause ? ` (${s.lastBuild.fullBecause})` : ''}, ${seconds(s.lastBuild.ms)}, finished ${s.lastBuild.finishedAt}, ${s.lastBuild.newBatches} new batches, ${s.lastBuild.checks} checks (${s.builds} builds in all)`,
      );
    }
    if (s.newestBatchAgeSeconds !== null) out(`newest batch in the warehouse committed ${s.newestBatchAgeSeconds} s ago`);
    out('');
    out(`${'mart'.padEnd(28)} ${'refresh'.padEnd(8)} ${'rows'.padStart(10)}  refreshed at              ms`);
    for (const m of s.marts) out(`${m.model.padEnd(28)} ${m.refresh.padEnd(8)} ${String(m.rows).padStart(10)}  ${(m.refreshedAt ?? '-').padEnd(24)} ${m.ms ?? '-'}`);
    if (s.freshness.length > 0) {
      const time = (t: string | null) => (t ? t.slice(11, 23) : '-');
      out('');
      out('live events, the last segments (UTC): acknowledged (first - last), committed, built; seconds from a 202 to the marts');
      out(`${'segment batch'.padEnd(18)} ${'acknowledged'.padEnd(27)} ${'committed'.padEnd(12)} ${'built'.padEnd(12)} ${'newest s'.padStart(8)} ${'oldest s'.padStart(8)}`);
      for (const f of s.freshness) {
        out(
          `${f.batchId.padEnd(18)} ${`${time(f.firstAckAt)} - ${time(f.lastAckAt)}`.padEnd(27)} ${time(f.committedAt).padEnd(12)} ${(f.builtAt ? time(f.builtAt) : 'waiting').padEnd(12)} ${String(f.newestSeconds ?? '-').padStart(8)} ${String(f.oldestSeconds ?? '-').padStart(8)}`,
        );
      }
    }
    return 0;
  },
});
