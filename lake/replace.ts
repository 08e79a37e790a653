import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lakeSnapshot, writeCatalogRecord, type CatalogRecord } from './catalog.ts';
import { LAKE_WORK_DIR, PENDING_DIR } from './layout.ts';
import { withLakeLock } from './lock.ts';

/**
 * The commit of a replacement of live files (compaction, retention, erasure), safe under kill -9 at any point:
 * the new files are written under `_work/<work>/` at their lake-relative paths; then, under the lake's commit
 * lock, an intent (`_pending/compaction-<id>.json`) names them, they are moved into their partitions, and
 * the catalog record is written (the commit point: readers now see the outputs instead of the inputs); then
 * the intent is removed. A crash before the record leaves an intent, and the next run (holding the
 * compaction lock) removes the outputs it names from the partitions. The inputs stay on disk, retired, until
 * vacuum finds that nothing refers to them.
 */

/** A new replacement's id (sorts by time) and its work folder (lake-relative), `_work/<prefix>-<id>`. */
export function newReplacement(prefix: 'compact' | 'rewrite'): { id: string; work: string } {
  const id = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  return { id, work: path.join(LAKE_WORK_DIR, `${prefix}-${id}`) };
}

interface Intent {
  id: string;
  /** Lake-relative paths moved into the lake (older intents name one, as `output`). */
  outputs?: string[];
  output?: string;
  work: string;
}

const intentPath = (lakeDir: string, id: string) => path.join(lakeDir, PENDING_DIR, `compaction-${id}.json`);

export interface Replacement {
  id: string;
  /** Live files replaced (lake-relative). */
  inputs: readonly string[];
  /** New files (lake-relative), written under `_work/<work>/` at these paths. */
  outputs: readonly string[];
  /** The work folder, lake-relative (`_work/compact-<id>`). */
  work: string;
}

/**
 * Commits a replacement; `record` makes its catalog record from the next position in commit order. False
 * (nothing done) when some input is no longer live: another commit replaced it meanwhile.
 */
export async function commitReplacement(lakeDir: string, r: Replacement, record: (seq: number, committedAt: string) => CatalogRecord): Promise<boolean> {
  return withLakeLock(lakeDir, async () => {
    const snapshot = lakeSnapshot(lakeDir);
    const live = new Set(snapshot.files.map((f) => f.path));
    if (!r.inputs.every((f) => live.has(f))) return false;
    const intent: Intent = { id: r.id, outputs: [...r.outputs], work: r.work };
    mkdirSync(path.join(lakeDir, PENDING_DIR), { recursive: true });
    writeFileSync(`${intentPath(lakeDir, r.id)}.tmp`, JSON.stringify(intent));
    renameSync(`${intentPath(lakeDir, r.id)}.tmp`, intentPath(lakeDir, r.id));
    for (const out of r.outputs) {
      mkdirSync(path.dirname(path.join(lakeDir, out)), { recursive: true });
      renameSync(path.join(lakeDir, r.work, out), path.join(lakeDir, out));
    }
    writeCatalogRecord(lakeDir, record(snapshot.lastSeq + 1, new Date().toISOString()));
    rmSync(intentPath(lakeDir, r.id), { force: true });
    rmSync(path.join(lakeDir, r.work), { recursive: true, force: true });
    return true;
  });
}

/** Undoes interrupted replacements (call holding the compaction lock); how many were undone. */
export function recoverReplacements(lakeDir: string): number {
  const pending = path.join(lakeDir, PENDING_DIR);
  const snapshot = lakeSnapshot(lakeDir);
  const committed = new Set([...snapshot.compactions.map((c) => c.id), ...snapshot.rewrites.map((c) => c.id)]);
  let undone = 0;
  if (existsSync(pending)) {
    for (const f of readdirSync(pending).filter((n) => n.startsWith('compaction-') && n.endsWith('.json'))) {
      const intent = JSON.parse(readFileSync(path.join(pending, f), 'utf8')) as Intent;
      if (!committed.has(intent.id)) {
        for (const out of intent.outputs ?? (intent.output ? [intent.output] : [])) rmSync(path.join(lakeDir, out), { force: true });
        undone += 1;
      }
      rmSync(path.join(lakeDir, intent.work), { recursive: true, force: true });
      rmSync(path.join(pending, f), { force: true });
    }
  }
  // Work folders of runs that never reached their intent hold nothing anyone refers to.
  const work = path.join(lakeDir, LAKE_WORK_DIR);
  if (existsSync(work))
    for (const d of readdirSync(work).filter((n) => n.startsWith('compact-') || n.startsWith('rewrite-'))) rmSync(path.join(work, d), { recursive: true, force: true });
  return undone;
}
