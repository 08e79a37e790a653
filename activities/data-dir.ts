import { mkdir, readdir, stat, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DataLayout } from '../lake/layout.ts';

export interface DataDirSummary {
  dataDir: string;
  /** Area of the data directory -> number of files under it (recursively). */
  files: Record<string, number>;
  /** Area -> bytes under it. */
  bytes: Record<string, number>;
  createdAt: string;
}

const readdirEntries = (dir: string) => readdir(dir, { withFileTypes: true, recursive: true });

async function usage(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  let entries: Awaited<ReturnType<typeof readdirEntries>>;
  try {
    entries = await readdirEntries(dir);
  } catch {
    return { files, bytes };
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return { files, bytes };
}

/**
 * Creates the data directory's layout (idempotent) and reports what is in it. The marker file records
 * when the directory was first prepared; a retry or a second run keeps the first date.
 */
export async function prepareDataDir(layout: DataLayout): Promise<DataDirSummary> {
  for (const dir of [layout.lake, layout.inbox, layout.inboxDone, layout.inboxFailed, layout.logs]) {
    await mkdir(dir, { recursive: true });
  }
  const marker = path.join(layout.root, 'gamelake.json');
  let createdAt: string;
  try {
    createdAt = (JSON.parse(await readFile(marker, 'utf8')) as { createdAt: string }).createdAt;
  } catch {
    createdAt = new Date().toISOString();
    await writeFile(marker, `${JSON.stringify({ createdAt, layoutVersion: 1 }, null, 2)}\n`);
  }
  const areas = { lake: layout.lake, inbox: layout.inbox, logs: layout.logs };
  const files: Record<string, number> = {};
  const bytes: Record<string, number> = {};
  for (const [name, dir] of Object.entries(areas)) {
    const u = await usage(dir);
    files[name] = u.files;
    bytes[name] = u.bytes;
  }
  return { dataDir: layout.root, files, bytes, createdAt };
}
