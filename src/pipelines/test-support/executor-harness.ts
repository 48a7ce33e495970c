import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createPostgresDatabase } from '../../db/test-support/test-databases.js';
import type { Engine } from '../../db/index.js';
import { openPlatform, type Platform } from '../../platform/index.js';
import { buildApp, routePlugins, type TypedApp } from '../../server/index.js';
import { testConfig } from '../../server/test-support/test-server.js';
import { stepBaseEnvironment, type ExecutorClock } from '../executor/executor-deps.js';
import { PipelineService, type PipelineServiceOptions } from '../service/pipeline-service.js';
import { testPasswordHashing, testPipelineWorkRoot } from '../../server/test-support/test-start-options.js';
import { makeTestTempDir, removeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

/** A clock whose `sleep` advances virtual time at once and remembers each delay (retry backoff checked exactly). */
export class VirtualClock implements ExecutorClock {
  offset = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return Date.now() + this.offset;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.offset += ms;
    return Promise.resolve();
  }
}

/** A real server (tracking API, artifacts) on a throwaway database, and pipeline services over it. */
export interface PipelineHarness {
  platform: Platform;
  app: TypedApp;
  base: string;
  /** The code folder pipelines run in (scripts go here). */
  codeDir: string;
  dir: string;
  /** A pipeline service over the harness's database, serving steps at `base`. */
  service(options?: Partial<PipelineServiceOptions>): PipelineService;
  close(): Promise<void>;
}

export async function startPipelineHarness(engine: Engine = 'sqlite'): Promise<PipelineHarness> {
  const dir = makeTestTempDir('bosun-pipelines-');
  const codeDir = join(dir, 'code');
  mkdirSync(codeDir);
  const pg = engine === 'postgres' ? await createPostgresDatabase('bosun_pipelines') : undefined;
  const config = testConfig({
    backendStoreUri: pg?.uri ?? `sqlite:///${join(dir, 'bosun.db')}`,
    artifactsDestination: join(dir, 'artifacts'),
    serveArtifacts: true,
    defaultArtifactRoot: 'mlflow-artifacts:/',
  });
  const platform = await openPlatform(config, {
    passwordHashing: testPasswordHashing,
    pipelineWorkRoot: testPipelineWorkRoot(dir),
  });
  const app = await buildApp(platform, { plugins: routePlugins.filter((p) => p.name !== 'pipelines') });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;
  const services: PipelineService[] = [];
  return {
    platform,
    app,
    base,
    codeDir,
    dir,
    service(options = {}) {
      const service = new PipelineService({
        handle: platform.database,
        tracking: platform.tracking,
        artifactRoots: platform.artifactRoots,
        defaultCodeDir: codeDir,
        baseEnv: stepBaseEnvironment(process.env),
        workRoot: join(dir, 'work'),
        heartbeatMs: 200,
        ...options,
      });
      service.serveAt(base);
      services.push(service);
      return service;
    },
    async close() {
      for (const s of services) await s.shutdown();
      await app.close();
      await platform.close();
      await pg?.drop();
      removeTestTempDir(dir);
    },
  };
}

/** Polls `check` until it returns something (at most `tries` times, `everyMs` apart): a wait on a condition, not a time. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  tries = 600,
  everyMs = 25,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error('waitFor: the condition never held');
}

/** Whether a process is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
