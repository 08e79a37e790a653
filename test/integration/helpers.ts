import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { dataLayout } from '../../platform/env.ts';
import { ensureSearchAttributes } from '../../platform/search-attributes.ts';
import { installQuietRuntime } from '../../platform/session.ts';
import { createGamelakeWorker } from '../../platform/worker.ts';

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

let queueCounter = 0;

/** A unique task queue per test, so tests in parallel never pick up each other's tasks. */
export function uniqueTaskQueue(name: string): string {
  queueCounter += 1;
  return `test-${name}-${process.pid}-${queueCounter}-${Date.now()}`;
}

/** Runs `fn` while a real gamelake worker (real activities, real bundle) polls `taskQueue`. */
export async function withWorker<T>(dataDir: string, taskQueue: string, fn: () => Promise<T>): Promise<T> {
  const { worker, close } = await createGamelakeWorker({
    address: inject('temporalAddress'),
    namespace: NAMESPACE,
    taskQueue,
    deps: { layout: dataLayout(dataDir) },
  });
  try {
    return await worker.runUntil(fn);
  } finally {
    await close();
  }
}

/** Visibility is eventually consistent: poll a list query until it returns what we expect. */
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
