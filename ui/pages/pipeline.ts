import type { Client } from '@temporalio/client';
import path from 'node:path';
import { lakeSnapshot, lakeStatus } from '../../lake/index.ts';
import { readLiveSources } from '../../platform/live-status.ts';
import { warehouseStatus } from '../../warehouse/status.ts';
import { listUrl, offsetOf, runUrl, withParams, type PageContext } from '../context.ts';
import { chart, html, notice, section, show, table, tiles, type Html } from '../html.ts';

/** This deployment's failed batches (its task queue: one Temporal server may run several deployments). */
const failedBatchesQuery = (taskQueue: string) => `GamelakeJob = "ingest-batch" AND GamelakeOutcome = "failed" AND TaskQueue = ${JSON.stringify(taskQueue)}`;
const PAGE = 20;

interface FailedBatch {
  workflow_id: string;
  run_id: string;
  closed_at: Date | null;
  reason: string;
  ingested_since: boolean;
}

/** The most recent failed batches and why (the failure the workflow ended with). */
export async function failedBatches(client: Client, lakeDir: string, taskQueue: string, limit = 10): Promise<FailedBatch[]> {
  const committed = lakeSnapshot(lakeDir).batches;
  const out: FailedBatch[] = [];
  for await (const wf of client.workflow.list({ query: failedBatchesQuery(taskQueue), pageSize: limit })) {
    let reason = '';
    try {
      await client.workflow.getHandle(wf.workflowId, wf.runId).result();
    } catch (err) {
      const e = err as Error & { cause?: Error };
      reason = e.cause?.message ?? e.message;
    }
    const batchId = wf.workflowId.replace(/^ingest-batch-/, '').slice(0, 16);
    out.push({ workflow_id: wf.workflowId, run_id: wf.runId, closed_at: wf.closeTime ?? null, reason, ingested_since: committed.has(batchId) });
    if (out.length >= limit) break;
  }
  return out;
}

export interface ScheduleRow {
  schedule: string;
  every: string;
  next_run: Date | null;
  last_run: Date | null;
  paused: boolean;
  note: string;
}

/** gamelake's Schedules: how often each runs, when it runs next, whether it is paused. */
export async function schedules(client: Client): Promise<ScheduleRow[]> {
  const rows: ScheduleRow[] = [];
  for await (const s of client.schedule.list()) {
    const every = s.spec?.intervals?.map((i) => `${Math.round(Number(i.every) / 1000)} s`).join(', ') ?? '';
    rows.push({
      schedule: s.scheduleId,
      every,
      next_run: s.info.nextActionTimes[0] ?? null,
      last_run: s.info.recentActions.at(-1)?.takenAt ?? null,
      paused: s.state.paused,
      note: s.state.note ?? '',
    });
  }
  return rows.sort((a, b) => (a.schedule < b.schedule ? -1 : 1));
}

