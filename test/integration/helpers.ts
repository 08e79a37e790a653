import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, inject } from 'vitest';
import { batchIdOf, hashFile } from '../../activities/ingest/inbox.ts';
import { dataLayout } from '../../platform/env.ts';
import { ingestBatchWorkflow, ingestWorkflowId } from '../../workflows/index.ts';
import { ensureSearchAttributes } from '../../platform/search-attributes.ts';
import { installQuietRuntime } from '../../platform/client/session.ts';
import { createGamelakeWorker } from '../../platform/worker/worker.ts';
import type { SteamConfig } from '../../platform/env.ts';

export const NAMESPACE = 'default';

export function tempDataDir(prefix = 'gamelake-data-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function testClient(): Promise<{ client: Client; connection: Connection; address: string }> {
  installQuietRuntime();
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  await ensureSearchAttributes(connection, NAMESPACE);
  return { client: new Client({ connection, namespace: NAMESPACE }), connection, address };
}

/** A client for the test server, opened before the file's tests and closed after them. */
export function useTestClient(): { readonly client: Client } {
  const holder: { client: Client; connection?: Connection } = {} as { client: Client };
  beforeAll(async () => {
    const opened = await testClient();
    holder.client = opened.client;
    holder.connection = opened.connection;
  });
  afterAll(async () => {
    await holder.connection?.close();
  });
  return holder;
}

let queueCounter = 0;

/** A unique task queue per test, so tests in parallel never pick up each other's tasks. */
export function uniqueTaskQueue(name: string): string {
  queueCounter += 1;
  return `test-${name}-${process.pid}-${queueCounter}-${Date.now()}`;
}

/** Runs `fn` while a real gamelake worker (real activities, real bundle) polls `taskQueue`. */
export async function withWorker<T>(dataDir: string, taskQueue: string, fn: () => Promise<T>, steam?: SteamConfig, contractsDir?: string): Promise<T> {
  const { worker, close } = await createGamelakeWorker({
    address: inject('temporalAddress'),
    namespace: NAMESPACE,
    taskQueue,
    deps: { layout: dataLayout(dataDir) },
    steam,
    contractsDir,
  });
  try {
    return await worker.runUntil(fn);
  } finally {
    await close();
  }
}

/** Ingests one file through ingest-batch on a worker of its own; returns the lake it made (the reference a test compares with). */
export async function referenceLake(client: Client, file: string): Promise<string> {
  const dir = tempDataDir();
  const queue = uniqueTaskQueue('reference');
  await withWorker(dir, queue, async () => {
    const sha256 = await hashFile(file);
    const batchId = batchIdOf(sha256);
    await client.workflow.execute(ingestBatchWorkflow, { args: [{ file, sha256, batchId }], taskQueue: queue, workflowId: `${ingestWorkflowId(batchId)}-${queue}` });
  });
  return path.join(dir, 'lake');
}

/**
 * Workflow histories as searchable text, every payload decoded: bytes, or the base64 text the history's
 * JSON form carries (a search of the raw form would never find a secret inside a payload).
 */
export function historiesText(histories: unknown): string {
  return JSON.stringify(histories, (k, v) =>
    v instanceof Uint8Array
      ? Buffer.from(v).toString('latin1')
      : k === 'data' && typeof v === 'string'
        ? Buffer.from(v, 'base64').toString('latin1')
        : typeof v === 'bigint'
          ? v.toString()
          : v,
  );
}

/** Visibility is eventually consistent: poll a list query until it returns what we expect. */
/** The activity a workflow is running now (started on a worker, as the server sees it), and whether the workflow closed. */
export async function runningActivity(handle: WorkflowHandle): Promise<{ activity?: { name: string; attempt: number }; closed: boolean }> {
  const d = await handle.describe();
  const a = d.raw.pendingActivities?.find((p) => Number(p.state) === 2 /* STARTED */);
  return { activity: a ? { name: a.activityType?.name ?? '?', attempt: a.attempt ?? 1 } : undefined, closed: d.status.name !== 'RUNNING' };
}

export async function waitForList(client: Client, query: string, min = 1, timeoutMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let ids: string[] = [];
  while (Date.now() < deadline) {
    ids = [];
    for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
    if (ids.length >= min) return ids;
    await new Promise((r) => setTimeout(r, 300));
  }
  return ids;
}

/** Runs the gamelake CLI without blocking this process (an in-process worker must keep running). */
export function runCli(args: string[], env: Record<string, string | undefined>, timeoutMs = 180_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const bin = new URL('../../bin/gamelake.js', import.meta.url).pathname;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Every file under dir (recursively), gzip archives decompressed, as latin1 text: what `grep -r` would see. */
export function filesText(dir: string): string {
  let out = '';
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      // A live server's transient file (SQLite's journal) may go between the listing and the read.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    out += file.endsWith('.gz') ? gunzipSync(bytes).toString('latin1') : bytes.toString('latin1');
  }
  return out;
}

/** The objects of a command's NDJSON output (`--format json`: one object per line). */
export function ndjson<T = Record<string, unknown>>(text: string): T[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** Resolves once a child process has exited (at once when it already has). */
export function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r()));
}

/** A process's peak resident memory so far (VmHWM), in MiB, from /proc. */
export function peakRssMiB(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/**
 * Staging and commit attempts a workflow's history shows were cut short: Temporal writes a retried
 * activity's ActivityTaskStarted once, when it closes, with the attempt it closed on, so every attempt
 * before that one ended without a result (here, its worker killed); an activity that timed out lost its
 * last attempt too. Counted from the server's record, not from the kills the test sent.
 */
export async function interruptedAttempts(handle: WorkflowHandle, activities: readonly string[] = ['stageBatch', 'commitBatch']): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  const names = new Map<string, string>();
  const timedOut = new Set<string>();
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes) names.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '');
    if (e.activityTaskTimedOutEventAttributes) timedOut.add(String(e.activityTaskTimedOutEventAttributes.scheduledEventId));
  }
  let interrupted = 0;
  for (const e of events) {
    const started = e.activityTaskStartedEventAttributes;
    if (!started) continue;
    const scheduled = String(started.scheduledEventId);
    if (!activities.includes(names.get(scheduled) ?? '')) continue;
    interrupted += (started.attempt ?? 1) - 1 + (timedOut.has(scheduled) ? 1 : 0);
  }
  return interrupted;
}
