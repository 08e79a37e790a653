import { scanStatusQuery, steamScanWorkflowId } from '../../workflows/index.ts';
import type { PageContext } from '../context.ts';
import { chart, html, notice, section, show, table, tiles, type Html } from '../html.ts';

export async function dotaPage(ctx: PageContext): Promise<Html> {
  const minMatches = ctx.query('min_matches') ?? '1';
  const account = ctx.query('account_id');
  const [heroes, convergence] = await Promise.all([ctx.warehouse.named('hero_win_rates', { min_matches: minMatches }), ctx.warehouse.named('convergence_status')]);
  const matches = account && /^\d+$/.test(account) ? await ctx.warehouse.named('player_matches', { account_id: account }) : undefined;
  // How far the sequence scan is behind the feed's head (asked of the running scan, when there is one).
  let lag: Html = notice('No sequence scan is running (gamelake steam scan starts one).');
  const client = await ctx.deps.temporal?.().catch(() => undefined);
  if (client) {
    try {
      const s = await client.workflow.getHandle(steamScanWorkflowId(ctx.deps.taskQueue)).query(scanStatusQuery);
      lag = tiles([
        { label: 'scan position (match_seq_num)', value: s.nextSeq, id: 'tile-scan-position' },
        { label: 'matches read by this run', value: s.matchesDone },
        { label: 'behind the feed head (s)', value: s.lagSeconds ?? '-', id: 'tile-lag' },
        { label: 'caught up', value: s.caughtUp ? 'yes' : 'no' },
      ]);
    } catch {
      // no scan workflow on this task queue
    }
  }
  return html`${section(
    'Hero win rates',
    html`<form class="inline" method="get" action="/dota"><label>at least this many matches <input name="min_matches" type="number" min="1" value="${minMatches}"></label><button>show</button></form>
  ${chart('chart-heroes', 'win rate over fully mirrored matches', { kind: 'barh', x: 'hero_name', y: 'win_rate', rows: heroes.rows.filter((h) => h.hero_name !== null) })}
  ${table(heroes, { id: 'hero-win-rates', empty: 'No fully mirrored match yet.' })}`,
  )}
${section(
  "A player's matches",
  html`<form class="inline" method="get" action="/dota"><label>account id <input name="account_id" inputmode="numeric" value="${account ?? ''}" placeholder="100000000"></label><input type="hidden" name="min_matches" value="${minMatches}"><button>show</button></form>
  ${matches ? table(matches, { id: 'player-matches', empty: `No mirrored match of ${account}.` }) : ''}`,
)}
${section(
  'The mirror',
  html`${chart('chart-convergence', 'share of known entities mirrored in full', { kind: 'bar', x: 'entity', y: 'pct_complete', rows: convergence.rows, yLabel: '% complete' })}
  ${table(convergence, { id: 'convergence' })}
  <h2>Lag behind the sequence feed</h2>${lag}`,
  `complete + stubs + unavailable = total for each entity type (a check of the build). ${show(convergence.rows.reduce((n, r) => n + Number(r.stubs as bigint), 0))} stubs left.`,
)}`;
}
