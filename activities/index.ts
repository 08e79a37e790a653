import type { DataLayout } from '../platform/env.ts';
import { prepareDataDir } from './data-dir.ts';

export type { DataDirSummary } from './data-dir.ts';

/** What activities need from the worker: paths and clients, never secrets passed through workflows. */
export interface ActivityDeps {
  layout: DataLayout;
}

/** Builds the worker's activities around their dependencies (tests inject their own). */
export function createActivities(deps: ActivityDeps) {
  return {
    async prepareDataDir() {
      return prepareDataDir(deps.layout);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
