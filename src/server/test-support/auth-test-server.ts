import { jsonRequest } from './json-request.js';
import { expect } from 'vitest';
import { loadServerConfig, type ServerConfig } from '../../shared/config.js';
import { startServer, type RunningServer } from '../start-server.js';
import { testStartOptionsIn } from './test-start-options.js';
import { makeTestTempDir, removeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

/** The first administrator of every `startAuthTestServer`. */
export const testAdmin = { username: 'admin', password: 'Correct-Horse-42-battery' } as const;

/** An `Authorization: Basic` header value. */
export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export interface Answer {
  status: number;
  text: string;
  /** The parsed body; `{}` when it is not JSON (assertions on it then fail). */
  json: Record<string, unknown>;
}

export interface AuthTestServer {
  server: RunningServer;
  /** A JSON request as `authorization` (the administrator by default). */
  call(method: string, path: string, body?: unknown, authorization?: string): Promise<Answer>;
  close(): Promise<void>;
}

/**
 * A real server (`startServer`) with auth on, on a fresh SQLite file in a temp folder, its administrator
 * bootstrapped as `testAdmin`. Example: `const t = await startAuthTestServer('bosun-users-'); await t.call(...)`.
 */
export async function startAuthTestServer(
  prefix: string,
  overrides: Partial<ServerConfig> = {},
): Promise<AuthTestServer> {
  const dir = makeTestTempDir(prefix);
  const config = loadServerConfig(
    {
      port: 0,
      backendStoreUri: `sqlite:///${dir}/bosun.db`,
      artifactsDestination: `${dir}/artifacts`,
      logLevel: 'silent',
    },
    { BOSUN_ADMIN_USERNAME: testAdmin.username, BOSUN_ADMIN_PASSWORD: testAdmin.password },
  );
  const server = await startServer(
    { ...config, authEnabled: true, ...overrides },
    testStartOptionsIn(dir),
  ).catch((err: unknown) => {
    removeTestTempDir(dir); // A server that refused to start (a test of bad settings) leaves no folder.
    throw err;
  });
  const asAdmin = basic(testAdmin.username, testAdmin.password);
  return {
    server,
    async call(method, path, body, authorization = asAdmin) {
      return jsonRequest(server.address, method, path, body, { authorization });
    },
    async close() {
      await server.close();
      removeTestTempDir(dir);
    },
  };
}

/** Asserts an MLflow-shaped error: the status, the error code and a message. */
export function expectError(answer: Answer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.json.error_code }).toEqual({ status, code });
  expect(typeof answer.json.message).toBe('string');
}
