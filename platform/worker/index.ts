/** The worker: the one place every folder's activities are wired to their dependencies, and the workflow bundle. */
export * from './worker.ts';
export * from './workflow-bundle.ts';
