import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/** A piece of HTML (escaped unless made with raw()). */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export { html, raw };

export const PAGES = [
  { path: '/pipeline', title: 'Pipeline' },
  { path: '/leaderboards', title: 'Leaderboards' },
  { path: '/economy', title: 'Economy' },
  { path: '/trades', title: 'Trades' },
  { path: '/dota', title: 'Dota' },
  { path: '/catalog', title: 'Catalog' },
  { path: '/queries', title: 'Queries' },
] as const;

export interface LayoutOptions {
  title: string;
  /** The nav entry to highlight. */
  active: string;
  temporalUiUrl: string;
  /** How long the page took to make, shown in the footer. */
  startedAt?: number;
}

/** The page around a body: nav to every page and to the Temporal UI, the chart script. */
export function layout(options: LayoutOptions, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · gamelake</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="data:,">
</head>
<body>
<header>
  <a class="brand" href="/pipeline">gamelake</a>
  <nav>${PAGES.map((p) => html`<a href="${p.path}"${p.path === options.active ? raw(' class="active" aria-current="page"') : ''}>${p.title}</a>`)}
    <a href="${options.temporalUiUrl}" class="external" target="_blank" rel="noopener">Temporal UI ↗</a>
  </nav>
</header>
<main>
<h1>${options.title}</h1>
${body}
</main>
<footer>gamelake · <a href="/catalog">catalog</a> · <a href="/queries">queries</a>${options.startedAt ? html` · made in <span id="made-ms">${Date.now() - options.startedAt}</span> ms` : ''}</footer>
<script src="/static/d3.js"></script>
<script src="/static/plot.js"></script>
<script src="/static/app.js"></script>
</body>
</html>`;
}

/** A chart, drawn in the browser by static/app.js with Observable Plot from this spec. */
export interface ChartSpec {
  /** bar: one rect per row; line: one path; dot: one circle per row; lorenz: the curve and the line of equality. */
  kind: 'bar' | 'line' | 'dot' | 'lorenz' | 'barh';
  x: string;
  y: string;
  rows: Array<Record<string, unknown>>;
  xLabel?: string;
  yLabel?: string;
  /** Logarithmic y (wealth). */
  logY?: boolean;
  /** A series column (one line or color per value). */
  series?: string;
  height?: number;
}

/** JSON for an HTML attribute or script: values made plain (bigint as number, dates as ISO text). */
export function plainJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.toISOString() : v));
}

export function chart(id: string, title: string, spec: ChartSpec): Html {
  return html`<figure class="chart" id="${id}" data-kind="${spec.kind}" data-rows="${spec.rows.length}">
  <figcaption>${title}</figcaption>
  <script type="application/json">${raw(plainJson(spec).replaceAll('<', '\\u003c'))}</script>
</figure>`;
}

/** A value as a person reads it: numbers with grouping and at most `digits` decimals, dates as ISO. */
export function show(value: unknown, digits = 2): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'bigint') return value.toLocaleString('en-US');
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toLocaleString('en-US', { maximumFractionDigits: digits });
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  if (Array.isArray(value)) return value.map((v) => show(v, digits)).join(', ');
  if (typeof value === 'object') return plainJson(value);
  return String(value);
}

export interface TableOptions {
  id: string;
  /** Column -> link for a row's cell. */
  links?: Record<string, (row: Record<string, unknown>) => string | undefined>;
  /** Paging: this page's first row offset, the page size, and the URL of another page. */
  paging?: { offset: number; limit: number; href: (offset: number) => string; total?: number };
  empty?: string;
}

/** An HTML table of a query result (numbers right-aligned), with paging links when the result is long. */
export function table(result: { columns: string[]; rows: Array<Record<string, unknown>>; round?: Record<string, number> }, options: TableOptions): Html {
  const numeric = result.columns.map((c) => result.rows.length > 0 && result.rows.every((r) => r[c] === null || typeof r[c] === 'number' || typeof r[c] === 'bigint'));
  const p = options.paging;
  const pager = p
    ? html`<nav class="pager" aria-label="pages">
        ${p.offset > 0 ? html`<a rel="prev" href="${p.href(Math.max(0, p.offset - p.limit))}">← previous</a>` : ''}
        <span>rows ${p.offset + (result.rows.length ? 1 : 0)}–${p.offset + result.rows.length}${p.total !== undefined ? ` of ${p.total.toLocaleString('en-US')}` : ''}</span>
        ${result.rows.length === p.limit && (p.total === undefined || p.offset + p.limit < p.total) ? html`<a rel="next" href="${p.href(p.offset + p.limit)}">next →</a>` : ''}
      </nav>`
    : '';
  if (result.rows.length === 0) return html`<p class="empty" id="${options.id}">${options.empty ?? 'No rows.'}</p>${pager}`;
  return html`<div class="table-wrap"><table id="${options.id}">
  <thead><tr>${result.columns.map((c, k) => html`<th${numeric[k] ? raw(' class="num"') : ''}>${c}</th>`)}</tr></thead>
  <tbody>${result.rows.map(
    (r) =>
      html`<tr>${result.columns.map((c, k) => {
        const link = options.links?.[c]?.(r);
        // Ids are names, not quantities: shown as they are, without grouping.
        const cell = /(^|_)id$/.test(c) && (typeof r[c] === 'bigint' || typeof r[c] === 'number') ? String(r[c]) : show(r[c], result.round?.[c]);
        return html`<td${numeric[k] ? raw(' class="num"') : ''} data-col="${c}">${link ? html`<a href="${link}">${cell}</a>` : cell}</td>`;
      })}</tr>`,
  )}</tbody>
</table></div>${pager}`;
}

/** Big numbers in a row of tiles. */
export function tiles(items: Array<{ label: string; value: unknown; id?: string; digits?: number }>): Html {
  return html`<div class="tiles">${items.map((t) => html`<div class="tile"${t.id ? raw(` id="${t.id}"`) : ''}><span class="value">${show(t.value, t.digits ?? 4)}</span><span class="label">${t.label}</span></div>`)}</div>`;
}

export function section(title: string, body: Html, note?: string): Html {
  return html`<section><h2>${title}</h2>${note ? html`<p class="note">${note}</p>` : ''}${body}</section>`;
}

/** A notice for a part of the page that could not be made (the rest of the page still shows). */
export function notice(message: string): Html {
  return html`<p class="notice" role="status">${message}</p>`;
}
