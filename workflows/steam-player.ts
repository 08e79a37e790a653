import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';
import { steamActivities } from './steam-activities.ts';
import { BOOKKEEPING_RETRY } from './common.ts';

const { steamNewestKnownMatch, requestSteamSweep } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: BOOKKEEPING_RETRY,
});

export interface SteamPlayerResult {
  accountId: number;
  status: 'ok' | 'private' | 'refused';
  pages: number;
  matchesSeen: number;
}

/**
 * A tracked player's run (its Temporal Schedule starts one every interval): pages the match history, newest
 * first, until it reaches a match already seen or the end (Valve keeps 500); then asks for a convergence
 * sweep, which mirrors every match, player, hero, item, league and team the new references mention.
 * A private history (status 15) is recorded as a fact and not retried.
 */
export async function steamPlayerWorkflow(input: { accountId: number; maxPages?: number }): Promise<SteamPlayerResult> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'steam-player' }]);
  const steam = await steamActivities();
  const known = await steamNewestKnownMatch(input.accountId);
  let start: number | undefined;
  let pages = 0;
  let seen = 0;
  for (;;) {
    const page = await steam.steamMatchHistoryPage({ accountId: input.accountId, startAtMatchId: start });
    pages += 1;
    if (page.kind !== 'ok') return { accountId: input.accountId, status: page.kind, pages, matchesSeen: seen };
    seen += page.matches;
    const reachedKnown = known !== null && page.lastMatchId !== null && page.lastMatchId <= known;
    if (page.matches === 0 || page.resultsRemaining === 0 || page.lastMatchId === null || reachedKnown || pages >= (input.maxPages ?? 5)) break;
    start = page.lastMatchId - 1;
  }
  if (seen > 0) await requestSteamSweep();
  return { accountId: input.accountId, status: 'ok', pages, matchesSeen: seen };
}
