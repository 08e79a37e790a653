import { checkDataDir, DEFAULT_TARGET_BYTES, lakeStatus } from '../../lake/index.ts';
import { dataLayout, loadConfig } from '../../platform/env.ts';
import { startLakeCompact } from '../../platform/client/jobs.ts';
import { connectClient, hasWorkers, workflowUrl } from '../../platform/client/session.ts';
import { lakeCompactWorkflowId } from '../../workflows/index.ts';
import { defineCommand, intFlag, progress } from '../command.ts';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export const lakeCompactCommand = defineCommand({
  path: ['lake', 'compact'],
  usage: 'lake compact [--wait] [--target-mib N]',
  summary: "Merge the lake's small Parquet files into files of about the target size.",
  help: `
Runs the lake-compact workflow (also every 6 hours on the gamelake-lake-compact Schedule). Per table
and partition, the files under the target (one per batch) are merged into files of about the target
size, one group at a time. Each group commits atomically: readers of the catalog (the warehouse, the
planner) see the old files or the merged one, never both and never neither; every table's rows are
unchanged. The replaced files stay until nothing reads them (the next warehouse build moves to the
merged files; files replaced 5 minutes ago or more that no warehouse reads are then removed). Safe
under kill -9 at any point: a compaction cut short is undone on the next run. Re-ingesting a batch
whose files were merged is still a no-op.

Options:
  --target-mib N   target file size in MiB (default ${DEFAULT_TARGET_BYTES / 2 ** 20})
  --wait           wait and print the files before and after`,
  options: { wait: { type: 'boolean' }, 'target-mib': { type: 'string' } },
  async run({ values }) {
    const config = loadConfig();
    const targetBytes = values['target-mib'] === undefined ? undefined : intFlag(values, 'target-mib', undefined, 1) * 2 ** 20;
    const { client, connection } = await connectClient(config);
    try {
      if (!(await hasWorkers(client, config.taskQueue))) progress(`warning: no worker is polling task queue "${config.taskQueue}"`);
      const handle = await startLakeCompact(client, config.taskQueue, { targetBytes });
      progress(`lake compact: ${workflowUrl(config.uiUrl, config.namespace, lakeCompactWorkflowId(config.taskQueue))}`);
      if (!values.wait) return 0;
      const { compaction: c, vacuum: v } = await handle.result();
      process.stdout.write(
        `compacted in ${(c.ms / 1000).toFixed(1)} s: ${c.filesBefore} live files -> ${c.filesAfter} (${c.merged} merged into ${c.written}, ${mib(c.bytesRewritten)} written)` +
          `${c.recovered ? `; undid ${c.recovered} interrupted merges` : ''}; removed ${v.removed.length} replaced files (${mib(v.bytes)}), ${v.kept} kept until nothing reads them\n`,
      );
      return 0;
    } finally {
      await connection.close();
    }
  },
});

export const lakeStatusCommand = defineCommand({
  path: ['lake', 'status'],
  usage: 'lake status [--json] [--target-mib N]',
  summary: 'Files, bytes and rows per table of the lake, and how many files are under the compaction target.',
  help: `
Reads the lake's catalog (no Temporal server needed): per table, the live files, their bytes and rows
(from the Parquet footers) and how many are under the compaction target; replaced files not yet removed.

Options:
  --target-mib N   the target to count against (default ${DEFAULT_TARGET_BYTES / 2 ** 20})
  --json           print one JSON object`,
  options: { json: { type: 'boolean' }, 'target-mib': { type: 'string' } },
  async run({ values }) {
    const layout = dataLayout(loadConfig().dataDir);
    checkDataDir(layout.root);
    const target = values['target-mib'] === undefined ? DEFAULT_TARGET_BYTES : intFlag(values, 'target-mib', undefined, 1) * 2 ** 20;
    const s = await lakeStatus(layout.lake, target);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(s)}\n`);
      return 0;
    }
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(`${s.batches} committed batches, ${s.compactions} compactions; target ${mib(s.targetBytes)}`);
    out(`${'table'.padEnd(24)} ${'files'.padStart(7)} ${'MiB'.padStart(10)} ${'rows'.padStart(12)} ${'under target'.padStart(13)}`);
    for (const t of s.tables)
      out(
        `${t.table.padEnd(24)} ${String(t.files).padStart(7)} ${(t.bytes / 2 ** 20).toFixed(1).padStart(10)} ${String(t.rows).padStart(12)} ${String(t.underTarget).padStart(13)}`,
      );
    const total = s.tables.reduce((a, t) => ({ files: a.files + t.files, bytes: a.bytes + t.bytes, under: a.under + t.underTarget }), { files: 0, bytes: 0, under: 0 });
    out(`${'(all)'.padEnd(24)} ${String(total.files).padStart(7)} ${(total.bytes / 2 ** 20).toFixed(1).padStart(10)} ${''.padStart(12)} ${String(total.under).padStart(13)}`);
    out(`replaced files waiting for removal: ${s.retired.files} (${mib(s.retired.bytes)})`);
    return 0;
  },
});
