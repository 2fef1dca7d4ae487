import { defineConfig } from 'vitest/config';

// The mutation run (stryker.config.json, npm run mutate): only the unit tests that exercise the mutated files.
// Stryker re-runs the tests covering each mutant, so a test here that spawns programs costs that per mutant.
export default defineConfig({
  test: {
    // scripts/mutate.ts narrows this to the tests of the one file it mutates (RATWATCH_MUTATE_TESTS)
    include: process.env.RATWATCH_MUTATE_TESTS?.split(',') ?? ['test/unit/agent/**/*.test.ts', 'test/unit/server/**/*.test.ts'],
    globalSetup: ['test/helpers/mutate-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
