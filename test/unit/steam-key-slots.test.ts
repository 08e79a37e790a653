import { describe, expect, it } from 'vitest';
import type { SlotPermit, SlotReserveContext } from '@temporalio/worker';
import { steamKeySlots } from '../../platform/worker/steam-key-slots.ts';

const ctx = { slotType: 'activity', taskQueue: 'q', workerIdentity: 'w', workerBuildId: '', isSticky: false } as unknown as SlotReserveContext;
const settledWithin = async (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe("a Steam worker's slots on the queue every key shares", () => {
  it('hands out at most `size` slots, the next one when a slot is released', async () => {
    const slots = steamKeySlots({ capacity: () => 2 });
    const signal = new AbortController().signal;
    const a = await slots.reserveSlot(ctx, signal);
    await slots.reserveSlot(ctx, signal);
    expect(slots.tryReserveSlot(ctx)).toBeNull();
    const third = slots.reserveSlot(ctx, signal);
    expect(await settledWithin(third, 100)).toBe(false);
    slots.releaseSlot({ permit: a } as never);
    expect(await settledWithin(third, 100)).toBe(true);
  });

  it('hands out none while no key is in rotation, and again once one is', async () => {
    let live = false;
    const slots = steamKeySlots({ capacity: () => (live ? 4 : 0), recheckMs: 20 });
    expect(slots.tryReserveSlot(ctx)).toBeNull();
    const waiting = slots.reserveSlot(ctx, new AbortController().signal);
    expect(await settledWithin(waiting, 150)).toBe(false);
    live = true;
    expect(await settledWithin(waiting, 150)).toBe(true);
  });

  it('rejects a cancelled reservation with an AbortError, as the SDK expects', async () => {
    const slots = steamKeySlots({ capacity: () => 1 });
    const ac = new AbortController();
    const held: SlotPermit = await slots.reserveSlot(ctx, ac.signal);
    expect(held).toEqual({});
    const waiting = slots.reserveSlot(ctx, ac.signal);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });
});
