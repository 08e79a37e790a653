import type { Reporter, TestModule } from 'vitest/node';

/**
 * A reporter that prints the ten slowest test files at the end of a run (where the suite's time goes),
 * next to the default reporter.
 */
export default class SlowestFiles implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows = modules
      .map((m) => ({ file: `${m.project.name}: ${m.relativeModuleId}`, ms: m.diagnostic().duration }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10);
    if (rows.length === 0) return;
    const lines = rows.map((r) => `${(r.ms / 1000).toFixed(1).padStart(8)} s  ${r.file}`);
    process.stdout.write(`\nThe ten slowest test files:\n${lines.join('\n')}\n`);
  }
}
