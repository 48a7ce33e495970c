import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, Log } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestTempDir, removeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';
import { waitFor } from '../../shared/test-support/wait-for.js';
import { stepJobName, type StepJobInput } from './job-manifest.js';
import { StepJobProcess, type KubeApis, type StepJobTiming } from './step-job-process.js';
import { FakeKubeApi, type FakePod, type FakePodEnd } from './test-support/fake-kube-api.js';

const timing: StepJobTiming = {
  pollMs: 10,
  deleteWaitMs: 120_000,
  drainMs: 120_000,
  deadlineGraceMs: 120_000,
  pendingTimeoutMs: 120_000,
  configErrorGraceMs: 120_000,
  metricsEveryMs: 10,
};

describe('StepJobProcess against the fake API server', () => {
  let fake: FakeKubeApi;
  let apis: KubeApis;
  let dir: string;
  beforeAll(async () => {
    dir = makeTestTempDir('bosun-kube-process-');
    fake = await new FakeKubeApi().start();
    const config = fake.kubeConfig();
    apis = {
      batch: config.makeApiClient(BatchV1Api),
      core: config.makeApiClient(CoreV1Api),
      log: new Log(config),
      custom: config.makeApiClient(CustomObjectsApi),
    };
  });
  afterAll(async () => {
    try {
      await fake.close();
    } finally {
      removeTestTempDir(dir);
    }
  });

  function start(
    stepRunId: string,
    attempt: number,
    overrides: { timing?: Partial<StepJobTiming>; image?: string; maskSecrets?: string[] } = {},
  ): StepJobProcess {
    const input: StepJobInput = {
      namespace: fake.namespace,
      name: stepJobName(stepRunId, attempt),
      pipelineRunId: 'run',
      pipelineName: 'p',
      step: 'train',
      itemIndex: -1,
      stepRunId,
      attempt,
      image: overrides.image ?? 'registry.example/img:1',
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
    const stderrFile = join(dir, `${stepRunId}-${attempt}.err.txt`);
    writeFileSync(stdoutFile, '');
    writeFileSync(stderrFile, '');
    return new StepJobProcess(
      apis,
      {
        input,
        secretValues: {},
        maskSecrets: overrides.maskSecrets ?? [],
        stdoutFile,
        stderrFile,
        timeoutMs: undefined,
      },
      { ...timing, ...overrides.timing },
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

  const logRequests = (job: string) =>
    fake.requests.filter(
      (r) => r.method === 'GET' && r.path.includes(`/pods/${job}-`) && r.path.includes('/log?'),
    );

  /** Many lines over time, several per millisecond (so some share a timestamp), and a last one without a newline. */
  async function chatty(pod: FakePod, lines: number): Promise<string> {
    let all = '';
    for (let i = 0; i < lines; i++) {
      const text = `line ${i} ${'x'.repeat(i % 7)}\n`;
      all += text;
      pod.log(text);
      if (i % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
    }
    return all;
  }

  it('reopens a dropped log stream from the last timestamp: every line stored exactly once', async () => {
    const stepRunId = '0123456789abcdef0123456789abcdef';
    const job = stepJobName(stepRunId, 1);
    let expected = '';
    fake.onPod = async (pod): Promise<FakePodEnd> => {
      for (let round = 0; round < 6; round++) {
        expected += await chatty(pod, 11);
        // The API server drops the follow connection while the container runs on; the executor reconnects.
        await waitFor('a follow connection', () => (fake.logFollowers(pod.name) > 0 ? true : undefined));
        const before = logRequests(job).length;
        fake.dropLogStreams();
        await waitFor('a new connection', () => (logRequests(job).length > before ? true : undefined));
      }
      expected += await chatty(pod, 9);
      pod.log('done, no newline');
      expected += 'done, no newline';
      return { kind: 'succeed' };
    };
    const proc = start(stepRunId, 1);
    expect(await proc.ended).toEqual({ kind: 'exited', code: 0 });
    expect(readFileSync(join(dir, `${stepRunId}-1.txt`), 'utf8')).toBe(expected);
    const requests = logRequests(job).map((r) => new URL(r.path, 'http://x').searchParams);
    expect(requests.length).toBeGreaterThanOrEqual(7);
    expect(requests.every((q) => q.get('timestamps') === 'true' && q.get('follow') === 'true')).toBe(true);
    // The first reads from the start; each reopened one from the second of the last line seen.
    expect(requests[0]!.get('sinceTime')).toBeNull();
    expect(
      requests.slice(1).every((q) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(q.get('sinceTime') ?? '')),
    ).toBe(true);
  });

  it('reopens a stream the API server dropped while the container runs on, masking secrets across it', async () => {
    const stepRunId = '1123456789abcdef0123456789abcdef';
    const job = stepJobName(stepRunId, 1);
    const secret = 'hunter2-very-secret';
    let release: () => void = () => undefined;
    const resumed = new Promise<void>((resolve) => (release = resolve));
    fake.onPod = async (pod): Promise<FakePodEnd> => {
      pod.log(`before ${secret}\n`);
      await resumed;
      pod.log(`after ${secret}\nend\n`);
      return { kind: 'succeed' };
    };
    const proc = start(stepRunId, 1, { maskSecrets: [secret] });
    await waitFor('the first connection', () => (logRequests(job).length >= 1 ? true : undefined));
    fake.dropLogStreams();
    await waitFor('a second connection', () => (logRequests(job).length >= 2 ? true : undefined));
    release();
    expect(await proc.ended).toEqual({ kind: 'exited', code: 0 });
    expect(readFileSync(join(dir, `${stepRunId}-1.txt`), 'utf8')).toBe('before ***\nafter ***\nend\n');
  });

  it('fails an attempt whose image cannot be pulled or named, saying why in its stderr', async () => {
    const cases: [string, (pod: { image: string }) => ReturnType<FakeKubeApi['onSchedule']>, RegExp][] = [
      [
        'ErrImagePull',
        () => ({ kind: 'waiting', reason: 'ErrImagePull', message: 'rpc error: manifest unknown' }),
        /its image registry\.example\/img:1 cannot be used: ErrImagePull: rpc error: manifest unknown/,
      ],
      [
        'ImagePullBackOff',
        () => ({ kind: 'waiting', reason: 'ImagePullBackOff', message: 'Back-off pulling image' }),
        /ImagePullBackOff: Back-off pulling image/,
      ],
    ];
    for (const [i, [name, schedule, reason]] of cases.entries()) {
      fake.onSchedule = schedule;
      const stepRunId = `2${i}23456789abcdef0123456789abcdef`;
      try {
        const end = await start(stepRunId, 1).ended;
        expect(end, name).toMatchObject({ kind: 'spawn-failed', message: expect.stringMatching(reason) });
      } finally {
        fake.onSchedule = () => undefined;
      }
      expect(readFileSync(join(dir, `${stepRunId}-1.err.txt`), 'utf8')).toMatch(reason);
      expect(fake.deletions).toContainEqual({
        name: stepJobName(stepRunId, 1),
        propagationPolicy: 'Foreground',
      });
    }
    // An image reference that does not parse: the runtime's InvalidImageName.
    const invalid = await start('3023456789abcdef0123456789abcdef', 1, {
      image: 'registry.example/Team/Train:1',
    }).ended;
    expect(invalid).toMatchObject({
      kind: 'spawn-failed',
      message: expect.stringMatching(/InvalidImageName: .*invalid reference format/),
    });
  });

  it('fails a CreateContainerConfigError only once it outlasts its grace (it shows until the Secret exists)', async () => {
    fake.onSchedule = () => ({
      kind: 'waiting',
      reason: 'CreateContainerConfigError',
      message: 'configmap "train-config" not found',
    });
    try {
      const end = await start('4023456789abcdef0123456789abcdef', 1, { timing: { configErrorGraceMs: 50 } })
        .ended;
      expect(end).toEqual({
        kind: 'spawn-failed',
        message:
          'its container cannot be created: CreateContainerConfigError: configmap "train-config" not found',
      });
    } finally {
      fake.onSchedule = () => undefined;
    }
  });

  it('ends an attempt unschedulable past --kube-pending-timeout as preempted; one scheduled in time runs', async () => {
    fake.onSchedule = () => ({
      kind: 'unschedulable',
      message: '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
    });
    const stepRunId = '5023456789abcdef0123456789abcdef';
    try {
      const end = await start(stepRunId, 1, { timing: { pendingTimeoutMs: 50 } }).ended;
      expect(end).toMatchObject({
        kind: 'preempted',
        reason: expect.stringMatching(
          /^pod bosun-5023456789abcdef0123456789abcdef-1-\w+ was not scheduled within 50ms \(--kube-pending-timeout\): Unschedulable: 0\/3 nodes are available: 3 Insufficient nvidia.com\/gpu\.$/,
        ),
      });
    } finally {
      fake.onSchedule = () => undefined;
    }
    expect(readFileSync(join(dir, `${stepRunId}-1.err.txt`), 'utf8')).toMatch(
      /^bosun: pod .* was not scheduled/,
    );
    expect(fake.jobNames()).not.toContain(stepJobName(stepRunId, 1));

    // Unschedulable for a while (the executor looks at it several times), then a node frees up: it runs.
    let schedule: () => void = () => undefined;
    const until = new Promise<void>((resolve) => (schedule = resolve));
    fake.onSchedule = () => ({ kind: 'unschedulable', message: '0/3 nodes are available.', until });
    fake.onPod = (pod) => {
      pod.log('scheduled at last\n');
      return Promise.resolve({ kind: 'succeed' });
    };
    const waiting = '6023456789abcdef0123456789abcdef';
    try {
      const proc = start(waiting, 1);
      const listed = () => fake.requests.filter((r) => r.path.includes(`step-run%3D${waiting}`)).length;
      await waitFor('several looks at the pending pod', () => (listed() >= 5 ? true : undefined));
      schedule();
      expect(await proc.ended).toEqual({ kind: 'exited', code: 0 });
    } finally {
      fake.onSchedule = () => undefined;
    }
    expect(readFileSync(join(dir, `${waiting}-1.txt`), 'utf8')).toBe('scheduled at last\n');
  });

  it('fails an attempt whose pod stays in ContainerCreating (a volume never mounts) past --kube-pending-timeout', async () => {
    const mount = 'MountVolume.SetUp failed for volume "creds" : secret "s3-creds" not found';
    fake.onSchedule = () => ({ kind: 'creating', sandboxReady: false, message: mount });
    const stepRunId = 'b023456789abcdef0123456789abcdef';
    try {
      const end = await start(stepRunId, 1, { timing: { pendingTimeoutMs: 50 } }).ended;
      const said = new RegExp(
        `^pod bosun-${stepRunId}-1-\\w+ did not get past ContainerCreating within 50ms \\(--kube-pending-timeout\\): ` +
          `its sandbox \\(volumes, network\\) was not ready \\(FailedMount: MountVolume\\.SetUp failed for volume "creds" : secret "s3-creds" not found\\)$`,
      );
      expect(end).toMatchObject({ kind: 'spawn-failed', message: expect.stringMatching(said) });
      expect(readFileSync(join(dir, `${stepRunId}-1.err.txt`), 'utf8')).toBe(
        `bosun: ${(end as { message: string }).message}\n`,
      );
      expect(fake.jobNames()).not.toContain(stepJobName(stepRunId, 1));

      // A cluster that does not report the sandbox condition (before 1.29): ContainerCreating that long fails too.
      fake.onSchedule = () => ({
        kind: 'creating',
        sandboxReady: false,
        sandboxCondition: false,
        message: mount,
      });
      const old = 'c023456789abcdef0123456789abcdef';
      const oldEnd = await start(old, 1, { timing: { pendingTimeoutMs: 50 } }).ended;
      expect(oldEnd).toMatchObject({
        kind: 'spawn-failed',
        message: expect.stringMatching(
          new RegExp(
            `^pod bosun-${old}-1-\\w+ did not get past ContainerCreating within 50ms \\(--kube-pending-timeout\\) \\(FailedMount: `,
          ),
        ),
      });
    } finally {
      fake.onSchedule = () => undefined;
    }
  });

  it('leaves a pod in ContainerCreating within --kube-pending-timeout to start, as it does once its volume mounts', async () => {
    let mounted: () => void = () => undefined;
    const until = new Promise<void>((resolve) => (mounted = resolve));
    fake.onSchedule = () => ({ kind: 'creating', sandboxReady: false, message: 'timed out waiting', until });
    fake.onPod = (pod) => {
      pod.log('mounted at last\n');
      return Promise.resolve({ kind: 'succeed' });
    };
    const stepRunId = 'd023456789abcdef0123456789abcdef';
    try {
      const proc = start(stepRunId, 1);
      const listed = () => fake.requests.filter((r) => r.path.includes(`step-run%3D${stepRunId}`)).length;
      await waitFor('several looks at the pod in ContainerCreating', () =>
        listed() >= 5 ? true : undefined,
      );
      mounted();
      expect(await proc.ended).toEqual({ kind: 'exited', code: 0 });
    } finally {
      fake.onSchedule = () => undefined;
    }
    expect(readFileSync(join(dir, `${stepRunId}-1.txt`), 'utf8')).toBe('mounted at last\n');
  });

  it('leaves a pod on a node that is still pulling its image to the step timeout, past --kube-pending-timeout', async () => {
    let pulled: () => void = () => undefined;
    const until = new Promise<void>((resolve) => (pulled = resolve));
    fake.onSchedule = () => ({
      kind: 'creating',
      sandboxReady: true,
      message: 'Pulling image "registry.example/img:1"',
      until,
    });
    fake.onPod = () => Promise.resolve({ kind: 'succeed' });
    const stepRunId = 'a023456789abcdef0123456789abcdef';
    const began = Date.now();
    try {
      const proc = start(stepRunId, 1, { timing: { pendingTimeoutMs: 50 } });
      const listed = () => fake.requests.filter((r) => r.path.includes(`step-run%3D${stepRunId}`)).length;
      await waitFor('looks at the pod well past its pending timeout', () =>
        Date.now() - began > 200 && listed() >= 5 ? true : undefined,
      );
      pulled();
      expect(await proc.ended).toEqual({ kind: 'exited', code: 0 });
    } finally {
      fake.onSchedule = () => undefined;
    }
  });

  it('ends an attempt whose Job created no pod as preempted, with the FailedCreate event', async () => {
    fake.onSchedule = () => ({
      kind: 'no-pod',
      message: 'pods "x" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=1',
    });
    try {
      const end = await start('7023456789abcdef0123456789abcdef', 1, { timing: { pendingTimeoutMs: 50 } })
        .ended;
      expect(end).toEqual({
        kind: 'preempted',
        reason:
          'its Job created no pod within 50ms (--kube-pending-timeout) (FailedCreate: Error creating: pods "x" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=1)',
      });
    } finally {
      fake.onSchedule = () => undefined;
    }
  });

  it("records the pod's peak memory and CPU time from the metrics API; unknown without metrics-server", async () => {
    fake.onPod = async (pod): Promise<FakePodEnd> => {
      // Three scrapes 15 s apart: 1 core over the first window, then 2 cores, then half a core.
      await pod.setMetrics({ timestamp: '2026-12-07T10:00:15Z', window: '15s', cpu: '1', memory: '256Mi' });
      await pod.setMetrics({ timestamp: '2026-12-07T10:00:30Z', window: '15s', cpu: '2000m', memory: '1Gi' });
      await pod.setMetrics({
        timestamp: '2026-12-07T10:00:45Z',
        window: '15s',
        cpu: '500000000n',
        memory: '512Mi',
      });
      return { kind: 'succeed' };
    };
    const measured = start('8023456789abcdef0123456789abcdef', 1);
    expect(await measured.ended).toEqual({ kind: 'exited', code: 0 });
    expect(measured.usage()).toEqual({ cpuMs: 15_000 + 30_000 + 7_500, peakRssBytes: 2 ** 30 });

    fake.metricsServer = false;
    let served = false;
    fake.onPod = async (pod): Promise<FakePodEnd> => {
      void pod
        .setMetrics({ timestamp: '2026-12-07T10:00:15Z', cpu: '1', memory: '1Gi' })
        .then(() => (served = true));
      const job = pod.name.slice(0, pod.name.lastIndexOf('-'));
      const metricsCalls = () =>
        fake.requests.filter((r) => r.path.includes('/apis/metrics.k8s.io/') && r.path.includes(job)).length;
      await waitFor('two looks at the metrics API', () => (metricsCalls() >= 2 ? true : undefined));
      return { kind: 'succeed' };
    };
    try {
      const unmeasured = start('9023456789abcdef0123456789abcdef', 1);
      expect(await unmeasured.ended).toEqual({ kind: 'exited', code: 0 });
      expect(unmeasured.usage()).toBeUndefined();
      expect(served).toBe(false);
    } finally {
      fake.metricsServer = true;
    }
  });
});
