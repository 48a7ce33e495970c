import { join } from 'node:path';
import { expect } from 'vitest';
import type { Engine } from '../../db/engine.js';
import { openUnmigratedTestDatabase, type TestDatabase } from '../../db/test-support/test-databases.js';
import { loadServerConfig } from '../../shared/config.js';
import { startServer, type RunningServer } from '../start-server.js';
import type { JsonAnswer } from './json-request.js';
import { testStartOptionsIn } from './test-start-options.js';
import { makeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

/** A server of the monitoring route tests: its database, its folder (artifacts under `artifacts/`), itself. */
export interface MonitoringTestServer {
  database: TestDatabase;
  dir: string;
  server: RunningServer;
}

/**
 * A real server (auth off) on a fresh `engine` database named after `name`, artifacts in a new temp folder.
 * The caller closes the server, disposes of the database and removes `dir`.
 * Example: `({ database, dir, server } = await startMonitoringTestServer(engine, 'monitoring_segments'));`
 */
export async function startMonitoringTestServer(engine: Engine, name: string): Promise<MonitoringTestServer> {
  const database = await openUnmigratedTestDatabase(engine, name);
  const dir = makeTestTempDir(`bosun-${name.replace(/_/g, '-')}-`);
  const config = loadServerConfig(
    {
      port: 0,
      backendStoreUri: database.uri,
      artifactsDestination: join(dir, 'artifacts'),
      logLevel: 'silent',
    },
    {},
  );
  const server = await startServer(config, testStartOptionsIn(dir));
  return { database, dir, server };
}

/** The answer is a 400 INVALID_PARAMETER_VALUE whose message contains `fragment`. */
export function expectBadRequest(answer: JsonAnswer, fragment: string): void {
  expect(answer.status, answer.text).toBe(400);
  expect(answer.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  expect(String(answer.json.message)).toContain(fragment);
}
