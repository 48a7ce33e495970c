import { defineConfig } from 'vitest/config';

/**
 * Timeouts are ceilings for hangs, not speed limits: the machine running the tests may be busy (2 cores shared
 * with other jobs), which makes a test slower, never wrong. Waits inside tests poll with a smaller ceiling
 * (src/shared/test-support/wait-for.ts, 5 minutes) so that a hang fails there, saying what it waited for.
 */
const hangMs = 10 * 60 * 1000;

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: hangMs,
    hookTimeout: hangMs,
    pool: 'forks',
  },
});
