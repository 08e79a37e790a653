import { offsetOf, withParams, type PageContext } from '../context.ts';
import { chart, html, section, table, tiles, type Html } from '../html.ts';

const PAGE = 25;

export async function tradesPage(ctx: PageContext): Promise<Html> {
  const offset = offsetOf(ctx);
  const [count, lopsided, pairs, failed, items] = await Promise.all([
    ctx.warehouse.named('trades_count'),
    ctx.warehouse.named('imbalanced_trades', { limit: String(PAGE), offset: String(offset) }),
    ctx.warehouse.named('lopsided_pairs', { limit: '25' }),
    ctx.warehouse.named('failed_trades_by_reason'),
    ctx.warehouse.named('most_traded_items'),
  ]);
  return html`${tiles([
    { label: 'trades', value: count.rows[0]?.trades ?? 0, id: 'tile-trades' },
    { label: 'failed trades', value: failed.rows.reduce((n, r) => n + Number(r.trades as bigint), 0), id: 'tile-failed' },
    { label: 'item kinds traded', value: items.rows.length },
  ])}
${section(
  'The most lopsided trades',
  table(lopsided, { id: 'imbalanced-trades', paging: { offset, limit: PAGE, href: (o) => withParams('/trades', { offset: o }) } }),
  'Successful trades whose sides differ in value (items value x quantity + gold) by a factor of 10 or more: the cheating signal the seed asks about.',
)}
${section('Repeated lopsided pairs', table(pairs, { id: 'lopsided-pairs', empty: 'No pair traded lopsidedly three times or more.' }), 'The same giver and receiver, value flowing one way, again and again.')}
<div class="grid2">
${section('Failed trades by reason', html`${chart('chart-failed', 'trades the engine refused', { kind: 'bar', x: 'reason', y: 'trades', rows: failed.rows })}${table(failed, { id: 'failed-trades' })}`)}
${section('Most traded items', html`${chart('chart-items', 'offers of each item in successful trades', { kind: 'barh', x: 'item_name', y: 'times_traded', rows: items.rows })}${table(items, { id: 'traded-items' })}`)}
</div>`;
}
