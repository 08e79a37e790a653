import type { Client } from '@temporalio/client';
import type { ContractRegistry } from '../transforms/contract/model.ts';
import type { ScoringSettings } from '../transforms/scoring.ts';
import type { WarehouseReader } from '../warehouse/queries.ts';

/** What the UI needs from the deployment: where the data is, and (optionally) a Temporal client. */
export interface UiDeps {
  warehousePath: string;
  lakeDir: string;
  /** The data directory's spool root, where collectors and consumers report (default: beside the lake). */
  spoolDir?: string;
  /** Base URL of the Temporal Web UI (links to runs). */
  temporalUiUrl: string;
  namespace: string;
  taskQueue: string;
  registry: ContractRegistry;
  scoring: () => ScoringSettings;
  /** A Temporal client when one is reachable (failed batches, Schedules); undefined: those parts say so. */
  temporal?: () => Promise<Client | undefined>;
  /** Time limit of a query from the SQL box or the query API (default 10 s), counted from when it starts running. */
  sqlTimeoutMs?: number;
  /** Ad-hoc queries (SQL box, API) running at once (default 2) and waiting beyond those (default 8); more are answered 503. */
  sqlConcurrency?: number;
  sqlQueue?: number;
  /** DuckDB memory limit of each ad-hoc query's session (default 1GB). */
  sqlMemoryLimit?: string;
  /** Rows the query API hands out in json, csv or arrow (default 1,000,000); a larger result is refused (413; Parquet is written by DuckDB). */
  apiMaxRows?: number;
}

/** What a page renders from: the request's query string, one read-only warehouse session, the deps. */
export interface PageContext {
  deps: UiDeps;
  /** The warehouse, opened read-only for this request (sandboxed: queries only, the lake's files only). */
  warehouse: WarehouseReader;
  query: (name: string) => string | undefined;
  params: Record<string, string>;
}

/** A workflow's page in the Temporal UI. */
export function runUrl(deps: UiDeps, workflowId: string, runId?: string): string {
  return `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowId)}${runId ? `/${encodeURIComponent(runId)}` : ''}`;
}

/** A list of workflows in the Temporal UI, filtered by a visibility query. */
export function listUrl(deps: UiDeps, query: string): string {
  return `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

/** An offset from the query string (paging), never negative. */
export function offsetOf(ctx: PageContext, name = 'offset'): number {
  const n = Number(ctx.query(name) ?? 0);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** A URL of the same page with some query parameters changed. */
export function withParams(path: string, params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
