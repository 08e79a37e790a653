import { lakeTables, fileColumns, PARTITION_COLUMN, QUARANTINE_TABLE } from '../../transforms/tables.ts';
import { loadModels, type Model } from '../../warehouse/models.ts';
import type { PageContext } from '../context.ts';
import { html, raw, section, show, table, type Html } from '../html.ts';

interface Node {
  name: string;
  layer: 'lake' | 'staging' | 'marts';
  description: string;
  grain: string;
  /** Names of the nodes it reads. */
  reads: string[];
  model?: Model;
}

/** Tables and views a model's SQL reads (lake_*, stg_*, mart_*, and the Steam mirror's views). */
function readsOf(model: Model): string[] {
  const body = model.sql.replace(/^--.*$/gm, '');
  const names = new Set<string>();
  for (const m of body.matchAll(/\b(lake_[a-z0-9_]+|stg_[a-z0-9_]+|mart_[a-z0-9_]+|steam_[a-z0-9_]+|leaderboard_scores)\b/g)) {
    const n = m[1]!.startsWith('steam_') || m[1]!.startsWith('lake_steam_') ? 'lake_steam' : m[1]!;
    if (n !== model.name) names.add(n);
  }
  return [...names].sort();
}

/** The lineage as an SVG: one column per depth (lake tables on the left, marts on the right), an edge per read. */
function lineage(nodes: Node[]): Html {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen: string[] = []): number => {
    if (depth.has(name)) return depth.get(name)!;
    const n = byName.get(name);
    const d = !n || n.reads.length === 0 || seen.includes(name) ? 0 : 1 + Math.max(...n.reads.map((r) => depthOf(r, [...seen, name])));
    depth.set(name, d);
    return d;
  };
  for (const n of nodes) depthOf(n.name);
  const columns = new Map<number, Node[]>();
  for (const n of nodes) columns.set(depth.get(n.name)!, [...(columns.get(depth.get(n.name)!) ?? []), n]);
  const colW = 210;
  const rowH = 22;
  const height = Math.max(...[...columns.values()].map((c) => c.length)) * rowH + 30;
  const pos = new Map<string, { x: number; y: number }>();
  for (const [d, list] of columns) list.forEach((n, i) => pos.set(n.name, { x: 10 + d * colW, y: 20 + i * rowH }));
  const edges: string[] = [];
  for (const n of nodes) {
    const to = pos.get(n.name)!;
    for (const r of n.reads) {
      const from = pos.get(r);
      if (!from) continue;
      const x1 = from.x + 170;
      const x2 = to.x;
      edges.push(`<path class="edge" d="M${x1},${from.y} C${(x1 + x2) / 2},${from.y} ${(x1 + x2) / 2},${to.y} ${x2},${to.y}" fill="none" stroke="#9fb0cc" stroke-width="1"/>`);
    }
  }
  const colors = { lake: '#eef3e6', staging: '#e8eefb', marts: '#fbeee6' };
  const boxes = nodes.map((n) => {
    const p = pos.get(n.name)!;
    return `<a href="#${n.name}"><g class="node" data-layer="${n.layer}"><rect x="${p.x}" y="${p.y - 9}" width="170" height="18" rx="4" fill="${colors[n.layer]}" stroke="#c5cede"/><text x="${p.x + 6}" y="${p.y + 4}">${n.name}</text></g></a>`;
  });
  const width = 10 + (Math.max(...columns.keys()) + 1) * colW;
  return html`<div class="lineage">${raw(`<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="lineage of the warehouse's models" data-nodes="${nodes.length}" data-edges="${edges.length}">${edges.join('')}${boxes.join('')}</svg>`)}</div>`;
}

