import type { ContractRegistry } from '../transforms/contract/model.ts';
import { vacuumLake, type DataLayout } from '../lake/index.ts';
import { buildWarehouse, referencedLakeFiles } from './build.ts';

/** How an activity reports while it runs (the worker hands in Temporal's: heartbeats and its log). */
export interface ActivityReporter {
  heartbeat(details: unknown): void;
  say(message: string, fields: Record<string, unknown>): void;
}

export interface WarehouseActivityDeps {
  layout: DataLayout;
  registry: ContractRegistry;
  /** Files a compaction replaced are removed this long after, once the warehouse no longer reads them (default 5 minutes). */
  vacuumMinAgeMs?: number;
  report?: ActivityReporter;
  /** Told of each build this worker finished: the worker's metrics. */
  onBuilt?: (built: { kind: string; ms: number }) => void;
}

const silent: ActivityReporter = { heartbeat: () => {}, say: () => {} };

/** The warehouse's activities: builds, and removing the lake files a compaction replaced once no build reads them. */
export function createWarehouseActivities(deps: WarehouseActivityDeps) {
  const report = deps.report ?? silent;
  const vacuum = async (minAgeMs = deps.vacuumMinAgeMs) =>
    vacuumLake(deps.layout.lake, { referenced: await referencedLakeFiles(deps.layout.warehouse, deps.layout.lake), minAgeMs });
  return {
    /** Brings warehouse.duckdb up to date with the lake (atomically replaced), then removes replaced lake files nothing reads. */
    async buildWarehouse(request: { full?: boolean } = {}) {
      const built = await buildWarehouse({
        lakeDir: deps.layout.lake,
        warehousePath: deps.layout.warehouse,
        registry: deps.registry,
        full: request.full,
        onProgress: (step) => report.heartbeat({ step }),
      });
      deps.onBuilt?.(built);
      const removed = await vacuum();
      report.say('built the warehouse', {
        kind: built.kind,
        new_batches: built.newBatches,
        batches: built.batches,
        checks: built.checks,
        seconds: (built.ms / 1000).toFixed(1),
        ...(removed.removed.length ? { lake_files_removed: removed.removed.length } : {}),
      });
      return built;
    },
    /**
     * Removes lake files a compaction replaced that the current warehouse no longer reads; `now`: however
     * recently replaced (an erasure: the old files hold what was erased).
     */
    async vacuumLake(request: { now?: boolean } = {}) {
      return vacuum(request.now ? 0 : undefined);
    },
  };
}

export type WarehouseActivities = ReturnType<typeof createWarehouseActivities>;
