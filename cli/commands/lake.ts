import { checkDataDir, DEFAULT_TARGET_BYTES, lakeStatus, loadContracts, retentionStatus, type RetentionReport } from '../../lake/index.ts';
import { dataLayout, loadConfig } from '../../platform/env.ts';
import { startLakeCompact, startLakeRetention } from '../../platform/client/jobs.ts';
import { connectClient, hasWorkers, workflowUrl } from '../../platform/client/session.ts';
import { lakeCompactWorkflowId, lakeRetentionWorkflowId } from '../../workflows/index.ts';
import { UsageError } from '../../platform/errors.ts';
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

export const lakeRetentionCommand = defineCommand({
  path: ['lake', 'retention'],
  usage: 'lake retention [--wait] [--dry-run] [--as-of DATE]',
  summary: "Drop the lake's month partitions past each contract's retention.",
  help: `
Runs the lake-retention workflow (also daily on the gamelake-lake-retention Schedule). A contract keeps
its rows for its retention (retention: 400d for the product, or per table under tables:; d, w, mo or
y): a month partition wholly older than that is dropped through the catalog. Partitions of one
product's tables are dropped whole; the shared events table is rewritten without the expired
product's rows. The run is one catalog commit: readers (the warehouse) see the lake before it or after
it, never half. Then the marts are rebuilt in full from what remains, and the dropped files are removed
once no warehouse reads them. The quarantine and the event id index are kept. Safe under kill -9: a
run cut short is undone on the next.

Options:
  --dry-run        print what would be dropped, change nothing
  --as-of DATE     measure retention from DATE (ISO 8601) instead of now
  --wait           wait and print what was dropped (implied by --dry-run)`,
  options: { wait: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, 'as-of': { type: 'string' } },
  async run({ values }) {
    const config = loadConfig();
    const asOfText = values['as-of'] as string | undefined;
    if (asOfText !== undefined && Number.isNaN(Date.parse(asOfText))) throw new UsageError(`--as-of: "${asOfText}" is not a date (ISO 8601, as in 2026-12-01)`);
    const asOf = asOfText === undefined ? undefined : new Date(Date.parse(asOfText)).toISOString();
    const dryRun = values['dry-run'] === true;
    const { client, connection } = await connectClient(config);
    try {
      if (!(await hasWorkers(client, config.taskQueue))) progress(`warning: no worker is polling task queue "${config.taskQueue}"`);
      const handle = await startLakeRetention(client, config.taskQueue, { ...(asOf ? { asOf } : {}), ...(dryRun ? { dryRun } : {}) });
      progress(`lake retention${dryRun ? ' (dry run)' : ''}: ${workflowUrl(config.uiUrl, config.namespace, lakeRetentionWorkflowId(config.taskQueue, dryRun))}`);
      if (!values.wait && !dryRun) return 0;
      const { retention: r, vacuum: v } = await handle.result();
      process.stdout.write(retentionText(r));
      if (v) process.stdout.write(`removed ${v.removed.length} dropped files now (${mib(v.bytes)}), ${v.kept} kept until no warehouse reads them\n`);
      return 0;
    } finally {
      await connection.close();
    }
  },
});

/** A retention report as lines: each partition dropped or rewritten, then the rows per table. */
export function retentionText(r: RetentionReport): string {
  const lines = [`retention as of ${r.asOf}${r.dryRun ? ' (dry run: nothing changed)' : ''}: ${r.partitions.length} partitions past retention`];
  for (const p of r.partitions) lines.push(`  ${p.table}/${p.partition}: ${r.dryRun ? 'would be ' : ''}${p.action} (${p.rows} rows of ${p.products.join(', ')}; ${p.files} files)`);
  const removed = Object.entries(r.removed);
  if (removed.length) lines.push(`rows ${r.dryRun ? 'to take' : 'taken'} out: ${removed.map(([t, n]) => `${t} ${n}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export const lakeStatusCommand = defineCommand({
  path: ['lake', 'status'],
  usage: 'lake status [--json] [--target-mib N]',
  summary: 'Files, bytes and rows per table of the lake, and how many files are under the compaction target.',
  help: `
Reads the lake's catalog (no Temporal server needed): per table, the live files, their bytes and rows
(from the Parquet footers), how many are under the compaction target, its oldest month partition and
its retention (from the contracts; per product where products differ); replaced files not yet removed.

Options:
  --target-mib N   the target to count against (default ${DEFAULT_TARGET_BYTES / 2 ** 20})
  --json           print one JSON object`,
  options: { json: { type: 'boolean' }, 'target-mib': { type: 'string' } },
  async run({ values }) {
    const config = loadConfig();
    const layout = dataLayout(config.dataDir);
    checkDataDir(layout.root);
    const target = values['target-mib'] === undefined ? DEFAULT_TARGET_BYTES : intFlag(values, 'target-mib', undefined, 1) * 2 ** 20;
    const s = await lakeStatus(layout.lake, target);
    const kept = new Map(retentionStatus(layout.lake, loadContracts(config.contractsDir)).map((r) => [r.table, r]));
    const retentionOf = (table: string) => {
      const r = Object.entries(kept.get(table)?.retention ?? {});
      if (r.length === 0) return 'for ever';
      return new Set(r.map(([, v]) => v)).size === 1 && r.length === (kept.get(table)?.products ?? r.length) ? r[0]![1] : r.map(([p, v]) => `${p} ${v}`).join(', ');
    };
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ ...s, tables: s.tables.map((t) => ({ ...t, oldestPartition: kept.get(t.table)?.oldest ?? null, retention: kept.get(t.table)?.retention ?? {} })) })}\n`,
      );
      return 0;
    }
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(`${s.batches} committed batches, ${s.compactions} compactions, ${s.retentionRuns} retention runs, ${s.erasures} erasures; target ${mib(s.targetBytes)}`);
    out(`${'table'.padEnd(24)} ${'files'.padStart(7)} ${'MiB'.padStart(10)} ${'rows'.padStart(12)} ${'under target'.padStart(13)}  ${'oldest'.padEnd(7)}  retention`);
    for (const t of s.tables)
      out(
        `${t.table.padEnd(24)} ${String(t.files).padStart(7)} ${(t.bytes / 2 ** 20).toFixed(1).padStart(10)} ${String(t.rows).padStart(12)} ${String(t.underTarget).padStart(13)}  ${(kept.get(t.table)?.oldest ?? '-').padEnd(7)}  ${kept.has(t.table) ? retentionOf(t.table) : '-'}`,
      );
    const total = s.tables.reduce((a, t) => ({ files: a.files + t.files, bytes: a.bytes + t.bytes, under: a.under + t.underTarget }), { files: 0, bytes: 0, under: 0 });
    out(`${'(all)'.padEnd(24)} ${String(total.files).padStart(7)} ${(total.bytes / 2 ** 20).toFixed(1).padStart(10)} ${''.padStart(12)} ${String(total.under).padStart(13)}`);
    out(`replaced files waiting for removal: ${s.retired.files} (${mib(s.retired.bytes)})`);
    return 0;
  },
});