export async function catalogPage(ctx: PageContext): Promise<Html> {
  const [columns, checks] = await Promise.all([ctx.warehouse.named('warehouse_columns'), ctx.warehouse.named('check_results', { builds: '3' })]);
  const lake = [...lakeTables(ctx.deps.registry).values()];
  const models = [...loadModels('staging'), ...loadModels('marts')];
  const nodes: Node[] = [
    ...lake.map((t) => ({ name: `lake_${t.name}`, layer: 'lake' as const, description: t.description, grain: t.grain, reads: [] })),
    { name: `lake_${QUARANTINE_TABLE.name}`, layer: 'lake', description: QUARANTINE_TABLE.description, grain: QUARANTINE_TABLE.grain, reads: [] },
    { name: 'lake_steam', layer: 'lake', description: "The Steam mirror's tables (lake_steam_*), newest row per key.", grain: 'per table', reads: [] },
    {
      name: 'leaderboard_scores',
      layer: 'marts',
      description: "Each player's score under the product's scorer, re-scored from the earliest new result on.",
      grain: 'one row per product and player',
      reads: ['stg_game_results'],
    },
    ...models.map((m) => ({ name: m.name, layer: m.layer, description: m.description, grain: m.grain, reads: readsOf(m), model: m })),
  ];
  const known = new Set(nodes.map((n) => n.name));
  for (const n of nodes) n.reads = n.reads.filter((r) => known.has(r));
  const cols = new Map<string, Array<Record<string, unknown>>>();
  for (const c of columns.rows) cols.set(c.table_name as string, [...(cols.get(c.table_name as string) ?? []), c]);
  const lakeColumns = new Map(lake.map((t) => [`lake_${t.name}`, new Map([...fileColumns(t), PARTITION_COLUMN].map((c) => [c.name, c]))]));
  lakeColumns.set('lake_quarantine', new Map(QUARANTINE_TABLE.columns.map((c) => [c.name, c])));
  const checksBy = new Map<string, Array<Record<string, unknown>>>();
  const lastBuild = checks.rows[0]?.build_id;
  for (const c of checks.rows) if (c.build_id === lastBuild) checksBy.set(c.model as string, [...(checksBy.get(c.model as string) ?? []), c]);

  const entry = (n: Node) => {
    const rows = (cols.get(n.name) ?? []).map((c) => ({
      column: c.column_name,
      type: c.data_type,
      description: c.description ?? lakeColumns.get(n.name)?.get(c.column_name as string)?.description ?? n.model?.columns[c.column_name as string] ?? '',
    }));
    const declared = n.model ? [...n.model.unique.map((u) => `unique(${u})`), ...n.model.notNull.map((c) => `not_null(${c})`), ...n.model.checks.map((c) => `check(${c})`)] : [];
    const results = checksBy.get(n.name) ?? [];
    return html`<section id="${n.name}" class="model" data-layer="${n.layer}">
  <h2>${n.name} <span class="badge">${n.layer}${n.model ? ` · ${n.model.refresh}` : ''}</span></h2>
  <p>${n.description}</p>
  <p class="note">Grain: ${n.grain || '-'}${n.reads.length ? html` · reads ${n.reads.map((r, i) => html`${i ? ', ' : ''}<a href="#${r}">${r}</a>`)}` : ''}${n.model ? html` · <code>${n.model.file.replace(/^.*\/warehouse\//, 'warehouse/')}</code>` : ''}</p>
  ${
    declared.length
      ? html`<p>Checks: ${declared.map((d) => {
          const r = results.find(
            (x) =>
              x.check_name ===
              d.replace(
                /^unique\((.*)\)$/,
                (_m, u: string) =>
                  `unique(${u
                    .split(',')
                    .map((s) => s.trim())
                    .join(', ')})`,
              ),
          );
          return html`<span class="badge ${r ? (r.passed ? 'pass' : 'fail') : ''}" title="${r ? `${show(r.failing_rows)} failing rows in build ${String(r.build_id)}` : 'not run in the last build'}">${d}${r ? (r.passed ? ' ✓' : ' ✗') : ''}</span> `;
        })}</p>`
      : ''
  }
  ${rows.length ? table({ columns: ['column', 'type', 'description'], rows }, { id: `columns-${n.name}` }) : ''}
</section>`;
  };
  const layer = (l: Node['layer']) => nodes.filter((n) => n.layer === l);
  return html`${section('Lineage', lineage(nodes), "Lake tables (left) are views over the lake's Parquet files; staging views read them; marts read staging and other marts. Each box links to its entry.")}
${section('Check results of the last builds', table(checks, { id: 'check-results', empty: 'No build yet.' }))}
<h2>Lake tables</h2>${layer('lake').map(entry)}
<h2>Staging views</h2>${layer('staging').map(entry)}
<h2>Marts</h2>${layer('marts').map(entry)}`;
}
