import { describe, expect, it } from 'vitest';
import { collectorMetrics, uiMetrics, workerMetrics } from '../../platform/metrics.ts';
import { dashboardMetrics } from '../fixtures/dashboard.ts';

describe('the Grafana dashboard (deploy/grafana/gamelake.json)', () => {
  it('names only metrics gamelake exports, and shows each of them', async () => {
    const registries = [
      workerMetrics('/nonexistent-lake').registry,
      collectorMetrics(() => ({ depthBytes: 0, closedSegments: 0 })).registry,
      uiMetrics(async () => ({ marts: [], lastBuild: null })),
    ];
    const exported = (await Promise.all(registries.map((r) => r.getMetricsAsJSON())))
      .flat()
      .map((m) => m.name)
      .filter((n) => n.startsWith('gamelake_'));
    const used = dashboardMetrics().filter((n) => n.startsWith('gamelake_'));
    expect(used.filter((n) => !exported.includes(n))).toEqual([]);
    expect(exported.filter((n) => !used.includes(n))).toEqual([]);
  });
});
