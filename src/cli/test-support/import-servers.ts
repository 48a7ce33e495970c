import type { Engine } from '../../db/engine.js';
import { openTestDatabase, type TestDatabase } from '../../db/test-support/test-databases.js';
import { openPlatform, type Platform } from '../../platform/index.js';
import { buildApp } from '../../server/app.js';
import { testConfig } from '../../server/test-support/test-server.js';
import type { TypedApp } from '../../server/typed-app.js';
import { runCli } from '../program.js';
import { makeTestTempDir, removeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

/** A Bosun server of the import tests: its platform (to read back what was written), its URL, and its end. */
export interface ImportTestServer {
  platform: Platform;
  base: string;
  close(): Promise<void>;
}

/** A real server (platform + app) on a fresh database of one engine, serving artifacts from a temp folder. */
export async function startImportTestServer(engine: Engine): Promise<ImportTestServer> {
  const database: TestDatabase = await openTestDatabase(engine);
  const dir = makeTestTempDir('bosun-import-cli-');
  const platform: Platform = await openPlatform(
    testConfig({ backendStoreUri: database.uri, artifactsDestination: dir, serveArtifacts: true }),
  );
  const app: TypedApp = await buildApp(platform);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;
  return {
    platform,
    base,
    async close() {
      await app.close();
      await platform.close();
      await database.dispose();
      removeTestTempDir(dir);
    },
  };
}

/** Runs `bosun ARGV` in this process with only `env` as its environment, collecting its exit code and output. */
export async function importCli(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env,
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}
