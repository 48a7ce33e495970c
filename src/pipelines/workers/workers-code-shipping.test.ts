import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../shared/test-support/wait-for.js';
import type { PipelineService } from '../service/pipeline-service.js';
import { startPipelineHarness, type PipelineHarness } from '../test-support/executor-harness.js';
import { CodeShipping } from './code-shipping.js';
import {
  startWorkerProcess,
  type WorkerProcess,
  type WorkerTarget,
} from './test-support/worker-processes.js';
import { WorkersBackend } from './workers-backend.js';

/** A step program in the code folder: prints its working folder and what `lib/version.txt` holds there. */
const SHOW = `
const fs = require('fs');
console.log('cwd=' + process.cwd());
console.log('version=' + fs.readFileSync('lib/version.txt', 'utf8').trim());
`;

// PostgreSQL only (the workers' queue is pg-boss's): needs BOSUN_TEST_PG_URI; not in the SQLite-only fast loop.
describe('workers executor: the pipeline code shipped to workers as a bundle', () => {
  let h: PipelineHarness;
  let target: WorkerTarget;
  let worker: WorkerProcess | undefined;
  const backends: WorkersBackend[] = [];
  let counter = 0;

  const serviceWith = (codeShipping?: CodeShipping | false): PipelineService => {
    const backend = new WorkersBackend({
      handle: h.platform.database,
      connectionString: h.platform.config.backendStoreUri,
      pollMs: 50,
      ...(codeShipping !== undefined ? { codeShipping } : {}),
    });
    backends.push(backend);
    return h.service({ backend });
  };
  const runShow = async (pipelines: PipelineService) => {
    const name = `shipped-${++counter}`;
    await pipelines.define({
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name,
        steps: {
          show: { command: [process.execPath, 'show.js'], retry: { limit: 0 }, cache: { enabled: false } },
        },
      },
      createdBy: 't',
    });
    const { run, done } = await pipelines.start({ name, params: {}, createdBy: 't' });
    const status = await done;
    const details = await pipelines.getRun(run.runId);
    const step = details.steps[0];
    const logs = step !== undefined ? await pipelines.logs(run.runId, { step: step.step }) : [];
    const stdout = logs[0]?.stdout ?? '';
    return {
      status,
      runId: run.runId,
      step,
      stdout,
      pipelineRun: await h.platform.tracking.getRun(run.runId),
    };
  };
  const codeCache = () => join(target.dir, 'work-w1', 'code');
  const bundles = () => readdirSync(codeCache()).filter((n) => !n.startsWith('.'));

  beforeAll(async () => {
    h = await startPipelineHarness('postgres');
    writeFileSync(join(h.codeDir, 'show.js'), SHOW);
    mkdirSync(join(h.codeDir, 'lib'));
    writeFileSync(join(h.codeDir, 'lib', 'version.txt'), 'v1\n');
    target = {
      backendStoreUri: h.platform.config.backendStoreUri,
      artifactsDestination: join(h.dir, 'artifacts'),
      trackingUri: h.base,
      dir: h.dir,
    };
    worker = startWorkerProcess(target, 'w1', ['--concurrency', '2']);
  });

  afterAll(async () => {
    if (worker !== undefined) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await h?.close();
    for (const b of backends) await b.close();
  });

  it('runs the step in the worker’s unpacked copy of the code, kept as an artifact of the pipeline run', async () => {
    const pipelines = serviceWith();
    const first = await runShow(pipelines);
    expect(first.status, worker?.stderr()).toBe('succeeded');
    const [digest] = bundles();
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(first.stdout).toContain(`cwd=${join(codeCache(), digest ?? '')}\n`);
    expect(first.stdout).toContain('version=v1\n');
    // The bundle is an artifact of the pipeline run: the code that ran stays with the run.
    const root = h.platform.artifactRoots.open(first.pipelineRun.info.artifactUri);
    const stored = await root.store.list(root.path === '' ? 'bosun/code' : `${root.path}/bosun/code`);
    expect(stored.map((entry) => entry.path)).toContain(`${digest}.tar.gz`);

    // The code changes: the next run ships a new bundle; the step sees the new file.
    writeFileSync(join(h.codeDir, 'lib', 'version.txt'), 'v2\n');
    const second = await runShow(pipelines);
    expect(second.status).toBe('succeeded');
    expect(second.stdout).toContain('version=v2\n');
    expect(bundles()).toHaveLength(2);
    const secondDigest = bundles().find((d) => d !== digest);
    expect(second.stdout).toContain(`cwd=${join(codeCache(), secondDigest ?? '')}\n`);

    // The same code again: the same digest, the worker's copy reused (no third folder).
    const third = await runShow(pipelines);
    expect(third.status).toBe('succeeded');
    expect(third.stdout).toContain(`cwd=${join(codeCache(), secondDigest ?? '')}\n`);
    expect(bundles()).toHaveLength(2);
  });

  it('fails the step with the reason when the code folder is over the size limit', async () => {
    const pipelines = serviceWith(new CodeShipping({ maxBytes: 8 }));
    const result = await runShow(pipelines);
    expect(result.status).toBe('failed');
    const reason = await waitFor('the step state with its reason', async () => {
      const step = (await pipelines.getRun(result.runId)).steps[0];
      return step?.reason;
    });
    expect(reason).toContain('over the 0.0 MB limit');
    expect(reason).toContain('--code-bundle-max-mb');
  });

  it('with --worker-code shared, runs the step at the code folder’s own path', async () => {
    const pipelines = serviceWith(false);
    const result = await runShow(pipelines);
    expect(result.status).toBe('succeeded');
    expect(result.stdout).toContain(`cwd=${h.codeDir}\n`);
  });
});
