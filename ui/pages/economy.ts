import type { PageContext } from '../context.ts';
import { chart, html, notice, section, table, tiles, type Html } from '../html.ts';
import { pickProduct, productPicker } from './leaderboards.ts';

const binLabel = (lower: number) => (lower < 1 ? '< 1' : `10^${Math.round(Math.log10(lower))}`);

export async function economyPage(ctx: PageContext): Promise<Html> {
  const products = (await ctx.warehouse.named('wealth_products')).rows.map((r) => r.product_id as string);
  const product = pickProduct(ctx, products, 'trade-engine');
  if (!product) return notice('No wealth yet: it is known once trade-engine snapshots or Placebo purchases and joins are ingested and the warehouse built.');
  const [summary, histogram, lorenz, byTime] = await Promise.all([
    ctx.warehouse.named('wealth_summary', { product }),
    ctx.warehouse.named('wealth_histogram', { product }),
    ctx.warehouse.named('lorenz_curve', { product }),
    ctx.warehouse.named('wealth_by_time_played', { product }),
  ]);
  const s = summary.rows[0] ?? {};
  const bins = histogram.rows.map((r) => ({ bin: binLabel(r.bin_lower as number), players: Number(r.players as bigint), bin_lower: r.bin_lower, bin_upper: r.bin_upper }));
  return html`${productPicker('/economy', products, product)}
${tiles([
  { label: 'players (wealth >= 0)', value: s.players, id: 'tile-players' },
  { label: 'Gini coefficient', value: s.gini, id: 'tile-gini' },
  { label: 'top 1% share', value: s.top1_share, id: 'tile-top1' },
  { label: 'top 10% share', value: s.top10_share, id: 'tile-top10' },
  { label: 'negative-wealth players', value: s.negative_wealth_players, id: 'tile-negative' },
])}
<div class="grid2">
${section('Wealth histogram (log bins)', chart('chart-histogram', 'players per power-of-ten band of wealth', { kind: 'bar', x: 'bin', y: 'players', rows: bins, xLabel: 'wealth', yLabel: 'players' }), 'Latest wealth per player; negative wealth is counted apart.')}
${section('Lorenz curve', chart('chart-lorenz', `Gini ${typeof s.gini === 'number' ? s.gini.toFixed(4) : '-'}: the further below the diagonal, the less equal`, { kind: 'lorenz', x: 'population_share', y: 'wealth_share', rows: lorenz.rows }))}
</div>
${section('Percentiles and shares', table(summary, { id: 'wealth-summary' }))}
${section(
  'Wealth by time played',
  html`${chart('chart-time-played', 'average wealth per band of time played', { kind: 'bar', x: 'time_played', y: 'avg_wealth', rows: byTime.rows, yLabel: 'average wealth' })}
  ${table(byTime, { id: 'wealth-by-time' })}`,
)}`;
}
