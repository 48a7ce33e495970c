import { randomBytes } from 'node:crypto';
import type { E2eContext, FixtureData } from './fixture-data';
import { populateFixture, printedData, startFixtureServer } from './fixture-server';

/**
 * Starts the main fixture server (authentication off; webhooks to the registry fixture's local receiver allowed,
 * with a master key for their signing secrets) and populates it through the real mlflow client
 * (fixtures/populate.py). Answers what the tests read (all of E2eContext but the browser) and a stop function.
 */
export async function startMainFixture(
  python: string,
): Promise<{ context: Omit<E2eContext, 'chromium'>; stop: () => Promise<void> }> {
  const server = await startFixtureServer({
    label: 'The Bosun server',
    dirPrefix: 'bosun-ui-e2e-',
    env: {
      BOSUN_WEBHOOK_ALLOW_PRIVATE: 'true',
      BOSUN_MASTER_KEY: randomBytes(32).toString('base64'),
    },
  });
  try {
    const output = populateFixture(python, 'populate.py', server);
    const data = printedData(output, 'BOSUN_E2E_DATA', 'populate.py') as FixtureData;
    const printedRunUrls: Record<string, string> = {};
    for (const match of output.matchAll(/View run (\S+) at: (\S+)/g)) {
      if (match[1] !== undefined && match[2] !== undefined) printedRunUrls[match[1]] = match[2];
    }
    const printedExperimentUrls = [...output.matchAll(/View experiment at: (\S+)/g)].flatMap((m) =>
      m[1] === undefined ? [] : [m[1]],
    );
    return {
      context: { baseUrl: server.baseUrl, data, printedRunUrls, printedExperimentUrls },
      stop: server.stop,
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
