import { afterAll } from 'vitest';
import { removeLeftoverTestTempDirs } from './test-temp-dirs.js';

/**
 * A Vitest setup file (vitest.config.ts `setupFiles`): after each test file, removes the temporary folders its
 * helpers made with `makeTestTempDir` and did not remove. Registered before the file's own hooks, this `afterAll`
 * runs after them (Vitest runs after-hooks in reverse order), so servers and processes are stopped first.
 */
afterAll(() => {
  removeLeftoverTestTempDirs();
});
