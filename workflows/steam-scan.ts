import { condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';
import { steamActivities } from './steam-activities.ts';
import { BOOKKEEPING_RETRY } from './common.ts';

const { steamScanResumePoint, steamScanPositions, requestSteamSweep, requestMartsBuild } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: BOOKKEEPING_RETRY,
});

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
  /**
   * A second, lagging scan: re-read the feed this many sequence numbers behind the first scan's position
   * and mirror only the matches the first did not get (the feed shows some late).
   */
  behind?: number;
  /** Carried across continue-as-new. */
  pagesDone?: number;
  matchesDone?: number;
  recovered?: number;
}

export interface SteamScanStatus {
  nextSeq: number;
  pagesDone: number;
  matchesDone: number;
  /** Seconds between now and the newest start_time read: how far behind the feed's head the scan is. */
  lagSeconds: number | null;
  caughtUp: boolean;
  /** The rescan: matches it mirrored that the first scan did not have. */
  recovered: number;
  /** The rescan: how far behind the first scan it reads. */
  behind?: number;
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
  const steam = await steamActivities();
  let stop = false;
  setHandler(stopScanSignal, () => {
    stop = true;
  });
  const rescan = input.behind !== undefined;
  const positions = rescan ? await steamScanPositions() : undefined;
  const status: SteamScanStatus = {
    nextSeq: input.fromSeq ?? (rescan ? (positions!.rescan?.position ?? Math.max(0, (positions!.scan?.position ?? 0) - input.behind!)) : ((await steamScanResumePoint()) ?? 0)),
    pagesDone: input.pagesDone ?? 0,
    matchesDone: input.matchesDone ?? 0,
    lagSeconds: null,
    caughtUp: false,
    recovered: input.recovered ?? 0,
    ...(rescan ? { behind: input.behind } : {}),
  };
  setHandler(scanStatusQuery, () => status);
  // What the scan read is for the sweep (players, heroes, teams it mentions) and the warehouse.
  const handOff = async () => {
    await requestSteamSweep();
    await requestMartsBuild();
  };
  const pageSize = input.pageSize ?? 100;
  let pagesThisRun = 0;
  while (!stop && (input.pages === undefined || status.pagesDone < input.pages)) {
    let count = pageSize;
    let untilSeq: number | undefined;
    if (rescan) {
      // Read only what lies at least `behind` sequence numbers behind the first scan.
      untilSeq = ((await steamScanPositions()).scan?.position ?? 0) - input.behind!;
      count = Math.min(pageSize, untilSeq - status.nextSeq);
      if (count <= 0) {
        status.caughtUp = true;
        if (input.pages !== undefined) break;
        await handOff();
        await condition(() => stop, `${input.pollSeconds ?? 60} seconds`);
        continue;
      }
    }
    const page = await steam.steamSequencePage({ startSeq: status.nextSeq, count, by: rescan ? 'rescan' : 'scan', ...(rescan ? { onlyMissing: true, untilSeq } : {}) });
    status.pagesDone += 1;
    pagesThisRun += 1;
    status.recovered += page.recovered ?? 0;
    if (page.matches > 0 && page.lastSeq !== null) {
      status.nextSeq = page.lastSeq + 1;
      status.matchesDone += page.matches;
      status.lagSeconds = page.newestStartTime !== null ? Math.max(0, Math.round(Date.now() / 1000 - page.newestStartTime)) : null;
      status.caughtUp = false;
    }
    // As OpenDota's scanner: a page less than 90% full means the head of the feed; wait for more there.
    if (page.matches === 0 || page.lastSeq === null || (!rescan && page.matches < 0.9 * count)) {
      status.caughtUp = true;
      await handOff();
      if (input.pages !== undefined) break;
      await condition(() => stop, `${input.pollSeconds ?? 60} seconds`);
    }
    const finished = input.pages !== undefined && status.pagesDone >= input.pages;
    if (!finished && (pagesThisRun >= (input.pagesPerRun ?? PAGES_PER_RUN) || workflowInfo().continueAsNewSuggested)) {
      await handOff();
      await continueAsNew<typeof steamScanWorkflow>({
        ...input,
        fromSeq: status.nextSeq,
        pagesDone: status.pagesDone,
        matchesDone: status.matchesDone,
        recovered: status.recovered,
      });
    }
  }
  if (!status.caughtUp || rescan) await handOff();
  return status;
}
