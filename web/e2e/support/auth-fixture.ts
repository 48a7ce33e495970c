import { randomBytes } from 'node:crypto';
import { populateFixture, printedData, startFixtureServer } from './fixture-server';

/** What web/e2e/fixtures/populate_auth.py logged on the auth-on server, as the tests read it. */
export interface AuthFixtureData {
  admin: { username: string; password: string };
  users: Record<'alice' | 'bob', { username: string; password: string }>;
  experiments: Record<'vision' | 'nlp', { id: string; name: string; owner: string }>;
  registry: { model: string; versions: { version: string; run_id: string }[]; approval_id: number };
  secret: { path: string; values: string[] };
}

/** The second fixture server: authentication on, default permission NO_PERMISSIONS, secrets on. */
export interface AuthE2eContext {
  baseUrl: string;
  data: AuthFixtureData;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2eAuth: AuthE2eContext;
  }
}

/**
 * Starts a Bosun server (the built dist/) with authentication on, its first administrator bootstrapped from
 * BOSUN_ADMIN_USERNAME/PASSWORD as operators do, a master key (secrets on) and nobody allowed anything by
 * default; populates it through the real mlflow client signed in with MLFLOW_TRACKING_USERNAME/PASSWORD
 * (fixtures/populate_auth.py). Answers the context and a stop function.
 */
export async function startAuthFixture(
  python: string,
): Promise<{ context: AuthE2eContext; stop: () => Promise<void> }> {
  const admin = { username: 'admin', password: `Admin-${randomBytes(6).toString('hex')}-Pass9` };
  const server = await startFixtureServer({
    label: 'The auth-on Bosun server',
    dirPrefix: 'bosun-ui-e2e-auth-',
    env: {
      BOSUN_AUTH: 'true',
      BOSUN_ADMIN_USERNAME: admin.username,
      BOSUN_ADMIN_PASSWORD: admin.password,
      BOSUN_DEFAULT_PERMISSION: 'NO_PERMISSIONS',
      BOSUN_MASTER_KEY: randomBytes(32).toString('base64'),
      BOSUN_WEBHOOK_ALLOW_PRIVATE: 'true',
    },
  });
  try {
    const output = populateFixture(python, 'populate_auth.py', server, {
      MLFLOW_TRACKING_USERNAME: admin.username,
      MLFLOW_TRACKING_PASSWORD: admin.password,
    });
    const data = {
      ...(printedData(output, 'BOSUN_E2E_AUTH_DATA', 'populate_auth.py') as Omit<AuthFixtureData, 'admin'>),
      admin,
    };
    return { context: { baseUrl: server.baseUrl, data }, stop: server.stop };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
