import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { loadConfig } from '../../platform/env.ts';
import { UsageError } from '../../platform/errors.ts';
import { connectClient, hasWorkers, workflowUrl } from '../../platform/client/session.ts';
import { awaitWorkflow, startIngest, type StartedIngest } from '../../platform/client/jobs.ts';
import type { IngestBatchResult } from '../../workflows/index.ts';
import { defineCommand, progress } from '../command.ts';

export const ingestCommand = defineCommand({
  path: ['ingest'],
  usage: 'ingest FILE... [--wait] [--json]',
  summary: 'Ingest NDJSON batch files (plain or gzip) into the lake, exactly once per file content.',
  help: `
Each file becomes one ingest-batch workflow whose id comes from the file's sha256, so ingesting the
same content again changes nothing and says so. Workers must be able to read the path (same machine
or a shared volume). Needs a running server and worker (\`gamelake dev\`, or TEMPORAL_ADDRESS).

Options:
  --wait    wait for every batch and print its counts (the default is to start them and print links)
  --json    wait, then print one JSON object per batch:
            {batchId, file, linesIn, accepted, quarantined, duplicates, files:[...], alreadyIngested}

While waiting, the running step's progress is printed every few seconds (lines staged, rate, time
left); a restart of the Temporal server meanwhile is waited out. Exits 1 if any batch failed; its
one-line reason names the file and the step.`,
  options: { wait: { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: true,
  async run({ values, positionals }) {
    if (positionals.length === 0) throw new UsageError('no FILE given (see gamelake ingest --help)');
    const files = positionals.map((f) => path.resolve(f));
    for (const f of files) {
      if (!existsSync(f) || !statSync(f).isFile()) throw new UsageError(`${f} is not a file`);
    }
    const config = loadConfig();
    const { client, connection } = await connectClient(config);
    const wait = values.wait === true || values.json === true;
    try {
      if (!(await hasWorkers(client, config.taskQueue))) {
        progress(`warning: no worker is polling task queue "${config.taskQueue}"; batches wait until \`gamelake dev\` or \`gamelake worker\` runs`);
      }
      const started: StartedIngest[] = [];
      for (const file of files) {
        progress(`hashing ${file}`);
        const ingest = await startIngest(client, config.taskQueue, file);
        progress(`${ingest.existed ? 'batch already known' : 'started'} ${ingest.workflowId}  ${workflowUrl(config.uiUrl, config.namespace, ingest.workflowId)}`);
        started.push(ingest);
      }
      if (!wait) return 0;

      let failures = 0;
      for (const { file, handle, existed, batchId } of started) {
        let result: IngestBatchResult;
        const size = statSync(file).size;
        const gzip = file.endsWith('.gz');
        try {
          result = await awaitWorkflow<IngestBatchResult>(handle, {
            onProgress: ({ activity, attempt, details, seconds }) => {
              const lines = Number(details.lines ?? 0);
              const bytes = Number(details.bytes ?? 0);
              const rate = seconds > 0 ? bytes / seconds : 0;
              const left = !gzip && rate > 0 && bytes < size ? `, about ${Math.ceil((size - bytes) / rate)} s left` : '';
              const step = details.step && details.step !== 'stage' ? ` (${String(details.step)})` : '';
              progress(
                `batch ${batchId}: ${activity}${attempt > 1 ? ` attempt ${attempt}` : ''}${step}, ${lines.toLocaleString('en-US')} lines, ${(rate / 2 ** 20).toFixed(1)} MiB/s${left}`,
              );
            },
          });
        } catch (err) {
          failures += 1;
          const cause = err instanceof WorkflowFailedError && err.cause ? err.cause.message : (err as Error).message;
          process.stderr.write(`gamelake ingest: ${cause}\n`);
          continue;
        }
        const already = existed || result.alreadyIngested;
        const out = { ...result, file, alreadyIngested: already };
        if (values.json) {
          const { rejectedByReason: _r, ...json } = out;
          process.stdout.write(`${JSON.stringify(json)}\n`);
        } else {
          process.stdout.write(
            `${result.batchId}  ${file}: ${result.linesIn} lines, ${result.accepted} accepted, ${result.quarantined} quarantined, ${result.duplicates} duplicates${already ? '  (already ingested: nothing changed)' : ''}\n`,
          );
        }
      }
      return failures > 0 ? 1 : 0;
    } finally {
      await connection.close();
    }
  },
});