export async function pipelinePage(ctx: PageContext): Promise<Html> {
  const { deps } = ctx;
  const offset = offsetOf(ctx);
  const [status, lake, batches, recent, reasons, replays] = await Promise.all([
    warehouseStatus(deps.warehousePath, deps.lakeDir),
    lakeStatus(deps.lakeDir),
    ctx.warehouse.named('batches', { limit: String(PAGE), offset: String(offset) }),
    ctx.warehouse.named('batches', { limit: '200', offset: '0' }),
    ctx.warehouse.named('quarantine_reasons', { limit: '10' }),
    ctx.warehouse.named('quarantine_recovered', {}),
  ]);
  const recovered = replays.rows.reduce((n, r) => n + Number(r.recovered as bigint), 0);
  // Batches in commit order, oldest first: each a stack of its accepted, quarantined and duplicate lines (together its lines in).
  const series = [...recent.rows].reverse().flatMap((b) =>
    (['accepted', 'quarantined', 'duplicates'] as const).map((m) => ({
      batch: `${new Date(b.committed_at as string).toISOString().slice(5, 19).replace('T', ' ')} ${String(b.batch_id).slice(0, 6)}`,
      measure: m,
      lines: Number(b[m] as bigint),
    })),
  );
  let temporal: Html = notice('Temporal is not reachable from this UI: failed batches and Schedules are shown when it is (gamelake dev, or TEMPORAL_ADDRESS).');
  const client = await deps.temporal?.().catch(() => undefined);
  if (client) {
    try {
      const [failed, plans] = await Promise.all([failedBatches(client, deps.lakeDir, deps.taskQueue), schedules(client)]);
      temporal = html`${section(
        'Failed batches',
        table(
          { columns: ['workflow_id', 'closed_at', 'reason', 'ingested_since'], rows: failed as unknown as Array<Record<string, unknown>> },
          { id: 'failed-batches', empty: 'No batch has failed.', links: { workflow_id: (r) => runUrl(deps, r.workflow_id as string, r.run_id as string) } },
        ),
        'The ingest-batch runs that ended failed, newest first; each links to its run in the Temporal UI. "ingested_since": a later run of the same file committed it.',
      )}
      <p><a href="${listUrl(deps, failedBatchesQuery(deps.taskQueue))}" target="_blank" rel="noopener">All failed batches in the Temporal UI ↗</a></p>
      ${section('Schedules', table({ columns: ['schedule', 'every', 'next_run', 'last_run', 'paused', 'note'], rows: plans as unknown as Array<Record<string, unknown>> }, { id: 'schedules', empty: 'No Schedules (gamelake dev and gamelake worker create them).' }))}`;
    } catch (err) {
      temporal = notice(`Temporal answered with an error: ${(err as Error).message}`);
    }
  }
  const live = liveSection(readLiveSources(deps.spoolDir ?? path.join(path.dirname(deps.lakeDir), 'spool')), status.freshness);
  const totalFiles = lake.tables.reduce((n, t) => n + t.files, 0);
  const totalBytes = lake.tables.reduce((n, t) => n + t.bytes, 0);
  return html`
${tiles([
  { label: 'batches in the warehouse', value: status.batches.inWarehouse, id: 'tile-batches' },
  { label: 'batches pending a build', value: status.batches.pending.length, id: 'tile-pending' },
  { label: `last build (${status.lastBuild?.kind ?? 'none'})`, value: status.lastBuild ? `${(status.lastBuild.ms / 1000).toFixed(1)} s` : '-' },
  { label: 'newest batch in the warehouse', value: status.newestBatchAgeSeconds === null ? '-' : `${show(Math.round(status.newestBatchAgeSeconds / 60))} min ago` },
  { label: 'lake files', value: totalFiles },
  { label: 'lake MiB', value: totalBytes / 2 ** 20, digits: 1 },
])}
${section(
  'Batches over time',
  html`${chart('chart-batches', 'Lines of each batch (the last 200), in commit order: accepted, quarantined, duplicates', { kind: 'bar', x: 'batch', y: 'lines', series: 'measure', rows: series, xLabel: 'batch (committed at, id)', yLabel: 'lines' })}
  ${table(batches, { id: 'batches', paging: { offset, limit: PAGE, href: (o) => withParams('/pipeline', { offset: o }), total: status.batches.inWarehouse } })}`,
)}
${live}
${temporal}
${section(
  'Quarantine: the most common reasons',
  table({ columns: ['reason', 'lines', 'batches', 'sample_batch', 'sample_line', 'sample_raw'], rows: reasons.rows }, { id: 'quarantine-reasons', empty: 'Nothing quarantined.' }),
  `Each with the first line quarantined for it (secrets masked before they reached the lake). Recovered by replays (gamelake quarantine replay): ${recovered.toLocaleString('en-US')} lines in ${replays.rows.length} replay batches; those are no longer counted here.`,
)}
${section(
  "The lake's files",
  table(
    {
      columns: ['table', 'files', 'mib', 'rows', 'under_target'],
      rows: lake.tables.map((t) => ({ table: t.table, files: t.files, mib: t.bytes / 2 ** 20, rows: t.rows, under_target: t.underTarget })),
    },
    { id: 'lake-files' },
  ),
  `Live files per table (${lake.compactions} compactions so far; ${lake.retired.files} replaced files waiting for removal). Files under the ${lake.targetBytes / 2 ** 20} MiB target are merged by gamelake lake compact. Erasure log (gamelake forget): ${lake.erasures} erasures; retention runs that dropped data: ${lake.retentionRuns}.`,
)}
${section(
  'The warehouse',
  table(
    { columns: ['model', 'refresh', 'rows', 'refreshedAt', 'ms'], rows: status.marts as unknown as Array<Record<string, unknown>> },
    { id: 'marts', links: { model: (r) => `/catalog#${r.model as string}` } },
  ),
  status.lastBuild
    ? `Last build ${status.lastBuild.buildId}: ${status.lastBuild.kind}${status.lastBuild.fullBecause ? ` (${status.lastBuild.fullBecause})` : ''}, ${status.lastBuild.newBatches} new batches, ${status.lastBuild.checks} checks passed, finished ${status.lastBuild.finishedAt}.`
    : undefined,
)}`;
}

/** The collector's and the consumers' own reports, and how fresh the last segments of live events were. */
function liveSection(sources: ReturnType<typeof readLiveSources>, freshness: Awaited<ReturnType<typeof warehouseStatus>>['freshness']): Html {
  if (sources.length === 0 && freshness.length === 0) return html``;
  const rows = sources.map((s) => ({
    source: s.name,
    kind: s.kind,
    state: s.state,
    events_per_s: s.eventsPerSecond,
    requests_per_s: s.requestsPerSecond ?? null,
    events: s.events,
    refused:
      s.refused && Object.keys(s.refused).length > 0
        ? Object.entries(s.refused)
            .map(([status, n]) => `${status}: ${n}`)
            .join(', ')
        : '',
    spool_mib: s.spool.depthBytes / 2 ** 20,
    closed_segments: s.spool.closedSegments,
    pending: s.redis?.pending ?? null,
    lag: s.redis?.lag ?? null,
    updated_at: s.updatedAt,
  }));
  const fresh = freshness.map((f) => ({
    batch_id: f.batchId,
    first_ack: f.firstAckAt,
    last_ack: f.lastAckAt,
    committed_at: f.committedAt,
    built_at: f.builtAt ?? 'waiting for a build',
    newest_s: f.newestSeconds,
    oldest_s: f.oldestSeconds,
  }));
  return html`${section(
    'Live events: sources',
    table(
      { columns: ['source', 'kind', 'state', 'events_per_s', 'requests_per_s', 'events', 'refused', 'spool_mib', 'closed_segments', 'pending', 'lag', 'updated_at'], rows },
      { id: 'live-sources', empty: 'No collector or consumer has run on this data directory.' },
    ),
    'What each gamelake collect and gamelake consume reports every 2 s: rates over the last 10 s, requests refused by HTTP status since it started, what its spool holds, and for a Redis consumer its group\'s pending entries and lag (XINFO GROUPS). "gone": killed, or silent for 15 s.',
  )}
  ${section(
    'Live events: freshness',
    table(
      { columns: ['batch_id', 'first_ack', 'last_ack', 'committed_at', 'built_at', 'newest_s', 'oldest_s'], rows: fresh },
      { id: 'live-freshness', empty: 'No segment of live events is in the lake yet.' },
    ),
    'The last segments of live events: when their first and last events were acknowledged (202 or XACK), committed to the lake and built into the marts; newest_s and oldest_s are the seconds from those acknowledgements to the marts.',
  )}`;
}
