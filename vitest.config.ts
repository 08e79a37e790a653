import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Temporal's native bridge prefers process forks over worker threads.
    pool: 'forks',
    // Two files at a time on two cores: much of the suite waits on Temporal (heartbeat timeouts after a
    // kill, retries' backoff, schedules), and those waits overlap with another file's work.
    maxWorkers: 2,
    // In CI also write a JSON report; .ci/run prints its "N passed, N failed" line.
    // Both end with the ten slowest files (test/slowest-files.ts).
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.vitest-report.json' }], './test/slowest-files.ts'] : ['default', './test/slowest-files.ts'],
    // `npm run test:coverage`: a coverage summary of the code run in the test processes (a guide, not a target:
    // code run in the CLI and worker processes the integration tests spawn is not counted). Off in `npm test`:
    // instrumented code runs slower than the workers the tests time their kills against.
    coverage: {
      provider: 'v8',
      reporter: ['text-summary'],
      include: ['{transforms,lake,activities,warehouse,workflows,platform,sim,ui,cli}/**/*.ts'],
    },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // One real Temporal dev server for the whole run.
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
