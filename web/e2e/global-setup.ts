import type { TestProject } from 'vitest/node';
import { testPython } from '../../src/shared/test-support/test-python';
import { startAuthFixture } from './support/auth-fixture';
import { buildUnlessSkipped, debianChromium } from './support/fixture-server';
import { startMainFixture } from './support/main-fixture';
import { populatePipelines } from './support/pipeline-fixture';

/**
 * One real Bosun server for every browser test: the built dist/ (built here first unless
 * BOSUN_TEST_SKIP_BUILD=1, as the python suites do), a throwaway SQLite file and artifact folder, populated by
 * the real mlflow client (web/e2e/fixtures/populate.py in the mlflow 3.x test environment, created if missing;
 * support/main-fixture.ts). A second server, authentication on, serves sign-in and administration
 * (support/auth-fixture.ts). Chromium comes from Debian's archive (scripts/ensure-chromium.sh); nothing is
 * downloaded.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildUnlessSkipped();
  const chromium = debianChromium();
  const python = testPython();
  const main = await startMainFixture(python);
  project.provide('e2e', { ...main.context, chromium });
  project.provide('e2ePipelines', await populatePipelines(main));
  let authFixture: Awaited<ReturnType<typeof startAuthFixture>>;
  try {
    authFixture = await startAuthFixture(python);
  } catch (err) {
    await main.stop();
    throw err;
  }
  project.provide('e2eAuth', authFixture.context);
  return async () => {
    await authFixture.stop();
    await main.stop();
  };
}
