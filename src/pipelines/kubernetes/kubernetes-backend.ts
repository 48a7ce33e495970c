import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  Log,
  type V1Toleration,
} from '@kubernetes/client-node';
import type { RunningProcess, SpawnOptions } from '../executor/step-process.js';
import { PipFreezeCache } from '../executor/reproducibility.js';
import type { StepBackend } from '../executor/step-backend.js';
import { StepLauncher, type Attempt } from '../executor/step-launcher.js';
import { StepEnvironmentError, StepVenvs, type StepEnvironment } from '../executor/step-venv.js';
import type { ResourcesSpec } from '../spec/index.js';
import { stepJobName, type KubePlacement, type KubeVolume, type StepJobInput } from './job-manifest.js';
import { StepJobProcess, type KubeApis, type StepJobTiming } from './step-job-process.js';

/** What the backend needs of a resource class (`ResourceClasses` from ../resources fits). */
export interface KubeResourceClassLookup {
  get(name: string):
    | {
        capacity: 'on-demand' | 'spot';
        kubernetes?: { nodeSelector: Record<string, string>; tolerations: readonly V1Toleration[] };
      }
    | undefined;
}

/** The server's settings for the Kubernetes executor (`bosun server --pipeline-executor kubernetes ...`). */
export interface KubernetesBackendOptions {
  /** Where the API server is and how to sign in; `kubeConfigFromDefault()` reads KUBECONFIG or the in-cluster account. */
  kubeConfig: KubeConfig;
  namespace: string;
  /** The image of steps that name none; undefined: such a step fails saying so. */
  defaultImage?: string;
  /** MLFLOW_TRACKING_URI as the pods reach this server; default: the server's own address. */
  trackingUri?: string;
  /** Persistent volume claims mounted at the same path as on the server (its work folder and code folders). */
  volumes?: readonly KubeVolume[];
  serviceAccountName?: string;
  /** Default 3600: a finished Job (and its Secret, which it owns) is kept this long for `kubectl describe`. */
  ttlSecondsAfterFinished?: number;
  /** Placement of a `spot: true` step (or a spot class) whose class says nothing about Kubernetes. */
  spotPlacement?: KubePlacement;
  resourceClasses?: KubeResourceClassLookup;
  /** The interpreter of script and function steps inside the image. Default `python`. */
  python?: string;
  timing?: Partial<StepJobTiming>;
}

/** The toleration a spot step gets by default: nodes tainted `bosun.dev/spot` accept it. */
export const DEFAULT_SPOT_PLACEMENT: KubePlacement = {
  nodeSelector: {},
  tolerations: [{ key: 'bosun.dev/spot', operator: 'Exists', effect: 'NoSchedule' }],
};

const DEFAULT_TIMING: StepJobTiming = {
  pollMs: 2_000,
  deleteWaitMs: 120_000,
  drainMs: 5_000,
  deadlineGraceMs: 60_000,
  pendingTimeoutMs: 600_000,
  configErrorGraceMs: 30_000,
  metricsEveryMs: 15_000,
};

/** KUBECONFIG (or ~/.kube/config), else the pod's service account when the server runs in the cluster. */
export function kubeConfigFromDefault(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromDefault();
  return config;
}

/** The server's `--kube-*` settings, as `loadServerConfig` reads them (`ServerConfig.kubernetes`). */
export interface KubernetesServerSettings {
  namespace?: string;
  image?: string;
  trackingUri?: string;
  volumes: readonly KubeVolume[];
  spotToleration?: V1Toleration;
  /** `--kube-pending-timeout`; default 10 minutes. */
  pendingTimeoutMs?: number;
}

/**
 * The backend `bosun server --pipeline-executor kubernetes` runs with: the cluster from KUBECONFIG or the in-cluster
 * account, the namespace from `--kube-namespace`, else the kubeconfig context's, else `default`.
 */
export function kubernetesBackendFromSettings(
  settings: KubernetesServerSettings,
  resourceClasses: KubeResourceClassLookup | undefined,
  kubeConfig: KubeConfig = kubeConfigFromDefault(),
  timing?: Partial<StepJobTiming>,
): StepBackend {
  const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  return kubernetesStepBackend({
    kubeConfig,
    namespace: settings.namespace ?? contextNamespace ?? 'default',
    ...(settings.image !== undefined ? { defaultImage: settings.image } : {}),
    ...(settings.trackingUri !== undefined ? { trackingUri: settings.trackingUri } : {}),
    volumes: settings.volumes,
    ...(settings.spotToleration !== undefined
      ? { spotPlacement: { nodeSelector: {}, tolerations: [settings.spotToleration] } }
      : {}),
    ...(resourceClasses !== undefined ? { resourceClasses } : {}),
    timing: {
      ...(settings.pendingTimeoutMs !== undefined ? { pendingTimeoutMs: settings.pendingTimeoutMs } : {}),
      ...timing,
    },
  });
}

