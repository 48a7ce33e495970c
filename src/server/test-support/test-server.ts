import { join } from 'node:path';
import { openPlatform } from '../../platform/index.js';
import type { ServerConfig } from '../../shared/config.js';
import { testPasswordHashing, testPipelineWorkRoot } from './test-start-options.js';
import type { TrackingService } from '../../tracking/tracking-service-contract.js';
import { buildApp } from '../app.js';
import type { TypedApp } from '../typed-app.js';
import { FakeTrackingService } from './fake-tracking-service.js';
import { makeTestTempDir, removeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

export interface TestServer {
  app: TypedApp;
  base: string;
  tracking: TrackingService;
  /** POST (or another method) with a JSON body; `raw` sends the string as is. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  contentType: string;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    backendStoreUri: 'sqlite:///:memory:',
    artifactsDestination: '/nonexistent',
    defaultArtifactRoot: 'mlflow-artifacts:/',
    serveArtifacts: false,
    webhookAllowPrivate: false,
    webhookAllowedCidrs: [],
    sqliteSynchronous: 'NORMAL',
    logLevel: 'silent',
    bodyLimitBytes: 1024 * 1024,
    defaultPermission: 'READ',
    lockout: { maxFailures: 5, lockoutMs: 15 * 60_000 },
    corsOrigins: [],
    authEnabled: false,
    allowUnauthenticatedRemote: false,
    allowedHosts: [],
    ...overrides,
  };
}

/**
 * A real HTTP server on a free port around `tracking` (a fake by default); the other services are the real ones
 * over a throwaway SQLite file.
 */
export async function startTestServer(
  options: { tracking?: TrackingService; config?: Partial<ServerConfig> } = {},
): Promise<TestServer> {
  const dir = makeTestTempDir('bosun-server-test-');
  const tracking = options.tracking ?? new FakeTrackingService();
  const config = testConfig({
    artifactsDestination: join(dir, 'artifacts'),
    backendStoreUri: `sqlite:///${join(dir, 'bosun.db')}`,
    ...options.config,
  });
  const platform = await openPlatform(config, {
    tracking,
    passwordHashing: testPasswordHashing,
    pipelineWorkRoot: testPipelineWorkRoot(dir),
  });
  const app = await buildApp(platform);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = address !== null && typeof address === 'object' ? address.port : 0;
  const base = `http://127.0.0.1:${port}`;
  return {
    app,
    base,
    tracking,
    async call(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        if (typeof body !== 'string')
          (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const res = await fetch(base + path, init);
      const text = await res.text();
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json };
    },
    async close() {
      await app.close();
      await platform.close();
      removeTestTempDir(dir);
    },
  };
}
