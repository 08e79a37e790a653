import { listQueries, loadQuery, type QueryResult } from '../../warehouse/queries.ts';
import { offsetOf, withParams, type PageContext } from '../context.ts';
import { html, section, table, type Html } from '../html.ts';

const PAGE = 100;
/** Rows the SQL box shows at most (download the rest). */
const SHOWN = 10_000;

/** A result's rows of one page, with links to the others. */
function paged(result: QueryResult, ctx: PageContext, path: string, id: string, keep: Record<string, string>): Html {
  const offset = offsetOf(ctx);
  const rows = result.rows.slice(offset, offset + PAGE);
  return table({ columns: result.columns, rows }, { id, paging: { offset, limit: PAGE, total: result.rows.length, href: (o) => withParams(path, { ...keep, offset: o }) } });
}

function downloads(href: (format: string) => string): Html {
  return html`<p>Download: ${['csv', 'json', 'arrow', 'parquet'].map((f, i) => html`${i ? ' · ' : ''}<a href="${href(f)}" download>${f.toUpperCase()}</a>`)}</p>`;
}

export async function queriesPage(): Promise<Html> {
  const rows = listQueries().map((q) => ({
    query: q.name,
    description: q.description,
    parameters: q.params.map((p) => (p.default === undefined ? p.name : `${p.name}=${p.default}`)).join(' '),
  }));
  return html`${section('Named queries', table({ columns: ['query', 'description', 'parameters'], rows }, { id: 'queries', links: { query: (r) => `/queries/${r.query as string}` } }), 'The same queries/*.sql files gamelake query runs, with their parameters bound.')}
<p><a href="/sql">Write your own SQL (read-only) →</a></p>`;
}

export async function queryPage(ctx: PageContext, name: string): Promise<Html> {
  const q = loadQuery(name);
  const given: Record<string, string> = {};
  for (const p of q.params) {
    const v = ctx.query(p.name);
    if (v !== undefined && v !== '') given[p.name] = v;
  }
  const missing = q.params.filter((p) => p.default === undefined && given[p.name] === undefined);
  const run = ctx.query('run') !== undefined && missing.length === 0;
  const result = run ? await ctx.warehouse.named(name, given) : undefined;
  const keep = { ...given, run: '1' };
  return html`<p><a href="/queries">← all queries</a></p>
${section(
  name,
  html`<form class="inline" method="get" action="/queries/${name}" id="query-form">
    ${q.params.map((p) => html`<label>${p.name}<input name="${p.name}" value="${given[p.name] ?? p.default ?? ''}" ${p.default === undefined ? html`required` : ''}></label>`)}
    <input type="hidden" name="run" value="1"><button>run</button></form>
  ${missing.length && ctx.query('run') !== undefined ? html`<p class="error">needs ${missing.map((m) => m.name).join(', ')}</p>` : ''}
  ${result ? html`${paged(result, ctx, `/queries/${name}`, 'result', keep)}${downloads((format) => withParams(`/api/queries/${name}`, { ...given, format }))}` : ''}`,
  q.description,
)}`;
}

export async function sqlPage(ctx: PageContext): Promise<Html> {
  const sql = ctx.query('q') ?? '';
  let body: Html = '' as unknown as Html;
  if (sql.trim()) {
    try {
      // No more rows than the page shows are read: DuckDB stops producing the rest.
      const shown = await ctx.warehouse.query(sql, undefined, { maxRows: SHOWN });
      body = html`${shown.truncated ? html`<p class="note" id="sql-truncated">showing the first ${SHOWN.toLocaleString('en-US')} rows; the result has more (add a LIMIT, or download it as Parquet)</p>` : ''}
      ${paged(shown, ctx, '/sql', 'result', { q: sql })}${downloads((format) => withParams('/api/sql', { q: sql, format }))}`;
    } catch (err) {
      body = html`<p class="error" id="sql-error">${(err as Error).message.split('\n')[0]}</p>`;
    }
  }
  return html`${section(
    'SQL',
    html`<form method="get" action="/sql" id="sql-form"><textarea name="q" spellcheck="false" placeholder="SELECT * FROM mart_leaderboard LIMIT 10">${sql}</textarea><p><button>run</button></p></form>${body}`,
    'Read-only: one query (SELECT, WITH ..., EXPLAIN) at a time, stopped after its time limit; it can read the warehouse and the lake, no other file. Tables: lake_* (the lake), stg_* (staging), mart_* (marts), batches.',
  )}`;
}
