import { defineConfig } from 'vitest/config';

// Unit tests only: the mutation run (stryker.config.json) uses this; e2e tests start real servers and take minutes.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
