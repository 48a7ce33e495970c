import type { V1Pod } from '@kubernetes/client-node';
import { STEP_CONTAINER } from './job-manifest.js';

/** Waiting reasons of a container whose image cannot be pulled or named: the attempt fails at once. */
const IMAGE_ERRORS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/**
 * Waiting reasons of a container that cannot be created from its spec. `CreateContainerConfigError` is also what a
 * pod shows for the moment between its Job and its Secret being created, so it fails the attempt only once it has
 * lasted `configErrorGraceMs`.
 */
const CONFIG_ERRORS = new Set(['CreateContainerConfigError', 'CreateContainerError']);

/**
 * Conditions the kubelet sets True once a pod's sandbox is up, which is after its volumes are mounted
 * (`PodReadyToStartContainers`, on by default since Kubernetes 1.29; `PodHasNetwork` its name in 1.25 to 1.27).
 */
const SANDBOX_READY = new Set(['PodReadyToStartContainers', 'PodHasNetwork']);

/** What a look at a pod that has not started says. */
export type PendingVerdict =
  /** Not started yet, within its patience: look again. */
  | { kind: 'waiting' }
  /**
   * It will not start without a change (its image, its spec, a volume): the attempt fails. `eventsOf`: the pod whose
   * newest Warning event tells why (`FailedMount: ... secret "x" not found`), when its status does not.
   */
  | { kind: 'failed'; message: string; eventsOf?: string }
  /** Not scheduled or not created within the patience: the attempt ends as preempted. */
  | { kind: 'preempted'; message: string };

/** A duration as the flags write it: `10m`, `90s`, `1h30m`, `250ms`. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${rest > 0 || s === 0 ? `${rest}s` : ''}`;
}

/**
 * Watches an attempt's pod until it starts: a pod that never will is told apart from one still on its way.
 * An image that cannot be pulled or named, or a container that cannot be created (a missing ConfigMap key, a bad
 * securityContext), fails the attempt with the kubelet's reason and message. A pod not scheduled (no node fits: the
 * spot pool is empty, the GPU quota is spent) or a Job that created no pod (a ResourceQuota, an admission webhook),
 * `pendingTimeoutMs` after its Job was created, ends the attempt as preempted: the capacity was not there, so it is
 * retried under the preemption budget. A pod on a node whose container is still `ContainerCreating` that long
 * after, with its sandbox not ready (a volume, Secret or ConfigMap that never mounts; on a cluster that does not
 * report the sandbox condition, any `ContainerCreating`), fails the attempt, the pod's newest Warning event quoted.
 * One whose sandbox is ready is pulling its image and is left to the step's timeout: pulling a large image can take
 * longer than any patience that suits scheduling.
 *
 * @example
 * const pending = new PendingWatch(Date.now(), { pendingTimeoutMs: 600_000, configErrorGraceMs: 30_000 });
 * pending.look(pod, Date.now()); // { kind: 'waiting' } until it starts or gives up
 */
export class PendingWatch {
  #configErrorSince: number | undefined;

  constructor(
    private readonly jobCreatedAt: number,
    private readonly timing: { pendingTimeoutMs: number; configErrorGraceMs: number },
  ) {}

  /** `pod`: the attempt's pod, undefined while there is none. Call only while it has not started. */
  look(pod: V1Pod | undefined, now: number): PendingVerdict {
    const patience = `within ${durationText(this.timing.pendingTimeoutMs)} (--kube-pending-timeout)`;
    const late = now - this.jobCreatedAt >= this.timing.pendingTimeoutMs;
    if (pod === undefined)
      return late
        ? { kind: 'preempted', message: `its Job created no pod ${patience}` }
        : { kind: 'waiting' };
    const name = pod.metadata?.name ?? 'the pod';
    const container = pod.status?.containerStatuses?.find((c) => c.name === STEP_CONTAINER);
    const waiting = container?.state?.waiting;
    const reason = waiting?.reason;
    const detail = `${reason ?? ''}${waiting?.message !== undefined ? `: ${waiting.message}` : ''}`;
    if (reason !== undefined && IMAGE_ERRORS.has(reason)) {
      const image = pod.spec?.containers.find((c) => c.name === STEP_CONTAINER)?.image ?? container?.image;
      return { kind: 'failed', message: `its image ${image ?? ''} cannot be used: ${detail}` };
    }
    if (reason !== undefined && CONFIG_ERRORS.has(reason)) {
      this.#configErrorSince ??= now;
      if (reason === 'CreateContainerError' || now - this.#configErrorSince >= this.timing.configErrorGraceMs)
        return { kind: 'failed', message: `its container cannot be created: ${detail}` };
    } else this.#configErrorSince = undefined;
    if (!late) return { kind: 'waiting' };
    const conditions = pod.status?.conditions ?? [];
    const scheduled = conditions.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False')
      return {
        kind: 'preempted',
        message:
          `pod ${name} was not scheduled ${patience}: ${scheduled.reason ?? 'Unschedulable'}` +
          `${scheduled.message !== undefined ? `: ${scheduled.message}` : ''}`,
      };
    const sandbox = conditions.find((c) => SANDBOX_READY.has(c.type));
    if (reason !== 'ContainerCreating' || sandbox?.status === 'True') return { kind: 'waiting' };
    return {
      kind: 'failed',
      message:
        `pod ${name} did not get past ${detail} ${patience}` +
        (sandbox !== undefined ? ': its sandbox (volumes, network) was not ready' : ''),
      eventsOf: name,
    };
  }
}
