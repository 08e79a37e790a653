import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { activityReporter, createActivities, type ActivityDeps } from '../../activities/index.ts';
import { createWarehouseActivities } from '../../warehouse/activities.ts';
import type { WorkerMetrics } from '../metrics.ts';
import { loadContracts, recoverLake, STEAM_DIR } from '../../lake/index.ts';
import { assertKeyInRotation, createSteamClient, createSteamFetchActivities, revokedKeys } from '../../activities/steam/index.ts';
import { steamKeyQueue, steamSharedQueue } from '../../workflows/index.ts';
import { steamKeySlots } from './steam-key-slots.ts';
import { loadConfig, steamKeys, type SteamConfig } from '../env.ts';
import { startMartsBuild, startSteamSweep } from '../client/jobs.ts';
import { untrackPlayers } from '../client/schedules.ts';
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
  /** The worker's metrics, told of each batch committed and build finished. */
  metrics?: WorkerMetrics;
}

/** The worker of a task queue and the worker of its Steam activities, run and stopped together. */
export interface GamelakeWorkers {
  main: Worker;
  /** The worker of the Steam queue every key shares, then one per key (STEAM_API_KEYS) on its key's own queue. */
  steam: Worker[];
  /** Runs both until a shutdown signal (SIGINT/SIGTERM) or until one fails. */
  run(): Promise<void>;
  /** Runs both while fn runs, then shuts them down. */
  runUntil<T>(fn: () => Promise<T>): Promise<T>;
  shutdown(): void;
}

/**
 * Workers for gamelake's task queue (workflows and local activities) and for the Steam queues, whose
 * activities each make one Steam API call at a slot of its key (the lake's steam/_slots: each key's rate,
 * STEAM_RATE_PER_SEC, across every worker).
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
  const keys = steamKeys(steamConfig);
  // One client per key, its calls leaving at the key's rate in slots shared by every worker (the lake's
  // steam/_slots/<position>); a key taken out of rotation is not sent again, even by calls already
  // waiting for their slot.
  const steamClients = keys.map((apiKey, i) =>
    createSteamClient({
      ...steamConfig,
      apiKey,
      pacePerSec: steamConfig.ratePerSec,
      slotsDir: path.join(options.deps.layout.lake, STEAM_DIR, '_slots', String(i + 1)),
      beforeSend: (endpoint) => assertKeyInRotation(options.deps.layout.lake, { position: i + 1, count: keys.length }, endpoint),
    }),
  );
  if (steamConfig.ratePerSec > 0) options.metrics?.steamBudget(keys.length, steamConfig.ratePerSec);
  const main = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    // Activities heartbeat every second; sent as they come (the SDK would hold them for 80% of the
    // heartbeat timeout), a 5-second timeout leaves four beats of slack before a live attempt is taken for dead.
    maxHeartbeatThrottleInterval: '1 second',
    // The one place everything is wired: each folder's activities, around the dependencies they receive.
    activities: {
      ...createActivities({
        requestMartsBuild: async () => {
          await startMartsBuild(client, options.taskQueue);
        },
        requestSteamSweep: async () => {
          await startSteamSweep(client, options.taskQueue);
        },
        untrackSteamPlayer: async (accountId) => {
          await untrackPlayers(client, [accountId]);
        },
        steamKeyCount: keys.length,
        steamRatePerSec: steamConfig.ratePerSec,
        onCommitted: options.metrics?.onCommitted,
        onFailed: options.metrics?.onFailed,
        ...options.deps,
        registry,
      }),
      ...createWarehouseActivities({ layout: options.deps.layout, registry, report: activityReporter, onBuilt: options.metrics?.onBuilt }),
    },
  });
  const keyOf = (i: number) => ({ position: i + 1, count: keys.length });
  const callId = () => {
    const info = Context.current().info;
    return `${info.workflowExecution?.runId ?? 'standalone'}/${info.activityId}`;
  };
  const live = () => {
    const revoked = keys.length > 1 ? revokedKeys(options.deps.layout.lake) : [];
    return steamClients.map((client, i) => ({ client, key: keyOf(i) })).filter((k) => !revoked.includes(k.key.position));
  };
  // The queue every key shares (workflows since STEAM_ONE_QUEUE_PATCH): one worker per process (the SDK
  // allows one per queue) holding every key. It polls only while its keys have room (about a second's
  // worth at the rate, per key in rotation), and each call goes to the key whose next slot comes first
  // (shared by every process through the lake's slots): whichever key is free takes the next call. A key
  // Steam refuses is taken out of rotation in the worker and the call goes to the next key.
  let turn = 0;
  const perKey = steamConfig.ratePerSec > 0 ? Math.ceil(2 * steamConfig.ratePerSec) + 2 : 16;
  const fixed = (numSlots: number) => ({ type: 'fixed-size' as const, numSlots });
  const shared = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: steamSharedQueue(options.taskQueue),
    tuner: {
      activityTaskSlotSupplier: steamKeySlots({ capacity: () => perKey * live().length }),
      workflowTaskSlotSupplier: fixed(1),
      localActivityTaskSlotSupplier: fixed(1),
      nexusTaskSlotSupplier: fixed(1),
    },
    activities: createSteamFetchActivities({
      lakeDir: options.deps.layout.lake,
      pick: () => {
        // The key whose next slot comes first; among keys free now, the next in turn (spreads the calls).
        const keysLive = live();
        turn += 1;
        let best: { k: (typeof keysLive)[number]; at: number } | undefined;
        for (let j = 0; j < keysLive.length; j++) {
          const k = keysLive[(j + turn) % keysLive.length]!;
          const at = k.client.nextSendAt(); // reads the key's slots in the lake: once per key
          if (best === undefined || at < best.at) best = { k, at };
        }
        return best?.k;
      },
      callId,
      onCall: options.metrics?.onSteamCall,
    }),
  });
  // And one worker per key on the key's own queue, for workflow runs that started before that patch and
  // still send calls there (the server's limit on it, at twice the rate, only keeps activities from piling
  // up in workers: the slots are the limit). Remove once no such run is left (then deprecatePatch).
  const perKeyQueues = await Promise.all(
    steamClients.map((steamClient, i) =>
      Worker.create({
        connection,
        namespace: options.namespace,
        taskQueue: steamKeyQueue(options.taskQueue, i + 1),
        ...(steamConfig.ratePerSec > 0 ? { maxTaskQueueActivitiesPerSecond: 2 * steamConfig.ratePerSec } : {}),
        maxConcurrentActivityTaskExecutions: 16,
        activities: createSteamFetchActivities({ lakeDir: options.deps.layout.lake, client: steamClient, key: keyOf(i), callId, onCall: options.metrics?.onSteamCall }),
      }),
    ),
  );
  const steam = [shared, ...perKeyQueues];
  const all = [main, ...steam];
  const workers: GamelakeWorkers = {
    main,
    steam,
    async run() {
      const runs = all.map((w) => w.run());
      try {
        await Promise.all(runs);
      } catch (err) {
        workers.shutdown();
        await Promise.allSettled(runs);
        throw err;
      }
    },
    runUntil<T>(fn: () => Promise<T>): Promise<T> {
      const nest = (ws: Worker[]): Promise<T> => (ws.length === 0 ? fn() : ws[0]!.runUntil(() => nest(ws.slice(1))));
      return nest(all);
    },
    shutdown() {
      for (const w of all) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
  return {
    worker: workers,
    async close() {
      for (const c of steamClients) await c.close();
      await connection.close();
      await clientConnection.close();
    },
  };
}
