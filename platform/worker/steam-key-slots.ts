import type { ActivitySlotInfo, CustomSlotSupplier, SlotPermit } from '@temporalio/worker';

/**
 * The activity slots of a worker on the Steam queue every key shares: it polls for a call only while one of
 * its keys has room, `capacity()` calls held at once (two seconds' worth at each key's rate plus two, per key in
 * rotation: the worker never sits on calls another worker's keys could send now; none when every key was
 * refused). Asked again when a slot is released and every `recheckMs`.
 */
export function steamKeySlots(options: { capacity: () => number; recheckMs?: number }): CustomSlotSupplier<ActivitySlotInfo> {
  const recheckMs = options.recheckMs ?? 1000;
  let used = 0;
  const waiting = new Set<() => void>();
  const free = () => used < options.capacity();
  const take = (): SlotPermit => {
    used += 1;
    return {};
  };
  return {
    type: 'custom',
    async reserveSlot(_ctx, abortSignal) {
      for (;;) {
        if (abortSignal.aborted) throw abortError(abortSignal);
        if (free()) return take();
        // Until a slot is released, the recheck (a key's refusal may be lifted by a restart), or the abort.
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            abortSignal.removeEventListener('abort', done);
            waiting.delete(done);
            resolve();
          };
          const timer = setTimeout(done, recheckMs);
          abortSignal.addEventListener('abort', done);
          waiting.add(done);
        });
      }
    },
    tryReserveSlot: () => (free() ? take() : null),
    markSlotUsed: () => {},
    releaseSlot: () => {
      used -= 1;
      // One waiting reservation tries again (the oldest).
      waiting.values().next().value?.();
    },
  };
}

/** What the SDK expects a cancelled reservation to reject with. */
function abortError(signal: AbortSignal): Error {
  if (signal.reason instanceof Error && signal.reason.name === 'AbortError') return signal.reason;
  const err = new Error('slot reservation aborted');
  err.name = 'AbortError';
  return err;
}
