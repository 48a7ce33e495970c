import { LocalArtifactStore } from '../../../artifacts/index.js';
import { openTestDatabase, type TestDatabase } from '../../../db/test-support/test-databases.js';
import { openPlatform } from '../../../platform/index.js';
import { buildApp } from '../../app.js';
import { testConfig } from '../../test-support/test-server.js';
import type { TypedApp } from '../../typed-app.js';
import { makeTestTempDir, removeTestTempDir } from '../../../shared/test-support/test-temp-dirs.js';

export interface RegistryTestServer {
  base: string;
  artifactsDir: string;
  artifacts: LocalArtifactStore;
  runId: string;
  call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** A real HTTP server with real tracking and registry services over a fresh SQLite database. */
export async function startRegistryServer(): Promise<RegistryTestServer> {
  const database: TestDatabase = await openTestDatabase('sqlite');
  const artifactsDir = makeTestTempDir('bosun-registry-routes-');
  const platform = await openPlatform(
    testConfig({ backendStoreUri: database.uri, artifactsDestination: artifactsDir, serveArtifacts: true }),
  );
  const { tracking } = platform;
  const artifacts = new LocalArtifactStore(artifactsDir);
  const app: TypedApp = await buildApp(platform);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;
  const run = await tracking.createRun({ experimentId: '0' });
  return {
    base,
    artifactsDir,
    artifacts,
    runId: run.info.runId,
    async call(method, path, body) {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers = { 'content-type': 'application/json' };
      }
      const res = await fetch(base + path, init);
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    },
    async close() {
      await app.close();
      await platform.close();
      await database.dispose();
      removeTestTempDir(artifactsDir);
    },
  };
}
