import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSlotLedger } from '../../activities/steam/slots.ts';

describe('shared call slots of a Steam key', () => {
  it('spaces calls from two ledgers on one folder (two workers) at least one interval apart, each slot taken once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gamelake-slots-'));
    const interval = 25;
    const a = createSlotLedger(dir, interval);
    const b = createSlotLedger(dir, interval);
    const sent: number[] = [];
    const call = async (pace: () => Promise<void>) => {
      await pace();
      sent.push(Date.now());
    };
    await Promise.all(Array.from({ length: 30 }, (_, i) => call(i % 2 === 0 ? a : b)));
    expect(sent).toHaveLength(30);
    // Each call took its own slot file: 30 distinct consecutive slots.
    const slots = readdirSync(dir)
      .map(Number)
      .sort((x, y) => x - y);
    expect(slots).toHaveLength(30);
    expect(slots.at(-1)! - slots[0]!).toBe(29);
    // And left at its slot: never two within an interval (1 ms of timer rounding allowed).
    sent.sort((x, y) => x - y);
    const gaps = sent.slice(1).map((t, i) => t - sent[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(interval - 1);
    // The budget is used: 30 calls take about 29 intervals, not more than 40.
    expect(sent.at(-1)! - sent[0]!).toBeLessThan(40 * interval);
  });
});
