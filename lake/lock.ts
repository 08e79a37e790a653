import { LakeLockTimeoutError } from './errors.ts';
import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LockOptions {
  /** Which lock: the commit lock (default `_lock`), or another (compaction holds `_compact_lock` throughout). */
  name?: string;
  /** A lock not refreshed for this long is taken over (its holder died on another host). */
  staleMs?: number;
  /** Give up after this long. */
  timeoutMs?: number;
  onWait?: (holder: string) => void;
}

interface Owner {
  pid: number;
  host: string;
  since: string;
}

function holderIsGone(dir: string, staleMs: number): boolean {
  try {
    const owner = JSON.parse(readFileSync(path.join(dir, 'owner.json'), 'utf8')) as Owner;
    if (owner.host === os.hostname()) {
      try {
        process.kill(owner.pid, 0);
        return false;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'ESRCH';
      }
    }
  } catch {
    // owner.json not written yet or unreadable: fall back to age
  }
  try {
    return Date.now() - statSync(dir).mtimeMs > staleMs;
  } catch {
    return true;
  }
}

/**
 * Runs `fn` holding the lake's commit lock (an atomic mkdir, shared by every worker on the same
 * filesystem). A lock whose holder process is gone, or that was not refreshed for `staleMs`, is taken over.
 */
export async function withLakeLock<T>(lakeDir: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const dir = path.join(lakeDir, options.name ?? '_lock');
  const staleMs = options.staleMs ?? 120_000;
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  mkdirSync(lakeDir, { recursive: true });
  for (;;) {
    try {
      mkdirSync(dir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (holderIsGone(dir, staleMs)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new LakeLockTimeoutError(`lake lock ${dir} still held after ${(options.timeoutMs ?? 1_800_000) / 1000} s`);
      options.onWait?.(dir);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const owner: Owner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  writeFileSync(path.join(dir, 'owner.json'), JSON.stringify(owner));
  const refresh = setInterval(
    () => {
      const now = new Date();
      try {
        utimesSync(dir, now, now);
      } catch {
        // lock dir removed underneath us; the commit will notice its own errors
      }
    },
    Math.max(1000, staleMs / 4),
  );
  try {
    return await fn();
  } finally {
    clearInterval(refresh);
    rmSync(dir, { recursive: true, force: true });
  }
}
