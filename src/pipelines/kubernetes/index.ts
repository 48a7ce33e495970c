/**
 * The Kubernetes executor: each step attempt a Job (see docs/pipelines.md, "Kubernetes executor").
 *
 * @example
 * const backend = kubernetesBackendFromSettings(config.kubernetes, resourceClasses);
 * new PipelineService({ ...options, backend });
 */
export {
  DEFAULT_SPOT_PLACEMENT,
  kubeConfigFromDefault,
  kubernetesBackendFromSettings,
  kubernetesStepBackend,
  placementFor,
  type KubeResourceClassLookup,
  type KubernetesBackendOptions,
  type KubernetesServerSettings,
} from './kubernetes-backend.js';
export {
  buildStepJob,
  buildStepSecret,
  type KubePlacement,
  type KubeVolume,
  type StepJobInput,
} from './job-manifest.js';
export { kubernetesExecutorRole } from './kube-rbac.js';
