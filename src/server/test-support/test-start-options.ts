import { join } from 'node:path';
import type { ScryptParams } from '../../security/users/index.js';
import type { StartOptions } from '../start-server.js';

/**
 * The password-hash cost of test servers: N=2^11 instead of the production 2^15 (16 times less CPU and memory per
 * hash). Suites that sign many users in spend their time on what they test; the production cost itself is tested
 * in security/users (password-hashing.test.ts, user-service.test.ts).
 */
export const testPasswordHashing: ScryptParams = { N: 2 ** 11, r: 8, p: 1 };

/** `startServer` options for tests: no signal handlers, and the test password-hash cost. */
export const testStartOptions: StartOptions = {
  handleSignals: false,
  platform: { passwordHashing: testPasswordHashing },
};

/**
 * Where a test server's local pipeline steps get their work folders: `pipeline-work` in the test's own folder,
 * removed with it (by default they would go to `<OS temp folder>/bosun-pipelines`, which nothing removes).
 */
export function testPipelineWorkRoot(dir: string): string {
  return join(dir, 'pipeline-work');
}

/** `testStartOptions` for a server whose pipeline steps work in the test folder `dir` (`testPipelineWorkRoot`). */
export function testStartOptionsIn(dir: string): StartOptions {
  return {
    ...testStartOptions,
    platform: { passwordHashing: testPasswordHashing, pipelineWorkRoot: testPipelineWorkRoot(dir) },
  };
}
