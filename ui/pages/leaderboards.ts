import { offsetOf, withParams, type PageContext } from '../context.ts';
import { chart, html, notice, section, show, table, tiles, type Html } from '../html.ts';
import { scoringFor } from '../../transforms/scoring.ts';

const PAGE = 25;

/** The product a page shows: ?product=, else the first one there is. */
export function pickProduct(ctx: PageContext, products: string[], fallback?: string): string | undefined {
  const asked = ctx.query('product');
  if (asked && products.includes(asked)) return asked;
  return fallback && products.includes(fallback) ? fallback : products[0];
}

export function productPicker(path: string, products: string[], current: string | undefined): Html {
  return html`<form class="inline" method="get" action="${path}"><label>product
    <select name="product" data-submit-on-change>${products.map((p) => html`<option${p === current ? html` selected` : ''}>${p}</option>`)}</select></label>
    <noscript><button>show</button></noscript></form>`;
}

export async function leaderboardsPage(ctx: PageContext): Promise<Html> {
  const products = (await ctx.warehouse.named('leaderboard_products')).rows.map((r) => r.product_id as string);
  const product = pickProduct(ctx, products, 'exrps');
  if (!product) return notice('No finished games yet: the leaderboards fill once a game with results (exrps game_over) is ingested and the warehouse built.');
  const offset = offsetOf(ctx);
  const scoring = scoringFor(ctx.deps.scoring(), product);
  const [page, top] = await Promise.all([
    ctx.warehouse.named('leaderboard', { product, limit: String(PAGE), offset: String(offset) }),
    ctx.warehouse.named('leaderboard', { product, limit: '20', offset: '0' }),
  ]);
  const info = (await ctx.warehouse.named('leaderboard_products')).rows.find((r) => r.product_id === product)!;
  const method = scoring.method === 'elo' ? `ELO (K ${scoring.k ?? 32}, start ${scoring.initial ?? 1500})` : scoring.method === 'wins' ? 'wins (+1 per win)' : scoring.method;
  return html`${productPicker('/leaderboards', products, product)}
${tiles([
  { label: 'scoring', value: method, id: 'tile-scoring' },
  { label: 'players ranked', value: info.players },
  { label: 'games', value: info.games },
])}
${section(
  `Top 20 of ${product}`,
  chart('chart-leaderboard', `score by player (${method})`, { kind: 'bar', x: 'player_id', y: 'score', rows: top.rows, xLabel: 'player', yLabel: 'score' }),
)}
${section(
  'Ranks',
  table(page, {
    id: 'leaderboard',
    links: { player_id: (r) => `/players/${encodeURIComponent(product)}/${encodeURIComponent(r.player_id as string)}` },
    paging: { offset, limit: PAGE, href: (o) => withParams('/leaderboards', { product, offset: o }), total: Number(info.players) },
  }),
  'Ties share a rank (1, 2, 2, 4). A player links to their page.',
)}`;
}

export async function playerPage(ctx: PageContext, product: string, player: string): Promise<Html> {
  const [stats, wealth] = await Promise.all([ctx.warehouse.named('player_stats', { product, player }), ctx.warehouse.named('player_wealth_over_time', { product, player })]);
  const s = stats.rows[0];
  const weapons = s ? (['rock', 'paper', 'scissors', 'botch'] as const).map((w) => ({ weapon: w, picks: Number(s[w] as bigint) })) : [];
  return html`<p><a href="${withParams('/leaderboards', { product })}">← ${product} leaderboard</a></p>
${tiles([
  { label: 'player', value: player, id: 'tile-player' },
  { label: 'games', value: s?.games ?? 0, id: 'tile-games' },
  { label: 'wins', value: s?.wins ?? 0, id: 'tile-wins' },
  { label: 'losses', value: s?.losses ?? 0, id: 'tile-losses' },
  { label: 'win rate', value: s?.win_rate ?? '-', id: 'tile-win-rate' },
])}
${s ? section('Weapon picks (exrps)', chart('chart-weapons', 'select_weapon events by weapon', { kind: 'bar', x: 'weapon', y: 'picks', rows: weapons })) : notice(`${player} has no finished game or weapon pick in ${product}.`)}
${section(
  'Wealth over time',
  wealth.rows.length
    ? html`${chart('chart-wealth', 'wealth after each snapshot, purchase or join', { kind: 'line', x: 'occurred_at', y: 'wealth', rows: wealth.rows })}
      <p class="note">${wealth.rows.length} points; latest ${show(wealth.rows.at(-1)!.wealth)}.</p>`
    : notice(`No wealth is known for ${player} in ${product} (trade-engine snapshots and Placebo purchases and joins carry it).`),
)}`;
}
