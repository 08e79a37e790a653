import { createRequire } from 'node:module';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import { startMartsBuild } from './jobs.ts';

const require = createRequire(import.meta.url);

/** Entry module of the workflow bundle. */
export const WORKFLOWS_PATH = require.resolve('../workflows/index.ts');

let cachedBundle: Promise<WorkflowBundle> | undefined;

/** Bundles the workflow code once per process (webpack takes seconds; several workers share it). */
export function workflowBundle(): Promise<WorkflowBundle> {
  cachedBundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return cachedBundle;
}

const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string) {
    console.warn(message);
  },
  error(message: string) {
    console.error(message);
  },
};

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
}

/** A worker for gamelake's task queue with the real activities. */
export async function createGamelakeWorker(options: WorkerOptions): Promise<{ worker: Worker; close(): Promise<void> }> {
  const connection = await NativeConnection.connect({ address: options.address });
  // Activities that start other jobs (a warehouse build after a batch) use a client of their own.
  const clientConnection = await Connection.connect({ address: options.address });
  const client = new Client({ connection: clientConnection, namespace: options.namespace });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      requestMartsBuild: async () => {
        await startMartsBuild(client, options.taskQueue);
      },
      ...options.deps,
    }),
  });
  return {
    worker,
    async close() {
      await connection.close();
      await clientConnection.close();
    },
  };
}
