import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testEngines } from '../../db/test-support/test-databases.js';
import { SecretStore } from '../../security/secrets/index.js';
import { MasterKey } from '../../shared/index.js';
import { waitFor } from '../../shared/test-support/wait-for.js';
import { auditedStepSecrets } from '../executor/step-secrets.js';
import { ResourceClasses } from '../resources/index.js';
import type { PipelineService } from '../service/pipeline-service.js';
import { startPipelineHarness, type PipelineHarness } from '../test-support/executor-harness.js';
import { kubernetesBackendFromSettings, kubernetesStepBackend } from './kubernetes-backend.js';
import { kubernetesExecutorRole } from './kube-rbac.js';
import { FakeKubeApi, type FakePod } from './test-support/fake-kube-api.js';

const API_TOKEN = 'kube-step-secret-9f2c1e';
/** Longer than any masked form of API_TOKEN: the masker holds back that many bytes until more come (or the end). */
const PADDING = `${'.'.repeat(120)}\n`;

type Job = {
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    backoffLimit: number;
    activeDeadlineSeconds?: number;
    ttlSecondsAfterFinished: number;
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        restartPolicy: string;
        nodeSelector?: Record<string, string>;
        tolerations?: unknown[];
        volumes?: unknown[];
        containers: {
          name: string;
          image: string;
          command: string[];
          workingDir: string;
          env: { name: string; value?: string; valueFrom?: unknown }[];
          resources?: unknown;
          volumeMounts?: unknown[];
        }[];
      };
    };
  };
};

const doc = (name: string, steps: Record<string, unknown>) => ({
  apiVersion: 'bosun.dev/v1',
  kind: 'Pipeline',
  name,
  steps,
});

function jobOf(fake: FakeKubeApi, step: string, attempt = 1): Job {
  const found = [...fake.createdJobs.values()]
    .map((j) => j as unknown as Job)
    .filter(
      (j) =>
        j.metadata.labels['bosun.dev/step'] === step &&
        j.metadata.labels['bosun.dev/attempt'] === String(attempt),
    );
  expect(found, `one Job for ${step} attempt ${attempt}`).toHaveLength(1);
  return found[0]!;
}

function envOf(job: Job): Record<string, unknown> {
  const container = job.spec.template.spec.containers[0]!;
  return Object.fromEntries(container.env.map((e) => [e.name, e.value ?? e.valueFrom]));
}

/** Runs the pod's command here (the work folder is shared, as the volume is in a cluster): exit 0 succeeds. */
async function execPod(pod: FakePod) {
  const code = await pod.exec();
  return code === 0 ? ({ kind: 'succeed' } as const) : ({ kind: 'fail', exitCode: code } as const);
}

