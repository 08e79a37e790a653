import { NativeConnection, Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import { loadContracts, recoverLake } from '../lake/index.ts';
import { createSteamClient, createSteamFetchActivities } from '../activities/steam/index.ts';
import { steamTaskQueue } from '../workflows/index.ts';
import { loadConfig, type SteamConfig } from './env.ts';
import { startMartsBuild, startSteamSweep } from './jobs.ts';
import { workflowBundle } from './workflow-bundle.ts';

export { workflowBundle, WORKFLOWS_PATH } from './workflow-bundle.ts';

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  /** The activities' dependencies; the contracts are read from `contractsDir` unless given. */
  deps: Omit<ActivityDeps, 'registry'> & { registry?: ActivityDeps['registry'] };
  /** Folder of the game contracts (default: the installation's contracts/). */
  contractsDir?: string;
  /** Steam API access (the key stays here, in the worker); default: Valve's API, no key, 1 call/s. */
  steam?: SteamConfig;
  /** Where the worker says what it did on start (a crash taken back). */
  log?: (line: string) => void;
}

/** The worker of a task queue and the worker of its Steam activities, run and stopped together. */
export interface GamelakeWorkers {
  main: Worker;
  steam: Worker;
  /** Runs both until a shutdown signal (SIGINT/SIGTERM) or until one fails. */
  run(): Promise<void>;
  /** Runs both while fn runs, then shuts them down. */
  runUntil<T>(fn: () => Promise<T>): Promise<T>;
  shutdown(): void;
}

/**
 * Workers for gamelake's task queue (workflows and local activities) and for `<queue>-steam`, whose
 * activities each make one Steam API call: its maxTaskQueueActivitiesPerSecond is enforced by the Temporal
 * server across every worker of the queue, so it is the global Steam call rate (STEAM_RATE_PER_SEC).
 */
export async function createGamelakeWorker(options: WorkerOptions): Promise<{ worker: GamelakeWorkers; close(): Promise<void> }> {
  // The contracts first: a bad contract file stops the worker with a message naming the file and the field.
  const registry = options.deps.registry ?? loadContracts(options.contractsDir);
  // What a crash left half done goes first: partition folders hold only committed files.
  const recovered = await recoverLake(options.deps.layout.lake);
  if (recovered.commits.length > 0 || (recovered.compactions ?? 0) > 0) {
    options.log?.(`took back ${recovered.commits.length} cut-short batch commits (${recovered.files} files) and ${recovered.compactions ?? 0} compactions`);
  }
  const connection = await NativeConnection.connect({ address: options.address });
  // Activities that start other jobs (a warehouse build after a batch) use a client of their own.
  const clientConnection = await Connection.connect({ address: options.address });
  const client = new Client({ connection: clientConnection, namespace: options.namespace });
  // Without Steam settings: the defaults an empty environment gives (Valve's API, no key, 1 call/s).
  const steamConfig: SteamConfig = options.steam ?? loadConfig({}).steam;
  const steamClient = createSteamClient({ ...steamConfig, pacePerSec: steamConfig.ratePerSec });
  const main = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      requestMartsBuild: async () => {
        await startMartsBuild(client, options.taskQueue);
      },
      requestSteamSweep: async () => {
        await startSteamSweep(client, options.taskQueue);
      },
      ...options.deps,
      registry,
    }),
  });
  const steam = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: steamTaskQueue(options.taskQueue),
    ...(steamConfig.ratePerSec > 0 ? { maxTaskQueueActivitiesPerSecond: steamConfig.ratePerSec, maxActivitiesPerSecond: steamConfig.ratePerSec } : {}),
    maxConcurrentActivityTaskExecutions: 16,
    activities: createSteamFetchActivities({
      lakeDir: options.deps.layout.lake,
      client: steamClient,
      callId: () => {
        const info = Context.current().info;
        return `${info.workflowExecution?.runId ?? "standalone"}/${info.activityId}`;
      },
    }),
  });
  const workers: GamelakeWorkers = {
    main,
    steam,
    async run() {
      const runs = [main.run(), steam.run()];
      try {
        await Promise.all(runs);
      } catch (err) {
        workers.shutdown();
        await Promise.allSettled(runs);
        throw err;
      }
    },
    runUntil(fn) {
      return main.runUntil(() => steam.runUntil(fn));
    },
    shutdown() {
      for (const w of [main, steam]) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
  return {
    worker: workers,
    async close() {
      await steamClient.close();
      await connection.close();
      await clientConnection.close();
    },
  };
}
