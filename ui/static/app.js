// Draws every <figure class="chart"> of the page from the JSON spec inside it, with Observable Plot.
// Served as it is (no build step); Plot and d3 come from node_modules (see ui/server.ts).
(() => {
  const width = (fig) => Math.max(320, Math.min(fig.parentElement.clientWidth || 720, 980));
  const draw = {
    bar: (s, w) =>
      Plot.plot({
        width: w,
        height: s.height || 280,
        marginLeft: 64,
        marginBottom: 56,
        x: { label: s.xLabel || s.x, tickRotate: s.rows.length > 12 ? -45 : 0, type: 'band', domain: [...new Set(s.rows.map((r) => r[s.x]))] },
        y: { label: s.yLabel || s.y, grid: true, type: s.logY ? 'log' : 'linear' },
        color: s.series ? { legend: true } : undefined,
        marks: [Plot.barY(s.rows, { x: s.x, y: s.y, fill: s.series || 'steelblue', tip: true }), Plot.ruleY([0])],
      }),
    barh: (s, w) =>
      Plot.plot({
        width: w,
        height: s.height || Math.max(200, 18 * s.rows.length + 40),
        marginLeft: 150,
        x: { label: s.yLabel || s.y, grid: true },
        y: { label: null, domain: s.rows.map((r) => r[s.x]) },
        marks: [Plot.barX(s.rows, { y: s.x, x: s.y, fill: 'steelblue', tip: true }), Plot.ruleX([0])],
      }),
    line: (s, w) =>
      Plot.plot({
        width: w,
        height: s.height || 280,
        marginLeft: 64,
        x: { label: s.xLabel || s.x, type: 'utc' },
        y: { label: s.yLabel || s.y, grid: true, type: s.logY ? 'symlog' : 'linear' },
        color: s.series ? { legend: true } : undefined,
        marks: [
          Plot.lineY(
            s.rows.map((r) => ({ ...r, [s.x]: new Date(r[s.x]) })),
            { x: s.x, y: s.y, stroke: s.series, tip: true },
          ),
        ],
      }),
    dot: (s, w) =>
      Plot.plot({
        width: w,
        height: s.height || 280,
        marginLeft: 64,
        x: { label: s.xLabel || s.x },
        y: { label: s.yLabel || s.y, grid: true },
        marks: [Plot.dot(s.rows, { x: s.x, y: s.y, tip: true })],
      }),
    lorenz: (s, w) =>
      Plot.plot({
        width: Math.min(w, 520),
        height: Math.min(w, 420),
        marginLeft: 56,
        x: { label: s.xLabel || 'share of players (poorest first)', domain: [0, 1] },
        y: { label: s.yLabel || 'share of wealth', domain: [0, 1], grid: true },
        marks: [
          Plot.line(
            [
              { [s.x]: 0, [s.y]: 0 },
              { [s.x]: 1, [s.y]: 1 },
            ],
            { x: s.x, y: s.y, stroke: '#999', strokeDasharray: '4,3' },
          ),
          Plot.line([{ [s.x]: 0, [s.y]: 0 }, ...s.rows], { x: s.x, y: s.y, stroke: 'steelblue', strokeWidth: 2 }),
          Plot.dot(s.rows, { x: s.x, y: s.y, fill: 'steelblue', tip: true }),
        ],
      }),
  };
  for (const fig of document.querySelectorAll('figure.chart')) {
    const spec = JSON.parse(fig.querySelector('script[type="application/json"]').textContent);
    if (spec.rows.length === 0) {
      const p = document.createElement('p');
      p.className = 'empty';
      p.textContent = 'Nothing to draw yet.';
      fig.appendChild(p);
      continue;
    }
    const plot = draw[spec.kind](spec, width(fig));
    fig.appendChild(plot);
    fig.dataset.drawn = 'true';
  }
  document.documentElement.dataset.charts = 'drawn';
})();
// Pickers that submit their form when changed (no inline handlers: the Content-Security-Policy allows none).
for (const el of document.querySelectorAll('[data-submit-on-change]')) el.addEventListener('change', () => el.form.submit());
