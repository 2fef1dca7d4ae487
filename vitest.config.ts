import { configDefaults, defineConfig } from 'vitest/config';

// Files that make processes on this machine wait (a hung FUSE mount, a process whose memory cannot be read,
// so `ps` waits too): they run on their own, after every other file has finished
const ALONE = ['test/live/alone/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // e2e tests start real servers on fixed loopback displays/ports; keep files from racing each other
    fileParallelism: true,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ALONE],
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: 'alone', include: ALONE, sequence: { groupOrder: 1 } } },
    ],
  },
});
