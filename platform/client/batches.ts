import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { GAMELAKE_BATCH_ID, GAMELAKE_DUPLICATES, GAMELAKE_LINES_IN, GAMELAKE_OUTCOME, GAMELAKE_QUARANTINED } from '../../workflows/search-attributes.ts';

/** One batch as Temporal knows it: its latest ingest-batch run, with the counts that run recorded. */
export interface BatchRun {
  batchId: string;
  file: string | undefined;
  /** committed, already-ingested, failed, running (or the run's status when it recorded no outcome). */
  outcome: string;
  linesIn: number | undefined;
  quarantined: number | undefined;
  duplicates: number | undefined;
  startedAt: Date;
  closedAt: Date | undefined;
  workflowId: string;
  runId: string;
  /** Why a failed run failed (its failure's message). */
  reason?: string;
}

function value<T>(wf: WorkflowExecutionInfo, key: { name: string }): T | undefined {
  const found = wf.typedSearchAttributes.getAll().find((p) => p.key.name === key.name);
  return found?.value as T | undefined;
}

/** Why a closed, failed run failed. */
async function failureOf(client: Client, wf: WorkflowExecutionInfo): Promise<string> {
  try {
    await client.workflow.getHandle(wf.workflowId, wf.runId).result();
    return '';
  } catch (err) {
    const e = err as Error & { cause?: Error };
    return (e.cause?.message ?? e.message).split('\n')[0]!;
  }
}

/**
 * The batches Temporal has runs of, newest first: the latest run per batch (a failed batch that was ingested
 * again shows as committed). `failed`: only batches whose latest run failed.
 */
export async function listBatches(client: Client, options: { failed?: boolean; limit?: number } = {}): Promise<BatchRun[]> {
  const limit = options.limit ?? 50;
  const latest = new Map<string, BatchRun>();
  for await (const wf of client.workflow.list({ query: 'GamelakeJob = "ingest-batch" ORDER BY StartTime DESC' })) {
    const batchId = value<string>(wf, GAMELAKE_BATCH_ID) ?? wf.workflowId.replace(/^ingest-batch-/, '');
    if (latest.has(batchId)) continue;
    const status = wf.status.name;
    const outcome = status === 'RUNNING' ? 'running' : (value<string>(wf, GAMELAKE_OUTCOME) ?? status.toLowerCase());
    latest.set(batchId, {
      batchId,
      file: (wf.memo?.file as string | undefined) ?? undefined,
      outcome: outcome === 'completed' ? 'committed' : outcome,
      linesIn: value<number>(wf, GAMELAKE_LINES_IN),
      quarantined: value<number>(wf, GAMELAKE_QUARANTINED),
      duplicates: value<number>(wf, GAMELAKE_DUPLICATES),
      startedAt: wf.startTime,
      closedAt: wf.closeTime,
      workflowId: wf.workflowId,
      runId: wf.runId,
    });
    if (latest.size >= limit * 4) break;
  }
  const rows = [...latest.values()].filter((b) => !options.failed || b.outcome === 'failed' || b.outcome === 'terminated' || b.outcome === 'timed_out').slice(0, limit);
  for (const b of rows) if (b.outcome === 'failed') b.reason = await failureOf(client, { workflowId: b.workflowId, runId: b.runId } as WorkflowExecutionInfo);
  return rows;
}

/** The file a batch's run ingested: its memo, else the input recorded in its history. */
export async function fileOfRun(client: Client, workflowId: string, runId: string): Promise<string | undefined> {
  const description = await client.workflow.getHandle(workflowId, runId).describe();
  const memo = description.memo?.file as string | undefined;
  if (memo) return memo;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0]?.data;
  if (!payload) return undefined;
  const input = JSON.parse(Buffer.from(payload).toString('utf8')) as { file?: string };
  return input.file;
}
