import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createPostgresDatabase } from '../../db/test-support/test-databases.js';
import type { Engine } from '../../db/index.js';
import { openPlatform, type Platform } from '../../platform/index.js';
import { buildApp, type TypedApp } from '../../server/index.js';
import { testConfig } from '../../server/test-support/test-server.js';
import type { User } from '../../security/users/index.js';
import { testPasswordHashing, testPipelineWorkRoot } from '../../server/test-support/test-start-options.js';
import { makeTestTempDir, removeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

export const adminPassword = 'Correct-Horse-42-battery';
export const alicePassword = 'Alice-Horse-42-battery';

/** `Authorization: Basic` for a user. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A real server with auth on (every route plugin), an administrator and a plain user `alice`. */
export interface AuthPipelineHarness {
  platform: Platform;
  app: TypedApp;
  base: string;
  codeDir: string;
  admin: User;
  alice: User;
  /** A request to the server; the body is JSON. */
  call(
    method: string,
    path: string,
    authorization: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startAuthPipelineHarness(engine: Engine): Promise<AuthPipelineHarness> {
  const dir = makeTestTempDir('bosun-pipelines-auth-');
  const codeDir = join(dir, 'code');
  mkdirSync(codeDir);
  const pg = engine === 'postgres' ? await createPostgresDatabase('bosun_pipelines_auth') : undefined;
  const config = testConfig({
    backendStoreUri: pg?.uri ?? `sqlite:///${join(dir, 'bosun.db')}`,
    artifactsDestination: join(dir, 'artifacts'),
    serveArtifacts: true,
    defaultArtifactRoot: 'mlflow-artifacts:/',
    authEnabled: true,
    defaultPermission: 'NO_PERMISSIONS',
  });
  const platform = await openPlatform(config, {
    passwordHashing: testPasswordHashing,
    pipelineWorkRoot: testPipelineWorkRoot(dir),
  });
  const admin = await platform.users.bootstrapAdmin('admin', adminPassword);
  const alice = await platform.users.createUser({ username: 'alice', password: alicePassword });
  const app = await buildApp(platform);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;
  return {
    platform,
    app,
    base,
    codeDir,
    admin,
    alice,
    async call(method, path, authorization, body) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = {};
      }
      return { status: response.status, json };
    },
    async close() {
      await app.close();
      await platform.close();
      await pg?.drop();
      removeTestTempDir(dir);
    },
  };
}
