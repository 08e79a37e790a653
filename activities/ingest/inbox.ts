import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BatchFileError } from '../../lake/errors.ts';

/** sha256 of a file's bytes as stored (streamed). */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  } catch (cause) {
    throw new BatchFileError(`cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  return hash.digest('hex');
}

/**
 * The batch id of a file: the first 16 hex digits of its sha256 (same content, same batch). A batch whose
 * sender may write some products only is another batch than the same bytes from anyone: its id hashes the
 * products too.
 */
export function batchIdOf(sha256: string, products?: readonly string[], sourcesSha256?: string): string {
  if (!products && !sourcesSha256) return sha256.slice(0, 16);
  return createHash('sha256')
    .update(`${sha256}\n${[...(products ?? [])].sort().join('\n')}${sourcesSha256 ? `\nrecovers ${sourcesSha256}` : ''}`)
    .digest('hex')
    .slice(0, 16);
}

export interface InboxFile {
  file: string;
  sha256: string;
  batchId: string;
}

/**
 * Files ready in the inbox: regular files, not hidden, not `.tmp`/`.partial`, and unchanged for `settleMs`
 * (a producer still writing one is left for the next scan).
 */
export async function scanInbox(inbox: string, settleMs = 2000, now = Date.now()): Promise<InboxFile[]> {
  if (!existsSync(inbox)) return [];
  const ready: InboxFile[] = [];
  for (const name of readdirSync(inbox).sort()) {
    if (name.startsWith('.') || /\.(tmp|partial)$/.test(name)) continue;
    const file = path.join(inbox, name);
    const st = statSync(file);
    if (!st.isFile() || now - st.mtimeMs < settleMs) continue;
    const sha256 = await hashFile(file);
    ready.push({ file, sha256, batchId: batchIdOf(sha256) });
  }
  return ready;
}

/** Moves a processed inbox file to done/ or failed/ (with a .reason.txt next to it). */
export function settleInboxFile(inbox: string, file: string, outcome: 'done' | 'failed', reason?: string): string {
  const dir = path.join(inbox, outcome);
  mkdirSync(dir, { recursive: true });
  let target = path.join(dir, path.basename(file));
  if (existsSync(target)) target = path.join(dir, `${Date.now()}-${path.basename(file)}`);
  if (existsSync(file)) renameSync(file, target);
  if (outcome === 'failed') writeFileSync(`${target}.reason.txt`, `${reason ?? 'unknown failure'}\n`);
  return target;
}