describe.each(testEngines)('Kubernetes executor against the fake API server, on %s', (engine) => {
  let h: PipelineHarness;
  let fake: FakeKubeApi;
  let pipelines: PipelineService;

  beforeAll(async () => {
    h = await startPipelineHarness(engine);
    const store = await SecretStore.open(h.platform.database, MasterKey.generate());
    await store.put('team/api-token', API_TOKEN);
    fake = await new FakeKubeApi().start();
    const resourceClasses = new ResourceClasses([
      {
        name: 'gpu.spot',
        pricePerHour: 2.5,
        capacity: 'spot',
        labels: {},
        kubernetes: {
          nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-l4' },
          tolerations: [
            { key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
          ],
        },
      },
    ]);
    pipelines = h.service({
      resourceClasses,
      secrets: auditedStepSecrets(store, (record) =>
        h.platform.auditLog.append(h.platform.database.db, record),
      ),
      backend: kubernetesStepBackend({
        kubeConfig: fake.kubeConfig(),
        namespace: fake.namespace,
        defaultImage: 'registry.example/bosun-step:1',
        trackingUri: 'http://bosun.ml.svc:5000',
        volumes: [{ claimName: 'bosun-data', mountPath: h.dir }],
        resourceClasses,
        timing: {
          pollMs: 20,
          deleteWaitMs: 120_000,
          drainMs: 120_000,
          deadlineGraceMs: 120_000,
          metricsEveryMs: 20,
        },
      }),
    });
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.onPod = execPod;
    fake.onSchedule = () => undefined;
    fake.metricsServer = true;
  });

  it('runs two steps as two Jobs: manifests, secret by reference, live log, outputs through the shared work folder', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    fake.onPod = async (pod) => {
      if (pod.labels['bosun.dev/step'] === 'train') {
        pod.log(`epoch 1 of 2\n${PADDING}`);
        await gate;
      }
      return execPod(pod);
    };
    await pipelines.define({
      document: doc('kube-two', {
        train: {
          command: [
            'sh',
            '-c',
            'echo "token=$API_TOKEN run=$MLFLOW_RUN_ID"; echo 0.93 > "$1"',
            'sh',
            '{{outputs.score}}',
          ],
          outputs: { score: { type: 'float' } },
          resources: { class: 'gpu.spot', cpu: 2, memory: '4Gi', gpu: 1 },
          secrets: { API_TOKEN: 'team/api-token' },
        },
        report: {
          image: 'registry.example/report:2',
          command: [
            'sh',
            '-c',
            'echo "score was $1" | tee "$2"',
            'sh',
            '{{inputs.score}}',
            '{{outputs.text}}',
          ],
          inputs: { score: { type: 'float', from: 'steps.train.outputs.score' } },
          outputs: { text: { type: 'artifact' } },
          resources: { spot: true, cpu: 0.5 },
        },
      }),
      createdBy: 'alice',
    });
    const { run, done } = await pipelines.start({ name: 'kube-two', params: {}, createdBy: 'alice' });

    // The log is streamed while the pod runs.
    await waitFor('the live log of train', async () => {
      // The step's row may not exist yet: not found until then.
      const logs = await pipelines.logs(run.runId, { step: 'train' }).catch(() => []);
      return logs[0]?.state === 'running' && logs[0].stdout.includes('epoch 1 of 2') ? true : undefined;
    });
    release();
    expect(await done).toBe('succeeded');

    const details = await pipelines.getRun(run.runId);
    const [train, report] = details.steps;
    expect(train).toMatchObject({ step: 'train', state: 'succeeded', exitCode: 0 });
    expect(train!.outputs!['score']).toEqual({ kind: 'value', value: 0.93 });
    expect(report).toMatchObject({ step: 'report', state: 'succeeded' });
    expect(report!.outputs!['text']).toMatchObject({ kind: 'artifact', path: 'outputs/text' });

    // Logs: stored as the step's artifact, the secret masked.
    const logs = await pipelines.logs(run.runId, { step: 'train' });
    expect(logs[0]!.stdout).toBe(`epoch 1 of 2\n${PADDING}token=*** run=${train!.mlflowRunId!}\n`);
    expect((await pipelines.logs(run.runId, { step: 'report' }))[0]!.stdout).toBe('score was 0.93\n');

    // The Jobs as the API server received them.
    const trainJob = jobOf(fake, 'train');
    expect(trainJob.metadata.name).toBe(`bosun-${train!.stepRunId}-1`);
    expect(trainJob.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'bosun',
      'bosun.dev/pipeline-run': run.runId,
      'bosun.dev/pipeline': 'kube-two',
      'bosun.dev/step': 'train',
      'bosun.dev/step-run': train!.stepRunId,
      'bosun.dev/attempt': '1',
    });
    expect(trainJob.spec.template.metadata.labels).toEqual(trainJob.metadata.labels);
    expect(trainJob.spec.backoffLimit).toBe(0);
    expect(trainJob.spec.ttlSecondsAfterFinished).toBe(3600);
    expect(trainJob.spec.activeDeadlineSeconds).toBeUndefined();
    const pod = trainJob.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4' });
    expect(pod.tolerations).toEqual([
      { key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
    ]);
    const container = pod.containers[0]!;
    expect(container.image).toBe('registry.example/bosun-step:1');
    expect(container.workingDir).toBe(h.codeDir);
    expect(container.resources).toEqual({
      requests: { cpu: '2', memory: '4Gi' },
      limits: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' },
    });
    expect(container.volumeMounts).toEqual([{ name: 'bosun-data-0', mountPath: h.dir }]);
    expect(pod.volumes).toEqual([
      { name: 'bosun-data-0', persistentVolumeClaim: { claimName: 'bosun-data' } },
    ]);
    const env = envOf(trainJob);
    expect(env['MLFLOW_TRACKING_URI']).toBe('http://bosun.ml.svc:5000');
    expect(env['MLFLOW_RUN_ID']).toBe(train!.mlflowRunId);
    expect(env['MLFLOW_EXPERIMENT_ID']).toBe(details.run.experimentId);
    expect(env['PATH']).toBeUndefined();
    expect(env['API_TOKEN']).toEqual({
      secretKeyRef: { name: `bosun-${train!.stepRunId}-1-env`, key: 'API_TOKEN' },
    });
    expect(JSON.stringify(trainJob)).not.toContain(API_TOKEN);
    expect(JSON.stringify(trainJob)).not.toContain(Buffer.from(API_TOKEN).toString('base64'));

    // The Secret: the value, owned by the Job, deleted once the attempt ended.
    const secret = fake.createdSecrets.get(`bosun-${train!.stepRunId}-1-env`) as {
      data: Record<string, string>;
      metadata: { ownerReferences: { kind: string; name: string; uid: string }[] };
    };
    expect(Buffer.from(secret.data['API_TOKEN']!, 'base64').toString()).toBe(API_TOKEN);
    expect(secret.metadata.ownerReferences[0]).toMatchObject({ kind: 'Job', name: trainJob.metadata.name });
    expect(fake.secretNames()).toEqual([]);

    const reportJob = jobOf(fake, 'report');
    expect(reportJob.spec.template.spec.containers[0]!.image).toBe('registry.example/report:2');
    expect(reportJob.spec.template.spec.nodeSelector).toBeUndefined();
    expect(reportJob.spec.template.spec.tolerations).toEqual([
      { key: 'bosun.dev/spot', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(reportJob.spec.template.spec.containers[0]!.resources).toEqual({
      requests: { cpu: '0.5' },
      limits: { cpu: '0.5' },
    });
    expect(fake.createdSecrets.has(`${reportJob.metadata.name}-env`)).toBe(false);
    // Finished Jobs are left to their TTL; nothing was deleted, nothing else was called.
    expect(fake.deletions).toEqual([]);
    expect(fake.unexpected).toEqual([]);
  });

  it('fails the step with the exit code and reason of a failed pod', async () => {
    fake.onPod = (pod) => {
      pod.log('loading data\nout of memory\n');
      return Promise.resolve({ kind: 'fail', exitCode: 137, reason: 'OOMKilled' });
    };
    await pipelines.define({
      document: doc('kube-fail', { crash: { command: ['train-model', '--epochs', '3'] } }),
      createdBy: 'alice',
    });
    const { run, done } = await pipelines.start({ name: 'kube-fail', params: {}, createdBy: 'alice' });
    expect(await done).toBe('failed');
    const step = (await pipelines.getRun(run.runId)).steps[0]!;
    expect(step).toMatchObject({ state: 'failed', exitCode: 137, attempt: 1 });
    expect(step.reason).toBe('exited with code 137 (OOMKilled)');
    expect((await pipelines.logs(run.runId, { step: 'crash' }))[0]!.stdout).toBe(
      'loading data\nout of memory\n',
    );
    const tags = (await h.platform.tracking.getRun(step.mlflowRunId!)).data.tags;
    expect(tags).toContainEqual({ key: 'bosun.step.exit_reason', value: 'OOMKilled' });
  });

  it('retries an evicted, disrupted, deleted or node-lost pod under the preemption budget', async () => {
    const ways = { evicted: 'evict', disrupted: 'disrupt', deleted: 'vanish', lost: 'node-lost' } as const;
    fake.onPod = (pod) => {
      const way = ways[pod.labels['bosun.dev/step'] as keyof typeof ways];
      if (pod.labels['bosun.dev/attempt'] === '1') return Promise.resolve({ kind: way });
      return execPod(pod);
    };
    const steps = Object.fromEntries(
      Object.keys(ways).map((name) => [
        name,
        {
          command: ['sh', '-c', `echo ${name} done`],
          retry: { limit: 0, preemption_limit: 1, backoff: { initial: '1ms' } },
        },
      ]),
    );
    await pipelines.define({ document: doc('kube-preempt', steps), createdBy: 'alice' });
    const { run, done } = await pipelines.start({ name: 'kube-preempt', params: {}, createdBy: 'alice' });
    expect(await done).toBe('succeeded');
    const details = await pipelines.getRun(run.runId);
    for (const name of Object.keys(ways)) {
      const step = details.steps.find((s) => s.step === name)!;
      expect(step, name).toMatchObject({ state: 'succeeded', attempt: 2, preemptionAttempts: 1 });
      expect(jobOf(fake, name, 2).metadata.name).toBe(`bosun-${step.stepRunId}-2`);
    }
    // The lost node's Job was still active: it was deleted before the retry.
    const lost = details.steps.find((s) => s.step === 'lost')!;
    expect(fake.deletions).toContainEqual({
      name: `bosun-${lost.stepRunId}-1`,
      propagationPolicy: 'Foreground',
    });
    expect(fake.unexpected).toEqual([]);
  });

  it('fails a preempted step once its preemption budget is spent, saying why', async () => {
    fake.onPod = () =>
      Promise.resolve({ kind: 'evict', message: 'The node was low on resource: ephemeral-storage.' });
    await pipelines.define({
      document: doc('kube-evicted', { once: { command: ['true'], retry: { preemption_limit: 0 } } }),
      createdBy: 'alice',
    });
    const { run, done } = await pipelines.start({ name: 'kube-evicted', params: {}, createdBy: 'alice' });
    expect(await done).toBe('failed');
    const step = (await pipelines.getRun(run.runId)).steps[0]!;
    expect(step.state).toBe('failed');
    expect(step.reason).toMatch(/pod evicted: The node was low on resource: ephemeral-storage/);
  });

  it('cancel deletes the running Job (Foreground) and its Secret', async () => {
    fake.onPod = async (pod) => {
      pod.log(`serving forever\n${PADDING}`);
      await pod.stopped;
      return { kind: 'succeed' };
    };
    await pipelines.define({
      document: doc('kube-cancel', {
        forever: { command: ['sleep', 'infinity'], secrets: { API_TOKEN: 'team/api-token' } },
      }),
      createdBy: 'alice',
    });
    const { run, done } = await pipelines.start({ name: 'kube-cancel', params: {}, createdBy: 'alice' });
    const step = await waitFor('the running step', async () => {
      const s = (await pipelines.getRun(run.runId)).steps[0];
      return s?.state === 'running' && s.mlflowRunId !== undefined ? s : undefined;
    });
    const job = `bosun-${step.stepRunId}-1`;
    await waitFor('its pod running', () =>
      fake.podNames().some((p) => p.startsWith(job)) && fake.createdSecrets.has(`${job}-env`)
        ? true
        : undefined,
    );
    await waitFor('the log streamed', async () =>
      (await pipelines.logs(run.runId, { step: 'forever' }))[0]?.stdout.includes('serving forever')
        ? true
        : undefined,
    );
    await pipelines.cancel(run.runId);
    expect(await done).toBe('cancelled');
    expect(fake.deletions).toContainEqual({ name: job, propagationPolicy: 'Foreground' });
    expect(fake.jobNames()).not.toContain(job);
    expect(fake.podNames().filter((p) => p.startsWith(job))).toEqual([]);
    expect(fake.secretNames()).not.toContain(`${job}-env`);
    const ended = (await pipelines.getRun(run.runId)).steps[0]!;
    expect(ended.state).toBe('cancelled');
    expect((await h.platform.tracking.getRun(ended.mlflowRunId!)).info.status).toBe('KILLED');
    expect((await pipelines.logs(run.runId, { step: 'forever' }))[0]!.stdout).toBe(
      `serving forever\n${PADDING}`,
    );
  });

  it("ends a step at its timeout through the Job's activeDeadlineSeconds", async () => {
    fake.onPod = async (pod) => {
      await pod.stopped;
      return { kind: 'succeed' };
    };
    await pipelines.define({
      document: doc('kube-timeout', { slow: { command: ['sleep', 'infinity'], timeout: '1s' } }),
      createdBy: 'alice',
    });
    const { run, done } = await pipelines.start({ name: 'kube-timeout', params: {}, createdBy: 'alice' });
    expect(await done).toBe('failed');
    const step = (await pipelines.getRun(run.runId)).steps[0]!;
    expect(jobOf(fake, 'slow').spec.activeDeadlineSeconds).toBe(1);
    expect(step.state).toBe('failed');
    expect(step.reason).toMatch(/timed out after 1s/);
  });

  it('refuses a step with requirements (they belong in its image) and one with no image when the server has none', async () => {
    await pipelines.define({
      document: doc('kube-reqs', {
        deps: { command: ['python', '-c', 'pass'], requirements: ['numpy==2.1.0'] },
      }),
      createdBy: 'alice',
    });
    const { run, done } = await pipelines.start({ name: 'kube-reqs', params: {}, createdBy: 'alice' });
    expect(await done).toBe('failed');
    expect((await pipelines.getRun(run.runId)).steps[0]!.reason).toMatch(/install requirements in the image/);

    const noImage = h.service({
      backend: kubernetesStepBackend({
        kubeConfig: fake.kubeConfig(),
        namespace: fake.namespace,
        timing: { pollMs: 20 },
      }),
    });
    await noImage.define({ document: doc('kube-noimage', { a: { command: ['true'] } }), createdBy: 'alice' });
    const second = await noImage.start({ name: 'kube-noimage', params: {}, createdBy: 'alice' });
    expect(await second.done).toBe('failed');
    expect((await noImage.getRun(second.run.runId)).steps[0]!.reason).toMatch(/names no image.*--kube-image/);
  });

  it("from the server's settings: the kubeconfig context's namespace, the image, the spot toleration", async () => {
    const fromSettings = h.service({
      backend: kubernetesBackendFromSettings(
        {
          image: 'registry.example/settings:3',
          volumes: [],
          spotToleration: { key: 'spot', operator: 'Exists', effect: 'NoExecute' },
        },
        undefined,
        fake.kubeConfig(),
        { pollMs: 20 },
      ),
    });
    await fromSettings.define({
      document: doc('kube-settings', { spotty: { command: ['true'], resources: { spot: true } } }),
      createdBy: 'alice',
    });
    const { done } = await fromSettings.start({ name: 'kube-settings', params: {}, createdBy: 'alice' });
    expect(await done).toBe('succeeded');
    const job = jobOf(fake, 'spotty') as Job & { metadata: { namespace: string } };
    expect(job.metadata.namespace).toBe(fake.namespace);
    expect(job.spec.template.spec.containers[0]!.image).toBe('registry.example/settings:3');
    expect(job.spec.template.spec.tolerations).toEqual([
      { key: 'spot', operator: 'Exists', effect: 'NoExecute' },
    ]);
  });

  it("fails a step whose image cannot be pulled or named: the kubelet's reason in its state and stderr log", async () => {
    fake.onSchedule = (pod) =>
      pod.labels['bosun.dev/step'] === 'pull'
        ? {
            kind: 'waiting',
            reason: 'ImagePullBackOff',
            message: 'Back-off pulling image "registry.example/missing:9"',
          }
        : undefined;
    await pipelines.define({
      document: doc('kube-image', {
        pull: { image: 'registry.example/missing:9', command: ['train'] },
        named: { image: 'registry.example/Team/Train:1', command: ['train'] },
      }),
      createdBy: 'alice',
    });
    const { run, done } = await pipelines.start({ name: 'kube-image', params: {}, createdBy: 'alice' });
    expect(await done).toBe('failed');
    const steps = (await pipelines.getRun(run.runId)).steps;
    const pull = steps.find((s) => s.step === 'pull')!;
    expect(pull).toMatchObject({ state: 'failed', attempt: 1 });
    expect(pull.reason).toMatch(
      /its image registry\.example\/missing:9 cannot be used: ImagePullBackOff: Back-off pulling image/,
    );
    const [pullLogs] = await pipelines.logs(run.runId, { step: 'pull' });
    expect(pullLogs!.stderr).toBe(
      'bosun: its image registry.example/missing:9 cannot be used: ImagePullBackOff: Back-off pulling image "registry.example/missing:9"\n',
    );
    const named = steps.find((s) => s.step === 'named')!;
    expect(named).toMatchObject({ state: 'failed' });
    expect(named.reason).toMatch(/InvalidImageName: .*invalid reference format/);
    // Neither waited for a timeout: their Jobs were deleted at once.
    for (const s of [pull, named])
      expect(fake.deletions).toContainEqual({
        name: `bosun-${s.stepRunId}-1`,
        propagationPolicy: 'Foreground',
      });
  });

  it('ends an unschedulable attempt or one without a pod as preempted after --kube-pending-timeout, and fails one stuck in ContainerCreating', async () => {
    const patient = h.service({
      backend: kubernetesStepBackend({
        kubeConfig: fake.kubeConfig(),
        namespace: fake.namespace,
        defaultImage: 'registry.example/bosun-step:1',
        volumes: [{ claimName: 'bosun-data', mountPath: h.dir }],
        timing: { pollMs: 20, pendingTimeoutMs: 50 },
      }),
    });
    fake.onSchedule = (pod) => {
      if (pod.labels['bosun.dev/step'] === 'quota')
        return { kind: 'no-pod', message: 'pods "x" is forbidden: exceeded quota: gpu-quota' };
      if (pod.labels['bosun.dev/step'] === 'mount')
        return {
          kind: 'creating',
          sandboxReady: false,
          message: 'MountVolume.SetUp failed for volume "creds" : secret "s3-creds" not found',
        };
      return pod.labels['bosun.dev/attempt'] === '1'
        ? {
            kind: 'unschedulable',
            message:
              '0/4 nodes are available: 4 node(s) had untolerated taint {cloud.google.com/gke-spot: true}.',
          }
        : undefined;
    };
    await patient.define({
      document: doc('kube-pending', {
        spot: {
          command: ['sh', '-c', 'echo ran'],
          retry: { limit: 0, preemption_limit: 1, backoff: { initial: '1ms' } },
        },
        quota: { command: ['gpu-job', '--quota'], retry: { limit: 3, preemption_limit: 0 } },
        mount: { command: ['train'], retry: { limit: 1, preemption_limit: 3, backoff: { initial: '1ms' } } },
      }),
      createdBy: 'alice',
    });
    const { run, done } = await patient.start({ name: 'kube-pending', params: {}, createdBy: 'alice' });
    expect(await done).toBe('failed');
    const steps = (await patient.getRun(run.runId)).steps;
    // Unschedulable once: preempted, retried under the preemption budget, then it ran.
    expect(steps.find((s) => s.step === 'spot')).toMatchObject({
      state: 'succeeded',
      attempt: 2,
      preemptionAttempts: 1,
    });
    expect((await patient.logs(run.runId, { step: 'spot' }))[0]!.stdout).toBe('ran\n');
    // No pod at all: preempted with the Job's FailedCreate event; no preemption budget, so it failed (the failure
    // budget of 3 is not spent on it).
    const quota = steps.find((s) => s.step === 'quota')!;
    expect(quota).toMatchObject({ state: 'failed', attempt: 1 });
    expect(quota.reason).toBe(
      'preempted: its Job created no pod within 50ms (--kube-pending-timeout) (FailedCreate: Error creating: pods "x" is forbidden: exceeded quota: gpu-quota); its preemption budget (0) is spent',
    );
    // On a node, its volume never mounted: failed (retried under the failure budget, not the preemption one),
    // the container's state and the pod's FailedMount event in its reason and its stderr log; its Jobs deleted.
    const mount = steps.find((s) => s.step === 'mount')!;
    expect(mount).toMatchObject({ state: 'failed', attempt: 2, preemptionAttempts: 0 });
    const stuck =
      /did not get past ContainerCreating within 50ms \(--kube-pending-timeout\): its sandbox \(volumes, network\) was not ready \(FailedMount: MountVolume\.SetUp failed for volume "creds" : secret "s3-creds" not found\)/;
    expect(mount.reason).toMatch(stuck);
    const [mountLogs] = await patient.logs(run.runId, { step: 'mount' });
    expect(mountLogs!.stderr).toMatch(
      new RegExp(`^bosun: pod bosun-${mount.stepRunId}-2-\\w+ ${stuck.source}\\n$`),
    );
    for (const attempt of [1, 2])
      expect(fake.deletions).toContainEqual({
        name: `bosun-${mount.stepRunId}-${attempt}`,
        propagationPolicy: 'Foreground',
      });
  });

  it('records CPU time and peak memory from the metrics API; without metrics-server they stay unknown', async () => {
    fake.onPod = async (pod) => {
      await pod.setMetrics({
        timestamp: '2026-12-07T10:00:15Z',
        window: '15s',
        cpu: '1500m',
        memory: '300Mi',
      });
      await pod.setMetrics({
        timestamp: '2026-12-07T10:00:30Z',
        window: '15s',
        cpu: '500m',
        memory: '200Mi',
      });
      return { kind: 'succeed' };
    };
    await pipelines.define({
      document: doc('kube-usage', { fit: { command: ['fit', '--measured'] } }),
      createdBy: 'alice',
    });
    const first = await pipelines.start({ name: 'kube-usage', params: {}, createdBy: 'alice' });
    expect(await first.done).toBe('succeeded');
    const measured = (await pipelines.getRun(first.run.runId)).steps[0]!;
    const metrics = (await h.platform.tracking.getRun(measured.mlflowRunId!)).data.metrics;
    expect(metrics.find((m) => m.key === 'bosun.step.cpu_ms')?.value).toBe(1.5 * 15_000 + 0.5 * 15_000);
    expect(metrics.find((m) => m.key === 'bosun.step.peak_rss_bytes')?.value).toBe(300 * 2 ** 20);

    fake.metricsServer = false;
    fake.onPod = async (pod) => {
      const job = pod.name.slice(0, pod.name.lastIndexOf('-'));
      await waitFor('a look at the metrics API', () =>
        fake.requests.some((r) => r.path.startsWith('/apis/metrics.k8s.io/') && r.path.includes(job))
          ? true
          : undefined,
      );
      return { kind: 'succeed' };
    };
    await pipelines.define({
      document: doc('kube-no-metrics', { fit: { command: ['fit', '--unmeasured'] } }),
      createdBy: 'alice',
    });
    const second = await pipelines.start({ name: 'kube-no-metrics', params: {}, createdBy: 'alice' });
    expect(await second.done).toBe('succeeded');
    const unmeasured = (await pipelines.getRun(second.run.runId)).steps[0]!;
    const keys = (await h.platform.tracking.getRun(unmeasured.mlflowRunId!)).data.metrics.map((m) => m.key);
    expect(keys).toContain('bosun.step.wall_ms');
    expect(keys).not.toContain('bosun.step.cpu_ms');
    expect(keys).not.toContain('bosun.step.peak_rss_bytes');
  });

  it('made only the calls the documented Role allows, and all of them', () => {
    const allowed = new Set(
      (kubernetesExecutorRole(fake.namespace).rules ?? []).flatMap((r) =>
        (r.resources ?? []).flatMap((res) =>
          r.verbs.map((verb) => `${r.apiGroups?.[0] ?? ''}/${res}:${verb}`),
        ),
      ),
    );
    const made = fake.rbacCalls();
    expect([...made].filter((c) => !allowed.has(c))).toEqual([]);
    // Least privilege: every permission in the Role was used by the tests above.
    expect([...allowed].filter((c) => !made.has(c))).toEqual([]);
    expect(fake.unexpected).toEqual([]);
  });
});
