/**
 * Orchestration overhead of the local pipeline executor per no-op step (`true`, cache off), as a wide DAG (N
 * independent steps) and a deep one (a chain of N), on SQLite; the time of `true` itself is measured apart and
 * subtracted. Not a test: prints its figures.
 *
 *     npx tsx bench/pipeline-overhead.ts [N=200] [parallel=16]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPlatform } from '../src/platform/index.js';
import { PipelineService, stepBaseEnvironment } from '../src/pipelines/index.js';
import { buildApp, routePlugins } from '../src/server/index.js';
import { testConfig } from '../src/server/test-support/test-server.js';

const n = Number(process.argv[2] ?? 200);
const parallel = Number(process.argv[3] ?? 16);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-bench-pipelines-'));
  mkdirSync(join(dir, 'code'));
  const platform = await openPlatform(
    testConfig({
      backendStoreUri: `sqlite:///${join(dir, 'bosun.db')}`,
      artifactsDestination: join(dir, 'artifacts'),
      serveArtifacts: true,
      defaultArtifactRoot: 'mlflow-artifacts:/',
    }),
  );
  const app = await buildApp(platform, { plugins: routePlugins.filter((p) => p.name !== 'pipelines') });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const pipelines = new PipelineService({
    handle: platform.database,
    tracking: platform.tracking,
    artifactRoots: platform.artifactRoots,
    defaultCodeDir: join(dir, 'code'),
    baseEnv: stepBaseEnvironment(process.env),
    workRoot: join(dir, 'work'),
    maxParallel: parallel,
  });
  pipelines.serveAt(`http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`);

  const spawnStart = performance.now();
  for (let i = 0; i < 50; i++) spawnSync('true');
  const spawnMs = (performance.now() - spawnStart) / 50;

  for (const shape of ['wide', 'deep'] as const) {
    const steps: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      steps[`s${i}`] = {
        command: ['true'],
        cache: { enabled: false },
        ...(shape === 'deep' && i > 0 ? { after: [`s${i - 1}`] } : {}),
      };
    }
    const name = `bench-${shape}`;
    await pipelines.define({
      document: { apiVersion: 'bosun.dev/v1', kind: 'Pipeline', name, steps },
      createdBy: 'bench',
    });
    const start = performance.now();
    const { done } = await pipelines.start({ name, params: {}, createdBy: 'bench' });
    const status = await done;
    const ms = performance.now() - start;
    const perStep = ms / n;
    // In a chain every step waits for the one before: wall time per step minus the process itself is overhead.
    const overhead = shape === 'deep' ? `; overhead ≈ ${(perStep - spawnMs).toFixed(1)} ms per step` : '';
    console.log(
      `${shape.padEnd(4)} ${n} no-op steps (max ${parallel} at once): ${status} in ${ms.toFixed(0)} ms = ${perStep.toFixed(1)} ms/step wall; ` +
        `spawning 'true' alone ${spawnMs.toFixed(1)} ms${overhead}`,
    );
  }
  await pipelines.shutdown();
  await app.close();
  await platform.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
