import { loadConfig } from '../../platform/env.ts';
import { UsageError } from '../../platform/errors.ts';
import { fileOfRun, listBatches } from '../../platform/client/batches.ts';
import { awaitWorkflow, startIngest } from '../../platform/client/jobs.ts';
import { connectClient, workflowUrl } from '../../platform/client/session.ts';
import type { IngestBatchResult } from '../../workflows/index.ts';
import { defineCommand, intFlag, progress } from '../command.ts';

const n = (v: number | undefined) => (v === undefined ? '-' : v.toLocaleString('en-US'));

export const batchesCommand = defineCommand({
  path: ['batches'],
  usage: 'batches [--failed] [--limit N] [--json]',
  summary: 'List the batches Temporal ingested or tried to: outcome, counts, and why a failed one failed.',
  help: `
One row per batch: its latest ingest-batch run (a batch that failed and was ingested again shows as
committed), newest first, with lines in, quarantined and duplicates, and for a failed batch the reason.
Retry failed ones, once their cause is fixed, with \`gamelake batches retry\`.

Options:
  --failed    only the batches whose latest run failed
  --limit N   at most N batches (default 50)
  --json      one JSON object per batch`,
  options: { failed: { type: 'boolean' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }) {
    const config = loadConfig();
    const { client, connection } = await connectClient(config);
    try {
      const rows = await listBatches(client, { failed: values.failed === true, limit: intFlag(values, 'limit', 50, 1) });
      for (const b of rows) {
        if (values.json) process.stdout.write(`${JSON.stringify(b)}\n`);
        else
          process.stdout.write(
            `${b.batchId}  ${b.outcome.padEnd(16)} ${n(b.linesIn).padStart(10)} in ${n(b.quarantined).padStart(8)} quarantined ${n(b.duplicates).padStart(8)} dup  ${b.file ?? '?'}${b.reason ? `\n    ${b.reason}` : ''}\n`,
          );
      }
      if (!values.json && rows.length === 0) progress(values.failed ? 'no failed batch' : 'no batch yet');
      return 0;
    } finally {
      await connection.close();
    }
  },
});

export const batchesRetryCommand = defineCommand({
  path: ['batches', 'retry'],
  usage: 'batches retry BATCH_ID... | batches retry --failed  [--wait]',
  summary: 'Ingest failed batches again (their files, as first submitted), once the cause is fixed.',
  help: `
Starts a new ingest-batch run for each batch (its id is the first 16 hex of the file's sha256, as
\`gamelake batches\` lists it). The file must still be where it was submitted and unchanged; a
batch that committed meanwhile is a no-op.

Options:
  --failed    every batch whose latest run failed
  --wait      wait for each and print its counts; exits 1 if one failed again`,
  options: { failed: { type: 'boolean' }, wait: { type: 'boolean' } },
  positionals: true,
  async run({ values, positionals }) {
    if (!values.failed && positionals.length === 0) throw new UsageError('give BATCH_ID..., or --failed (see gamelake batches retry --help)');
    const config = loadConfig();
    const { client, connection } = await connectClient(config);
    try {
      const failed = await listBatches(client, { failed: true, limit: 1000 });
      const wanted = values.failed ? failed : positionals.map((id) => failed.find((b) => b.batchId === id || b.batchId.startsWith(id)) ?? id);
      let failures = 0;
      for (const w of wanted) {
        if (typeof w === 'string') {
          progress(`${w}: no failed batch with that id (see gamelake batches --failed)`);
          failures += 1;
          continue;
        }
        const file = w.file ?? (await fileOfRun(client, w.workflowId, w.runId));
        if (!file) {
          progress(`${w.batchId}: its run does not say which file it was`);
          failures += 1;
          continue;
        }
        const started = await startIngest(client, config.taskQueue, file);
        if (started.batchId !== w.batchId) progress(`${w.batchId}: ${file} has changed since (its content is batch ${started.batchId} now)`);
        progress(`retrying ${w.batchId} (${file}): ${workflowUrl(config.uiUrl, config.namespace, started.workflowId)}`);
        if (!values.wait) continue;
        try {
          const r = await awaitWorkflow<IngestBatchResult>(started.handle);
          process.stdout.write(`${r.batchId}  ${file}: ${r.linesIn} lines, ${r.accepted} accepted, ${r.quarantined} quarantined, ${r.duplicates} duplicates\n`);
        } catch (err) {
          failures += 1;
          const e = err as Error & { cause?: Error };
          process.stderr.write(`gamelake batches retry: ${(e.cause?.message ?? e.message).split('\n')[0]}\n`);
        }
      }
      return failures > 0 ? 1 : 0;
    } finally {
      await connection.close();
    }
  },
});
