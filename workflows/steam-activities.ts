import { ActivityFailure, ApplicationFailure, log, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, SteamFetchActivities } from '../activities/index.ts';
import { STEAM_AUTH_ERROR, STEAM_CALL_RETRY, STEAM_ONE_QUEUE_PATCH, steamKeyQueue, steamSharedQueue } from './common.ts';

const { steamKeyState } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 10 } });

/** The Steam calls a workflow makes (each one activity, one API call). */
const CALLS = ['steamMatchHistoryPage', 'steamSequencePage', 'steamMatchDetails', 'steamPlayerSummaries', 'steamHeroes', 'steamItems', 'steamLeagues', 'steamTeam'] as const;

/**
 * Steam API activities, one call each, on the one queue every key's worker polls: a worker takes a call
 * only when its key has a free slot, and a key Steam refuses (401/403) stops taking calls (its call is
 * retried at once by another key). Runs from before that (STEAM_ONE_QUEUE_PATCH) keep the per-key
 * task queues: calls go round-robin over the keys in rotation. Retried for as long as it takes (429 after Retry-After, 5xx,
 * timeouts, malformed answers); a key Steam refuses (401/403) is taken out of rotation (the worker records it
 * in the lake, so no workflow uses it again) and the call goes to the next key; with no key left, or a gone
 * endpoint, the call fails at once.
 */
export async function steamActivities(): Promise<SteamFetchActivities & { inFlight: number }> {
  const state = await steamKeyState();
  const live = Array.from({ length: state.count }, (_, i) => i + 1).filter((k) => !state.revoked.includes(k));
  if (live.length === 0) throw ApplicationFailure.nonRetryable(`every Steam key (${state.count}) was refused (401/403): check STEAM_API_KEYS`, STEAM_AUTH_ERROR);
  const queue = workflowInfo().taskQueue;
  // Enough calls in flight to keep every key's budget busy: each call spends part of its time outside the
  // rate limiter (scheduling, parsing, writing the lake), so twice the rate, at least 4 and at most 32.
  const rate = state.ratePerSec > 0 ? state.ratePerSec * live.length : 16;
  const inFlight = Math.max(4, Math.min(32, Math.ceil(2 * rate)));
  if (patched(STEAM_ONE_QUEUE_PATCH)) {
    const calls = proxyActivities<SteamFetchActivities>({ taskQueue: steamSharedQueue(queue), startToCloseTimeout: '2 minutes', retry: STEAM_CALL_RETRY });
    // The proxy has no keys of its own to spread: each call taken from it by name.
    return { ...(Object.fromEntries(CALLS.map((name) => [name, calls[name]])) as unknown as SteamFetchActivities), inFlight };
  }
  const proxies = new Map(
    live.map((k) => [
      k,
      proxyActivities<SteamFetchActivities>({
        taskQueue: steamKeyQueue(queue, k),
        startToCloseTimeout: '2 minutes',
        retry: STEAM_CALL_RETRY,
      }),
    ]),
  );
  // Each workflow starts its round-robin at a key of its own (from its id), so workflows started together
  // do not all send their first call to key 1, their second to key 2, ...
  let next = [...workflowInfo().workflowId].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const dispatch = async (name: (typeof CALLS)[number], input: unknown): Promise<unknown> => {
    for (;;) {
      const k = live[next++ % live.length]!;
      try {
        return await (proxies.get(k)![name] as (i: unknown) => Promise<unknown>)(input);
      } catch (err) {
        const refused = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === STEAM_AUTH_ERROR;
        if (!refused || state.count === 1) throw err;
        const at = live.indexOf(k);
        if (at >= 0) live.splice(at, 1);
        log.warn(`Steam key ${k} of ${state.count} was refused: taken out of rotation`, { keysLeft: live.length });
        if (live.length === 0) throw err;
      }
    }
  };
  return { ...(Object.fromEntries(CALLS.map((name) => [name, (input: unknown) => dispatch(name, input)])) as unknown as SteamFetchActivities), inFlight };
}

/** Runs tasks with at most `limit` in flight (deterministic: results in task order). */
export async function inPool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}
