import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api, Log } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../shared/test-support/wait-for.js';
import { stepJobName, type StepJobInput } from './job-manifest.js';
import { StepJobProcess, type KubeApis } from './step-job-process.js';
import { FakeKubeApi } from './test-support/fake-kube-api.js';

const timing = { pollMs: 10, deleteWaitMs: 120_000, drainMs: 120_000, deadlineGraceMs: 120_000 };

describe('StepJobProcess against the fake API server', () => {
  let fake: FakeKubeApi;
  let apis: KubeApis;
  let dir: string;
  beforeAll(async () => {
    fake = await new FakeKubeApi().start();
    const config = fake.kubeConfig();
    apis = {
      batch: config.makeApiClient(BatchV1Api),
      core: config.makeApiClient(CoreV1Api),
      log: new Log(config),
    };
    dir = mkdtempSync(join(tmpdir(), 'bosun-kube-process-'));
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(stepRunId: string, attempt: number): StepJobProcess {
    const input: StepJobInput = {
      namespace: fake.namespace,
      name: stepJobName(stepRunId, attempt),
      pipelineRunId: 'run',
      pipelineName: 'p',
      step: 'train',
      itemIndex: -1,
      stepRunId,
      attempt,
      image: 'img',
      argv: ['train'],
      workingDir: dir,
      env: {},
      secretEnv: [],
      resources: undefined,
      placement: { nodeSelector: {}, tolerations: [] },
      activeDeadlineSeconds: undefined,
      ttlSecondsAfterFinished: 60,
      volumes: [],
      serviceAccountName: undefined,
    };
    const stdoutFile = join(dir, `${stepRunId}-${attempt}.txt`);
    writeFileSync(stdoutFile, '');
    return new StepJobProcess(
      apis,
      { input, secretValues: {}, maskSecrets: [], stdoutFile, timeoutMs: undefined },
      timing,
    );
  }

  it("deletes an earlier attempt's Job still running (its server died) before the next attempt starts", async () => {
    const stepRunId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const stopped: string[] = [];
    fake.onPod = async (pod) => {
      if (pod.labels['bosun.dev/attempt'] === '1') {
        pod.log('attempt 1 runs on\n');
        stopped.push(await pod.stopped);
        return { kind: 'succeed' };
      }
      pod.log('attempt 2\n');
      return { kind: 'succeed' };
    };
    const orphan = start(stepRunId, 1);
    await waitFor('attempt 1 running', () =>
      fake.podNames().some((p) => p.startsWith(stepJobName(stepRunId, 1))) ? true : undefined,
    );
    // Its server "dies": nobody watches attempt 1 any more (the object is dropped, the Job keeps running).
    void orphan;

    const second = start(stepRunId, 2);
    expect(await second.ended).toEqual({ kind: 'exited', code: 0 });
    expect(stopped).toEqual(['deleted']);
    expect(fake.deletions).toContainEqual({
      name: stepJobName(stepRunId, 1),
      propagationPolicy: 'Foreground',
    });
    // Deleted, and gone, before attempt 2's Job was created.
    const paths = fake.requests.map((r) => `${r.method} ${r.path.split('?')[0] ?? ''}`);
    const deleted = paths.indexOf(
      `DELETE /apis/batch/v1/namespaces/${fake.namespace}/jobs/${stepJobName(stepRunId, 1)}`,
    );
    const created = paths.findIndex(
      (p, i) => i > deleted && p === `POST /apis/batch/v1/namespaces/${fake.namespace}/jobs`,
    );
    expect(deleted).toBeGreaterThan(-1);
    expect(created).toBeGreaterThan(deleted);
    expect(fake.jobNames()).not.toContain(stepJobName(stepRunId, 1));
    expect(readFileSync(join(dir, `${stepRunId}-2.txt`), 'utf8')).toBe('attempt 2\n');
  });

  it("keeps an earlier attempt's ended Job (left to its TTL)", async () => {
    const stepRunId = 'ffeeddccbbaa99887766554433221100';
    fake.onPod = (pod) =>
      Promise.resolve(
        pod.labels['bosun.dev/attempt'] === '1' ? { kind: 'fail', exitCode: 2 } : { kind: 'succeed' },
      );
    expect(await start(stepRunId, 1).ended).toEqual({ kind: 'exited', code: 2, reason: 'Error' });
    expect(await start(stepRunId, 2).ended).toEqual({ kind: 'exited', code: 0 });
    expect(fake.jobNames()).toContain(stepJobName(stepRunId, 1));
    expect(fake.deletions.map((d) => d.name)).not.toContain(stepJobName(stepRunId, 1));
  });
});
