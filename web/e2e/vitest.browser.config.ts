import { defineConfig } from 'vitest/config';

/**
 * The web UI's browser tests (`web/e2e/*.browser.test.ts`): Debian's Chromium driven by playwright-core against
 * one real Bosun server populated by the real mlflow client (global-setup.ts). Run by scripts/test-all.sh
 * (`npm test`), not by `npm run test:fast`. One file at a time: the machine may have 2 cores.
 * Timeouts are ceilings for hangs, not speed limits.
 */
const hangMs = 10 * 60 * 1000;

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['**/*.browser.test.ts'],
    globalSetup: ['./global-setup.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: hangMs,
    hookTimeout: hangMs,
  },
});