/** Where a step's Job is placed: its class's placement, else the spot default for a spot step, else anywhere. */
export function placementFor(
  resources: ResourcesSpec | undefined,
  options: KubernetesBackendOptions,
): KubePlacement {
  const cls = resources?.class !== undefined ? options.resourceClasses?.get(resources.class) : undefined;
  if (cls?.kubernetes !== undefined)
    return { nodeSelector: { ...cls.kubernetes.nodeSelector }, tolerations: [...cls.kubernetes.tolerations] };
  if (resources?.spot === true || cls?.capacity === 'spot')
    return options.spotPlacement ?? DEFAULT_SPOT_PLACEMENT;
  return { nodeSelector: {}, tolerations: [] };
}

/** A step's Python packages come from its image: `requirements` cannot be installed by the server for a pod. */
class ImageEnvironments extends StepVenvs {
  constructor() {
    super('/nonexistent');
  }
  override ensure(): Promise<StepEnvironment> {
    return Promise.reject(
      new StepEnvironmentError(
        'the Kubernetes executor runs steps in their image: install requirements in the image (image: ...) instead of requirements',
      ),
    );
  }
}

/** The server's interpreter is not the pod's: no `pip freeze` of it is recorded for a pod. */
class NoFreeze extends PipFreezeCache {
  override freeze(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
}

/** An attempt that cannot start (no image): ends at once, told as a start failure. */
function notStarted(message: string): RunningProcess {
  return { pid: undefined, kill: () => undefined, ended: Promise.resolve({ kind: 'spawn-failed', message }) };
}

/**
 * Runs each step attempt as a Kubernetes Job. The step's MLflow run, inputs, outputs, secrets, token and logs are
 * handled as for a local step (`StepLauncher`); only the process is a pod. Inputs and outputs pass through the
 * work folder, which the pods mount at the same path (`volumes`: a ReadWriteMany claim holding the server's work
 * and code folders): an artifact input is downloaded there before the Job starts, and the outputs the step writes
 * there are uploaded to the artifact store when the pod has succeeded.
 *
 * @example
 * const backend = kubernetesStepBackend({ kubeConfig: kubeConfigFromDefault(), namespace: 'ml', defaultImage: 'python:3.12' });
 * new PipelineService({ ...options, backend });
 */
export function kubernetesStepBackend(options: KubernetesBackendOptions): StepBackend {
  const apis: KubeApis = {
    batch: options.kubeConfig.makeApiClient(BatchV1Api),
    core: options.kubeConfig.makeApiClient(CoreV1Api),
    log: new Log(options.kubeConfig),
    custom: options.kubeConfig.makeApiClient(CustomObjectsApi),
  };
  const timing: StepJobTiming = { ...DEFAULT_TIMING, ...options.timing };
  const venvs = new ImageEnvironments();
  const pipFreeze = new NoFreeze();
  return {
    name: 'kubernetes',
    prepare: (deps, attempt) =>
      new StepLauncher(
        {
          ...deps,
          trackingUri: options.trackingUri ?? deps.trackingUri,
          python: options.python ?? 'python',
          // The server's PATH and HOME are not the image's.
          baseEnv: {},
          venvs,
          pipFreeze,
          spawn: (spawn) => startAttemptJob(apis, timing, options, attempt, spawn),
        },
        attempt,
      ),
  };
}

function startAttemptJob(
  apis: KubeApis,
  timing: StepJobTiming,
  options: KubernetesBackendOptions,
  attempt: Attempt,
  spawn: SpawnOptions,
): RunningProcess {
  const image = attempt.spec.image ?? options.defaultImage;
  if (image === undefined)
    return notStarted('the step names no image and the server has no default (bosun server --kube-image)');
  const secrets = new Set(spawn.maskSecrets ?? []);
  const secretEnv = Object.entries(spawn.env)
    .filter(([, value]) => secrets.has(value))
    .map(([name]) => name);
  const input: StepJobInput = {
    namespace: options.namespace,
    name: stepJobName(attempt.stepRunId, attempt.attempt),
    pipelineRunId: attempt.parentRunId,
    pipelineName: attempt.pipelineName,
    step: attempt.step,
    itemIndex: attempt.itemIndex,
    stepRunId: attempt.stepRunId,
    attempt: attempt.attempt,
    image,
    argv: spawn.argv,
    workingDir: spawn.cwd,
    env: spawn.env,
    secretEnv,
    resources: attempt.spec.resources,
    placement: placementFor(attempt.spec.resources, options),
    activeDeadlineSeconds:
      spawn.timeoutMs !== undefined ? Math.max(1, Math.ceil(spawn.timeoutMs / 1000)) : undefined,
    ttlSecondsAfterFinished: options.ttlSecondsAfterFinished ?? 3600,
    volumes: options.volumes ?? [],
    serviceAccountName: options.serviceAccountName,
  };
  return new StepJobProcess(
    apis,
    {
      input,
      secretValues: Object.fromEntries(secretEnv.map((name) => [name, spawn.env[name] ?? ''])),
      maskSecrets: spawn.maskSecrets ?? [],
      stdoutFile: spawn.stdoutFile,
      stderrFile: spawn.stderrFile,
      timeoutMs: spawn.timeoutMs,
    },
    timing,
  );
}
