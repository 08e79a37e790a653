import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSlotLedger } from '../../activities/steam/slots.ts';

describe('shared call slots of a Steam key', () => {
  it('spaces calls from two ledgers on one folder (two workers) at least one interval apart, each slot taken once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gamelake-slots-'));
    const interval = 50;
    const a = createSlotLedger(dir, interval);
    const b = createSlotLedger(dir, interval);
    const sent: number[] = [];
    const late: number[] = [];
    const call = async (pace: () => Promise<number>) => {
      const instant = await pace();
      sent.push(instant);
      // A call never leaves before its slot (timers may fire late on a busy machine, never early by more than 1 ms).
      late.push(Date.now() - instant);
    };
    // How long this process stalled meanwhile (a shared machine may stop it for a while): a stall while
    // claiming skips slots, and the bound below allows exactly for it.
    let stalled = 0;
    let tick = performance.now();
    const watch = setInterval(() => {
      const now = performance.now();
      stalled += Math.max(0, now - tick - 5);
      tick = now;
    }, 5);
    await Promise.all(Array.from({ length: 30 }, (_, i) => call(i % 2 === 0 ? a : b)));
    clearInterval(watch);
    expect(sent).toHaveLength(30);
    // Each call took its own slot file: 30 distinct slots.
    expect(readdirSync(dir)).toHaveLength(30);
    // Slots are whole intervals apart, and each call left at or after its own.
    sent.sort((x, y) => x - y);
    const gaps = sent.slice(1).map((t, i) => t - sent[i]!);
    expect(gaps.every((g) => g >= interval && g % interval === 0)).toBe(true);
    expect(Math.min(...late)).toBeGreaterThanOrEqual(-1);
    // The budget is used: 30 calls take 29 intervals, plus the slots that passed while the process stalled,
    // plus a few for timers' own lateness.
    expect(sent.at(-1)! - sent[0]!).toBeLessThanOrEqual(29 * interval + Math.ceil(stalled / interval) * interval + 5 * interval);
  });
});
