import { loadConfig } from '../../platform/env.ts';
import { UsageError } from '../../platform/errors.ts';
import { startQuarantineReplay } from '../../platform/client/jobs.ts';
import { connectClient, hasWorkers, workflowUrl } from '../../platform/client/session.ts';
import type { QuarantineReplayResult } from '../../workflows/index.ts';
import { defineCommand, progress } from '../command.ts';

const n = (v: number) => v.toLocaleString('en-US');

export const quarantineReplayCommand = defineCommand({
  path: ['quarantine', 'replay'],
  usage: 'quarantine replay [--batch ID]... [--reason PREFIX]... [--since DATE] [--dry-run]',
  summary: 'Ingest again the quarantined lines the contracts accept now (a contract fixed, a producer bug fixed).',
  help: `
Runs the quarantine-replay workflow and waits for it. It reads the rejected lines of the quarantine that
match (every batch's, or those given; every reason, or those starting with a prefix given; batches
committed since DATE) and were not recovered before, validates them under the contracts the worker has
now (a product-scoped batch's lines keep to its products), and ingests the ones that pass as one new batch
through ingest-batch. Then each line is marked recovered: quarantine_reasons, the UI and a later replay do
not count it again, and its event lands once (a duplicate if the same event id came in meanwhile).

The same selection replayed again changes nothing. Lines cut at 64 KiB (too_large: only their head is
kept) cannot be recovered, and the command says how many. Secrets stay masked: a line whose only problem
was its secret field is recovered without it (secrets are never stored). Duplicates are not replayed.

Options:
  --batch ID        only this batch's lines (repeatable)
  --reason PREFIX   only lines whose reason starts with PREFIX, e.g. out_of_range: (repeatable)
  --since DATE      only batches committed at or after DATE (ISO 8601)
  --dry-run         print what would be recovered, by reason; ingest nothing`,
  options: { batch: { type: 'string', multiple: true }, reason: { type: 'string', multiple: true }, since: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  async run({ values }) {
    const config = loadConfig();
    const since = values.since as string | undefined;
    if (since !== undefined && Number.isNaN(Date.parse(since))) throw new UsageError(`--since: "${since}" is not a date (ISO 8601, as in 2026-12-01)`);
    const batches = (values.batch as string[] | undefined) ?? [];
    for (const b of batches) if (!/^[0-9a-f]{16}$/.test(b)) throw new UsageError(`--batch: "${b}" is not a batch id (16 hex digits, as gamelake batches lists them)`);
    const dryRun = values['dry-run'] === true;
    const selection = {
      ...(batches.length ? { batches } : {}),
      ...((values.reason as string[] | undefined)?.length ? { reasons: values.reason as string[] } : {}),
      ...(since ? { since: new Date(Date.parse(since)).toISOString() } : {}),
    };
    const { client, connection } = await connectClient(config);
    try {
      if (!(await hasWorkers(client, config.taskQueue))) progress(`warning: no worker is polling task queue "${config.taskQueue}"`);
      const handle = await startQuarantineReplay(client, config.taskQueue, { selection, ...(dryRun ? { dryRun } : {}) });
      progress(`quarantine replay${dryRun ? ' (dry run)' : ''}: ${workflowUrl(config.uiUrl, config.namespace, handle.workflowId)}`);
      process.stdout.write(replayText(await handle.result()));
      return 0;
    } finally {
      await connection.close();
    }
  },
});

/** A replay's outcome as lines: per reason, what matched and what became of it; then the batch. */
export function replayText(r: QuarantineReplayResult): string {
  const lines: string[] = [];
  const would = r.dryRun ? 'would be recovered' : 'recoverable';
  lines.push(`${n(r.selected)} quarantined lines selected: ${n(r.recoverable)} ${would}, ${n(r.cut)} not kept whole (cut at 64 KiB): cannot be recovered`);
  for (const [reason, c] of Object.entries(r.byReason).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const failing = Object.entries(c.stillFailing)
      .map(([why, k]) => `${why} ${n(k)}`)
      .join(', ');
    lines.push(`  ${reason}: ${n(c.selected)} selected, ${n(c.recoverable)} ${would}${c.cut ? `, ${n(c.cut)} cut` : ''}${failing ? `; still refused: ${failing}` : ''}`);
  }
  if (r.batch)
    lines.push(
      `replay batch ${r.batch.batchId}: ${n(r.batch.accepted)} accepted, ${n(r.batch.duplicates)} duplicates (their events were in the lake already), ${n(r.batch.quarantined)} quarantined again${r.batch.alreadyIngested ? ' (already ingested)' : ''}`,
    );
  else if (!r.dryRun) lines.push('nothing to recover: no batch ingested');
  return `${lines.join('\n')}\n`;
}
