import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { holdsId } from '../transforms/erasure.ts';

/**
 * The copies of events outside the lake that an erasure must reach: the inbox's done/ and failed/ files,
 * the spools' closed and failed segments (not yet shipped, or kept after a batch failed), and replay
 * batches. Each file holding the id is written again without those lines (atomically: a new file renamed
 * over it). A collector's open segment is left to it: it is closed within seconds, shipped and removed.
 */

export interface SourceDirs {
  inboxDone: string;
  inboxFailed: string;
  spool: string;
  replay: string;
}

/** Lines removed per place (inbox, spool, replay). */
export function eraseFromSources(dirs: SourceDirs, id: string): Record<string, number> {
  const removed: Record<string, number> = { inbox: 0, spool: 0, replay: 0 };
  const files = (dir: string, keep: (rel: string) => boolean) =>
    existsSync(dir)
      ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .filter((f) => keep(f) && statSync(path.join(dir, f)).isFile())
          .map((f) => path.join(dir, f))
      : [];
  const data = (f: string) => !f.endsWith('.reason.txt') && !f.endsWith('.json') && !path.basename(f).startsWith('.');
  for (const f of [...files(dirs.inboxDone, data), ...files(dirs.inboxFailed, data)]) removed.inbox! += scrub(f, id);
  for (const f of files(dirs.spool, (rel) => /(^|\/)(closed|failed)\//.test(rel) && rel.endsWith('.ndjson'))) removed.spool! += scrub(f, id);
  for (const f of files(dirs.replay, (rel) => rel.endsWith('.ndjson'))) removed.replay! += scrub(f, id);
  return removed;
}

/** Writes `file` again without its lines that hold `id`; how many it removed. */
function scrub(file: string, id: string): number {
  const raw = readFileSync(file);
  const gz = raw.length > 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  const text = (gz ? gunzipSync(raw) : raw).toString('utf8');
  if (!text.includes(id)) return 0;
  const lines = text.split('\n');
  const kept = lines.filter((l) => !holdsId(l, id));
  const removed = lines.length - kept.length;
  if (removed === 0) return 0;
  const body = Buffer.from(kept.join('\n'));
  writeFileSync(`${file}.forget-tmp`, gz ? gzipSync(body) : body);
  renameSync(`${file}.forget-tmp`, file);
  return removed;
}
