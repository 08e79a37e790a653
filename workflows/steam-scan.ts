import { condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';
import { steamActivities } from './steam-activities.ts';

const { steamScanResumePoint, requestSteamSweep, requestMartsBuild } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

export function steamScanWorkflowId(taskQueue: string): string {
  return `steam-scan-${taskQueue}`;
}

export interface SteamScanInput {
  /** First match_seq_num; default: after the highest one mirrored (0 for an empty mirror). */
  fromSeq?: number;
  /** Stop after this many pages in all (default: follow the feed for ever). */
  pages?: number;
  /** Matches per call (1..100, default 100). */
  pageSize?: number;
  /** Wait this long when the feed has nothing new (default 60). */
  pollSeconds?: number;
  /** Pages per run before continuing as new (default 200). */
  pagesPerRun?: number;
  /** Carried across continue-as-new. */
  pagesDone?: number;
  matchesDone?: number;
}

export interface SteamScanStatus {
  nextSeq: number;
  pagesDone: number;
  matchesDone: number;
  /** Seconds between now and the newest start_time read: how far behind the feed's head the scan is. */
  lagSeconds: number | null;
  caughtUp: boolean;
}

export const scanStatusQuery = defineQuery<SteamScanStatus>('status');
export const stopScanSignal = defineSignal('stop');

/** Pages per run before continuing as new, so the history stays small however long the scan follows the feed. */
const PAGES_PER_RUN = 200;

/**
 * Follows the match sequence feed (GetMatchHistoryBySequenceNum, 100 full matches per call) from a
 * match_seq_num, page after page; when it catches up it waits and polls. Continues as new every
 * PAGES_PER_RUN pages. Ask it how far behind it is with the `status` query.
 */
export async function steamScanWorkflow(input: SteamScanInput = {}): Promise<SteamScanStatus> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'steam-scan' }]);
  const steam = steamActivities();
  let stop = false;
  setHandler(stopScanSignal, () => {
    stop = true;
  });
  const status: SteamScanStatus = {
    nextSeq: input.fromSeq ?? (await steamScanResumePoint()) ?? 0,
    pagesDone: input.pagesDone ?? 0,
    matchesDone: input.matchesDone ?? 0,
    lagSeconds: null,
    caughtUp: false,
  };
  setHandler(scanStatusQuery, () => status);
  // What the scan read is for the sweep (players, heroes, teams it mentions) and the warehouse.
  const handOff = async () => {
    await requestSteamSweep();
    await requestMartsBuild();
  };
  let pagesThisRun = 0;
  while (!stop && (input.pages === undefined || status.pagesDone < input.pages)) {
    const page = await steam.steamSequencePage({ startSeq: status.nextSeq, count: input.pageSize ?? 100, by: 'scan' });
    status.pagesDone += 1;
    pagesThisRun += 1;
    if (page.matches > 0 && page.lastSeq !== null) {
      status.nextSeq = page.lastSeq + 1;
      status.matchesDone += page.matches;
      status.lagSeconds = page.newestStartTime !== null ? Math.max(0, Math.round(Date.now() / 1000 - page.newestStartTime)) : null;
      status.caughtUp = false;
    } else {
      status.caughtUp = true;
      await handOff();
      if (input.pages !== undefined) break;
      await condition(() => stop, `${input.pollSeconds ?? 60} seconds`);
    }
    const finished = input.pages !== undefined && status.pagesDone >= input.pages;
    if (!finished && (pagesThisRun >= (input.pagesPerRun ?? PAGES_PER_RUN) || workflowInfo().continueAsNewSuggested)) {
      await handOff();
      await continueAsNew<typeof steamScanWorkflow>({ ...input, fromSeq: status.nextSeq, pagesDone: status.pagesDone, matchesDone: status.matchesDone });
    }
  }
  if (!status.caughtUp) await handOff();
  return status;
}
