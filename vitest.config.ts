import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // e2e tests start real servers on fixed loopback displays/ports; keep files from racing each other
    fileParallelism: true,
    pool: 'forks',
  },
});
