import { defineConfig } from 'vitest/config';

// npm run test:cluster: the production topology (temporal-server on PostgreSQL, workers apart), after npm test.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/cluster/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    reporters: ['default'],
  },
});
