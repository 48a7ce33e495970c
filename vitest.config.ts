import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Timeouts are ceilings for hangs, not speed limits: the machine running the tests may be busy (2 cores shared
 * with other jobs), which makes a test slower, never wrong. Waits inside tests poll with a smaller ceiling
 * (src/shared/test-support/wait-for.ts, 5 minutes) so that a hang fails there, saying what it waited for.
 */
const hangMs = 10 * 60 * 1000;

/**
 * Vitest's default is one worker less than the cores: a single worker on a 2-core machine, which then waits on
 * every socket and fsync in turn. Test files spend most of their time waiting, so run one per core at least.
 */
const workers = Math.max(2, availableParallelism());

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // After each file, removes the temporary folders its helpers made and left (makeTestTempDir).
    setupFiles: ['src/shared/test-support/remove-test-temp-dirs.ts'],
    // GitHub's workflow parser imports its schema JSON without an import attribute, which Node refuses: let Vite
    // load it (src/cli/github-workflow-example.test.ts).
    server: { deps: { inline: ['@actions/workflow-parser'] } },
    testTimeout: hangMs,
    hookTimeout: hangMs,
    pool: 'forks',
    maxWorkers: workers,
    minWorkers: workers,
  },
});
