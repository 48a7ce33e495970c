import type { V1EnvVar, V1Job, V1Secret, V1Toleration } from '@kubernetes/client-node';
import type { ResourcesSpec } from '../spec/index.js';

/** The container's name in every step Job (logs are read from it). */
export const STEP_CONTAINER = 'step';

/** Labels on every Job, pod and Secret of a step attempt (`kubectl get jobs -l bosun.dev/pipeline-run=...`). */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  pipelineRun: 'bosun.dev/pipeline-run',
  pipeline: 'bosun.dev/pipeline',
  step: 'bosun.dev/step',
  item: 'bosun.dev/item',
  stepRun: 'bosun.dev/step-run',
  attempt: 'bosun.dev/attempt',
} as const;

/** Where a Job is placed: node selector and tolerations (from the step's resource class or the server's spot default). */
export interface KubePlacement {
  nodeSelector: Record<string, string>;
  tolerations: V1Toleration[];
}

/** A PersistentVolumeClaim mounted into every step pod at the path the server sees it at. */
export interface KubeVolume {
  claimName: string;
  mountPath: string;
}

/** Everything one attempt's Job is made of. */
export interface StepJobInput {
  namespace: string;
  /** The Job's name (also the Secret's prefix): `bosun-<step run id>-<attempt>`. */
  name: string;
  pipelineRunId: string;
  pipelineName: string;
  step: string;
  /** -1 for a step without fan-out. */
  itemIndex: number;
  stepRunId: string;
  attempt: number;
  image: string;
  argv: readonly string[];
  workingDir: string;
  /** Plain environment variables, in the pod spec. */
  env: Record<string, string>;
  /** Names of environment variables whose values are secret: they come from the attempt's Secret, by reference. */
  secretEnv: readonly string[];
  resources: ResourcesSpec | undefined;
  placement: KubePlacement;
  /** From the step's timeout; undefined: none. */
  activeDeadlineSeconds: number | undefined;
  ttlSecondsAfterFinished: number;
  volumes: readonly KubeVolume[];
  serviceAccountName: string | undefined;
}

/** Job names: `bosun-` and the 32 hex of the step run id and the attempt (at most 63 characters, DNS-1123). */
export function stepJobName(stepRunId: string, attempt: number): string {
  const id = stepRunId
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 40);
  return `bosun-${id}-${attempt}`;
}

/** The Secret that holds an attempt's declared secrets and step token. */
export function stepSecretName(jobName: string): string {
  return `${jobName}-env`;
}

/** A label value: at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function labelValue(text: string): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned;
}

/** The labels of an attempt's objects; `stepRun` and `attempt` select its pod. */
export function stepLabels(input: StepJobInput): Record<string, string> {
  return {
    [LABELS.managedBy]: 'bosun',
    [LABELS.pipelineRun]: labelValue(input.pipelineRunId),
    [LABELS.pipeline]: labelValue(input.pipelineName),
    [LABELS.step]: labelValue(input.step),
    ...(input.itemIndex >= 0 ? { [LABELS.item]: String(input.itemIndex) } : {}),
    [LABELS.stepRun]: labelValue(input.stepRunId),
    [LABELS.attempt]: String(input.attempt),
  };
}

/** The label selector of every attempt's Job of one step run. */
export function stepRunSelector(stepRunId: string): string {
  return `${LABELS.stepRun}=${labelValue(stepRunId)}`;
}

/** The label selector of one attempt's pod. */
export function attemptSelector(stepRunId: string, attempt: number): string {
  return `${LABELS.stepRun}=${labelValue(stepRunId)},${LABELS.attempt}=${attempt}`;
}

function quantities(resources: ResourcesSpec | undefined): {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
} {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (resources?.cpu !== undefined) requests['cpu'] = limits['cpu'] = String(resources.cpu);
  if (resources?.memory !== undefined) requests['memory'] = limits['memory'] = resources.memory;
  if (resources?.gpu !== undefined && resources.gpu > 0) limits['nvidia.com/gpu'] = String(resources.gpu);
  return {
    ...(Object.keys(requests).length > 0 ? { requests } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
  };
}

/**
 * The Job of one attempt: one pod, never restarted and never retried by Kubernetes (`backoffLimit: 0`: Bosun
 * retries, under separate budgets for failures and preemptions), killed at the step's timeout
 * (`activeDeadlineSeconds`), removed `ttlSecondsAfterFinished` after it ends. Secret values are never in it: each
 * secret variable is a `secretKeyRef` into the attempt's Secret. Requests equal limits (the Guaranteed QoS class,
 * evicted last under node pressure); a GPU is `nvidia.com/gpu` in the limits.
 */
export function buildStepJob(input: StepJobInput): V1Job {
  const labels = stepLabels(input);
  const secretName = stepSecretName(input.name);
  const env: V1EnvVar[] = [
    ...Object.entries(input.env)
      .filter(([name]) => !input.secretEnv.includes(name))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name, value })),
    ...[...input.secretEnv]
      .sort()
      .map((name) => ({ name, valueFrom: { secretKeyRef: { name: secretName, key: name } } })),
  ];
  const resources = quantities(input.resources);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: input.name, namespace: input.namespace, labels },
    spec: {
      backoffLimit: 0,
      ...(input.activeDeadlineSeconds !== undefined
        ? { activeDeadlineSeconds: input.activeDeadlineSeconds }
        : {}),
      ttlSecondsAfterFinished: input.ttlSecondsAfterFinished,
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          restartPolicy: 'Never',
          ...(input.serviceAccountName !== undefined ? { serviceAccountName: input.serviceAccountName } : {}),
          ...(Object.keys(input.placement.nodeSelector).length > 0
            ? { nodeSelector: input.placement.nodeSelector }
            : {}),
          ...(input.placement.tolerations.length > 0 ? { tolerations: input.placement.tolerations } : {}),
          containers: [
            {
              name: STEP_CONTAINER,
              image: input.image,
              command: [...input.argv],
              workingDir: input.workingDir,
              env,
              ...(Object.keys(resources).length > 0 ? { resources } : {}),
              ...(input.volumes.length > 0
                ? {
                    volumeMounts: input.volumes.map((v, i) => ({
                      name: `bosun-data-${i}`,
                      mountPath: v.mountPath,
                    })),
                  }
                : {}),
            },
          ],
          ...(input.volumes.length > 0
            ? {
                volumes: input.volumes.map((v, i) => ({
                  name: `bosun-data-${i}`,
                  persistentVolumeClaim: { claimName: v.claimName },
                })),
              }
            : {}),
        },
      },
    },
  };
}

/**
 * The Secret of one attempt: the values of its declared secrets (and its step token), base64 as Kubernetes
 * stores them, owned by the Job (so a Job removed by its TTL or by hand takes its Secret with it; Bosun also deletes
 * it as soon as the attempt ends).
 */
export function buildStepSecret(
  input: StepJobInput,
  values: Record<string, string>,
  owner: { uid: string } | undefined,
): V1Secret {
  const data: Record<string, string> = {};
  for (const name of [...input.secretEnv].sort())
    data[name] = Buffer.from(values[name] ?? '', 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: stepSecretName(input.name),
      namespace: input.namespace,
      labels: stepLabels(input),
      ...(owner !== undefined
        ? {
            ownerReferences: [
              {
                apiVersion: 'batch/v1',
                kind: 'Job',
                name: input.name,
                uid: owner.uid,
                blockOwnerDeletion: false,
              },
            ],
          }
        : {}),
    },
    data,
  };
}
