import { defineSignal, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities, EntityCount, SteamFetchActivities, SweepWork } from '../activities/index.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';
import { inPool, steamActivities } from './steam-activities.ts';
import { BOOKKEEPING_RETRY } from './common.ts';

const { steamPlanSweep, steamRecordSweep, requestMartsBuild } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: BOOKKEEPING_RETRY,
});

/** Asks the running sweep for one more pass (new stubs appeared after it planned). */
export const requestSweepSignal = defineSignal('requestSweep');

export interface SteamSweepInput {
  /** Players whose summary is older than this are fetched again (default 168 = a week). */
  staleAfterHours?: number;
  /** Steam calls in flight at once (default: twice the calls per second of the keys in rotation, 4 to 32); the task queues' rate limits pace them. */
  concurrency?: number;
  /** Plan-and-fill rounds at most (default 10): filling matches reveals players, heroes, teams. */
  maxRounds?: number;
}

export interface SteamSweepResult {
  sweepId: string;
  calls: number;
  rounds: number;
  before: EntityCount[];
  after: EntityCount[];
}

/**
 * A convergence sweep: plan from the lake what is missing (stubs, stale players, matches referenced but not
 * mirrored), fill it with bounded concurrency, plan again until nothing is left to fetch, then record per
 * entity type how complete the mirror was before and after. A complete mirror costs no Steam call.
 */
export async function steamSweepWorkflow(input: SteamSweepInput = {}): Promise<SteamSweepResult> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'steam-sweep' }]);
  let requested = false;
  setHandler(requestSweepSignal, () => {
    requested = true;
  });
  // The signal that started this sweep (signal-with-start) is this pass; later ones ask for another.
  requested = false;
  const steam = await steamActivities();
  const startedAt = Date.now();
  const sweepId = workflowInfo().runId;
  const first = await steamPlanSweep({ staleAfterHours: input.staleAfterHours });
  let plan = first;
  let calls = 0;
  let rounds = 0;
  const maxRounds = input.maxRounds ?? 10;
  // Stale players are fetched in the first round only, not once per round.
  const later = { staleAfterHours: input.staleAfterHours, refreshStale: false };
  for (;;) {
    if (plan.calls === 0) {
      if (!requested) break;
      requested = false;
      plan = await steamPlanSweep(later);
      if (plan.calls === 0) break;
    }
    if (rounds >= maxRounds) break;
    calls += await fill(steam, plan.work, input.concurrency ?? steam.inFlight);
    rounds += 1;
    plan = await steamPlanSweep(later);
  }
  await steamRecordSweep({ sweepId, startedAt, before: first.counts, after: plan.counts, calls });
  if (calls > 0) await requestMartsBuild();
  return { sweepId, calls, rounds, before: first.counts, after: plan.counts };
}

async function fill(steam: SteamFetchActivities, work: SweepWork, concurrency: number): Promise<number> {
  const tasks: Array<() => Promise<unknown>> = [
    ...work.matchRuns.map((r) => () => steam.steamSequencePage({ ...r, by: 'sweep' })),
    ...work.matchIds.map((matchId) => () => steam.steamMatchDetails({ matchId })),
    ...work.playerBatches.map((accountIds) => () => steam.steamPlayerSummaries({ accountIds })),
    ...(work.heroes ? [() => steam.steamHeroes()] : []),
    ...(work.items ? [() => steam.steamItems()] : []),
    ...(work.leagues ? [() => steam.steamLeagues()] : []),
    ...work.teams.map((teamId) => () => steam.steamTeam({ teamId })),
  ];
  await inPool(tasks, concurrency);
  return tasks.length;
}

/** What the sweep Schedule starts: it asks for the one sweep of the deployment (never two at once). */
export async function steamSweepScheduledWorkflow(): Promise<void> {
  const { requestSteamSweep } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5 } });
  await requestSteamSweep();
}
