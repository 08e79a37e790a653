import { executeChild, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities, PlayerSnapshot } from '../activities/index.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';
import { inPool, steamActivities } from './steam-activities.ts';
import { steamSweepWorkflow } from './steam-sweep.ts';
import { BOOKKEEPING_RETRY } from './common.ts';

const { steamPlayerSnapshots, steamLocateMatch, requestMartsBuild } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: BOOKKEEPING_RETRY,
});

export interface SteamRefreshResult {
  players: Array<{ accountId: number; before: PlayerSnapshot; after: PlayerSnapshot; historyPages: number; status: string }>;
  sweepCalls: number;
}

/**
 * `steam refresh`: re-reads players' match histories (the whole of what Valve keeps, not only what is new)
 * and summaries now, fills what is missing with a sweep of its own, and says what changed per player.
 */
export async function steamRefreshWorkflow(input: { accountIds: number[] }): Promise<SteamRefreshResult> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'steam-refresh' }]);
  const steam = await steamActivities();
  const before = await steamPlayerSnapshots(input.accountIds);
  const pages = new Map<number, { pages: number; status: string }>();
  await inPool(
    input.accountIds.map((accountId) => async () => {
      let start: number | undefined;
      let n = 0;
      for (;;) {
        const page = await steam.steamMatchHistoryPage({ accountId, startAtMatchId: start });
        n += 1;
        if (page.kind !== 'ok') return pages.set(accountId, { pages: n, status: page.kind });
        if (page.matches === 0 || page.resultsRemaining === 0 || page.lastMatchId === null || n >= 5) break;
        start = page.lastMatchId - 1;
      }
      return pages.set(accountId, { pages: n, status: 'ok' });
    }),
    4,
  );
  for (let i = 0; i < input.accountIds.length; i += 100) await steam.steamPlayerSummaries({ accountIds: input.accountIds.slice(i, i + 100) });
  const sweep = await executeChild(steamSweepWorkflow, {
    args: [{}],
    workflowId: `${workflowInfo().workflowId}-sweep`,
    staticSummary: 'fills what the refreshed histories reference',
  });
  const after = await steamPlayerSnapshots(input.accountIds);
  return {
    players: input.accountIds.map((id, i) => ({
      accountId: id,
      before: before[i]!,
      after: after[i]!,
      historyPages: pages.get(id)?.pages ?? 0,
      status: pages.get(id)?.status ?? 'ok',
    })),
    sweepCalls: sweep.calls,
  };
}

export type FoundBy = 'mirrored' | 'sequence' | 'search' | 'details' | 'not_found' | 'practice' | 'unavailable';

export interface FoundMatch {
  matchId: number;
  found: FoundBy;
  /** Steam calls it took. */
  calls: number;
  detail: string;
}

/**
 * `steam match`: mirrors given matches. By their sequence number when a history gave it (one call); else
 * by walking the sequence feed from the nearest mirrored match below it (at most `maxSeqs` sequence
 * numbers, OpenDota gives up after 30,000); GetMatchDetails only as the last resort (it fails for most
 * matches since patch 7.36).
 */
export async function steamFindMatchesWorkflow(input: { matchIds: number[]; maxSeqs?: number }): Promise<FoundMatch[]> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'steam-match' }]);
  const steam = await steamActivities();
  const maxSeqs = input.maxSeqs ?? 30_000;
  const out: FoundMatch[] = [];
  for (const matchId of input.matchIds) {
    const loc = await steamLocateMatch(matchId);
    if (loc.mirrored) {
      out.push({ matchId, found: 'mirrored', calls: 0, detail: 'already mirrored' });
      continue;
    }
    let calls = 0;
    if (loc.seq !== null) {
      const page = await steam.steamSequencePage({ startSeq: loc.seq, count: 1, by: 'sweep' });
      calls += 1;
      if (page.matchIds.includes(matchId)) {
        out.push({ matchId, found: 'sequence', calls, detail: `match_seq_num ${loc.seq}, known from a history` });
        continue;
      }
    }
    // Walk the feed between the mirrored matches around it (or up to maxSeqs from the one below).
    const from = loc.below ? loc.below.seq + 1 : loc.above ? Math.max(0, loc.above.seq - maxSeqs) : undefined;
    if (from !== undefined) {
      const to = Math.min(loc.above ? loc.above.seq : Number.MAX_SAFE_INTEGER, from + maxSeqs);
      let seq = from;
      let found = false;
      while (seq <= to) {
        const page = await steam.steamSequencePage({ startSeq: seq, count: 100, by: 'sweep' });
        calls += 1;
        const at = page.matchIds.indexOf(matchId);
        if (at >= 0) {
          found = true;
          const seqFound = page.matchSeqs[at] ?? seq;
          const near = loc.below ?? loc.above!;
          const distance = Math.abs(seqFound - near.seq);
          out.push({
            matchId,
            found: 'search',
            calls,
            detail: `match_seq_num ${seqFound}, found in the feed ${distance} sequence numbers ${loc.below ? 'after' : 'before'} mirrored match ${near.matchId}`,
          });
          break;
        }
        if (page.lastSeq === null) break;
        seq = page.lastSeq + 1;
      }
      if (found) continue;
    }
    const details = await steam.steamMatchDetails({ matchId });
    calls += 1;
    const detail = {
      ok: 'GetMatchDetails answered',
      not_found: 'Steam says: Match ID not found',
      practice: 'a practice match: Steam gives none',
      unavailable: `not in the feed within ${maxSeqs} sequence numbers of a mirrored match, and GetMatchDetails answered nothing`,
    }[details.kind];
    out.push({ matchId, found: details.kind === 'ok' ? 'details' : details.kind, calls, detail });
  }
  if (out.some((m) => m.calls > 0)) await requestMartsBuild();
  return out;
}
