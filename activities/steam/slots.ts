import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/**
 * Call slots of one Steam key shared by every process that mirrors with it: slot k is the instant
 * k x interval on a grid every process agrees on (the epoch), and a call takes a slot by creating the
 * file named k in `dir` (O_EXCL: exactly one creator wins, on one host or on a shared volume), then
 * waits for its instant. So a key's calls leave at most one per interval, evenly spaced, however many
 * workers send them and however Temporal dispatches the activities (its task-queue limiter hands them
 * out in bursts with pauses after them, which a per-process pacer cannot fill). Resolves with the slot's
 * instant (epoch ms) once it has come.
 */
export function createSlotLedger(dir: string, intervalMs: number): SlotLedger {
  mkdirSync(dir, { recursive: true });
  let last = 0;
  let cleanedAt = Date.now();
  const take = async () => {
    let k = Math.max(Math.ceil(Date.now() / intervalMs), last + 1);
    for (;;) {
      try {
        closeSync(openSync(path.join(dir, String(k)), 'wx'));
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        k += 1;
      }
    }
    last = k;
    const wait = k * intervalMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // Slots long past are no one's: removed now and then (a minute's worth kept).
    if (Date.now() - cleanedAt > 60_000) {
      cleanedAt = Date.now();
      const before = k - Math.ceil(60_000 / intervalMs);
      for (const f of readdirSync(dir)) if (Number(f) < before) rmSync(path.join(dir, f), { force: true });
    }
    return k * intervalMs;
  };
  // The instant of the first slot no process has taken (what a call taken now would wait for): a few stats.
  take.peek = () => {
    let k = Math.max(Math.ceil(Date.now() / intervalMs), last + 1);
    while (existsSync(path.join(dir, String(k)))) k += 1;
    return k * intervalMs;
  };
  return take;
}

/** Takes the key's next free slot and resolves at its instant; `peek` says when that would be, taking nothing. */
export interface SlotLedger {
  (): Promise<number>;
  peek(): number;
}
