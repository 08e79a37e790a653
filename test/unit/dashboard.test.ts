import { describe, expect, it } from 'vitest';
import { workerMetrics } from '../../platform/metrics.ts';
import { dashboardMetrics } from '../fixtures/dashboard.ts';

describe('the Grafana dashboard (deploy/grafana/gamelake.json)', () => {
  it('names only metrics gamelake exports, and shows each of them', async () => {
    const exported = (await workerMetrics('/nonexistent-lake').registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('gamelake_'));
    const used = dashboardMetrics().filter((n) => n.startsWith('gamelake_'));
    expect(used.filter((n) => !exported.includes(n))).toEqual([]);
    expect(exported.filter((n) => !used.includes(n))).toEqual([]);
  });
});
