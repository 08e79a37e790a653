import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { missingFields, readCatalogFile } from './catalog-file.ts';
import { MANIFEST_DIR, manifestPath } from './layout.ts';

/** Coercions counted for a batch: product -> field path -> kind -> values read in another spelling. */
export type CoercionCounts = Record<string, Record<string, Record<string, number>>>;

/**
 * A committed batch. Its manifest is written last, after every file it lists is in place: a batch without
 * one is invisible to readers and to exactly-once (the same content ingested again commits it).
 */
/** Lines per product by outcome: `unknown` holds the lines whose product is missing or not a contract's. */
export type ProductCounts = Record<string, { accepted: number; quarantined: number; duplicates: number }>;

/** The product label of a line whose product_id is missing or names no contract. */
export const UNKNOWN_PRODUCT = 'unknown';

export interface BatchManifest {
  batchId: string;
  sha256: string;
  file: string;
  linesIn: number;
  accepted: number;
  quarantined: number;
  duplicates: number;
  duplicatesInBatch: number;
  duplicatesAcrossBatches: number;
  rejectedByReason: Record<string, number>;
  /** The products its sender could write (a product-scoped write key), when it was limited: a replay of its quarantined lines keeps to them. */
  scope?: string[];
  products: string[];
  eventTypes: Record<string, number>;
  /** Lines by product and outcome (absent in lakes written before it was kept). */
  byProduct?: ProductCounts;
  /** Events accepted by schema evolution (types their contract does not name; payload in events.extra). */
  evolved: number;
  /** Values read in another spelling than their type's own, per product and field path (integer ids as text, numeric strings). */
  coercions: CoercionCounts;
  /** Lake-relative paths of every file this batch added. */
  files: string[];
  /** Rows written per table. */
  rows: Record<string, number>;
  bytes: number;
  stageMs: number;
  commitMs: number;
  committedAt: string;
  /** The workflow run that committed it (absent for commits made outside a workflow, and in older lakes). */
  committedBy?: string;
}

export function readManifest(lakeDir: string, batchId: string): BatchManifest | undefined {
  const file = manifestPath(lakeDir, batchId);
  if (!existsSync(file)) return undefined;
  return readCatalogFile<BatchManifest>(
    file,
    'batch manifest',
    (v) =>
      missingFields(v, { batchId: 'string', files: 'array', rows: 'object', committedAt: 'string' }) ??
      (v.batchId !== batchId ? `it names batch ${String(v.batchId)}, not ${batchId}` : undefined) ??
      ((v.files as unknown[]).some((f) => typeof f !== 'string') ? 'its files are not all paths' : undefined),
  );
}

/** Batch ids with a manifest: the committed ones, sorted. */
export function committedBatches(lakeDir: string): string[] {
  const dir = path.join(lakeDir, MANIFEST_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Writes a manifest atomically (temporary file, then rename): the commit point of its batch. */
export function writeManifest(lakeDir: string, manifest: BatchManifest): void {
  const target = manifestPath(lakeDir, manifest.batchId);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(`${target}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${target}.tmp`, target);
}
