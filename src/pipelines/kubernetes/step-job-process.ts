import { createWriteStream } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { PassThrough, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BatchV1Api, CoreV1Api, CustomObjectsApi, Log, V1Job, V1Pod } from '@kubernetes/client-node';
import type { KillReason, ProcessEnd, RunningProcess } from '../executor/step-process.js';
import { secretMaskingStream } from '../executor/secret-masker.js';
import {
  STEP_CONTAINER,
  attemptSelector,
  stepRunSelector,
  buildStepJob,
  buildStepSecret,
  stepSecretName,
  type StepJobInput,
} from './job-manifest.js';
import { PodLogFollower } from './pod-log-follower.js';
import { PodUsageSampler } from './pod-metrics.js';
import { PendingWatch, type PendingVerdict } from './pod-pending.js';

/** The clients one attempt uses, over one KubeConfig (`custom` reads the metrics API). */
export interface KubeApis {
  batch: BatchV1Api;
  core: CoreV1Api;
  log: Log;
  custom: CustomObjectsApi;
}

/** How often and how long an attempt looks at its Job. */
export interface StepJobTiming {
  /** Between two looks at the pod and the Job. */
  pollMs: number;
  /** How long a kill waits for the Job (and so its pod) to be gone before it settles anyway. */
  deleteWaitMs: number;
  /** How long the log stream may still run once the pod ended. */
  drainMs: number;
  /** A step timeout is `activeDeadlineSeconds`; if the cluster has not ended the Job this much later, Bosun deletes it. */
  deadlineGraceMs: number;
  /**
   * How long after its Job was created a pod may still be unscheduled (or not created) before the attempt ends as
   * preempted, or in `ContainerCreating` with its volumes not mounted before it fails (`--kube-pending-timeout`).
   */
  pendingTimeoutMs: number;
  /** How long `CreateContainerConfigError` may last before it fails the attempt (it shows until the Secret exists). */
  configErrorGraceMs: number;
  /** Between two samples of the metrics API while the pod runs (metrics-server scrapes every 15 s by default). */
  metricsEveryMs: number;
}

/** What one attempt's Job needs beside its manifest input. */
export interface StepJobStart {
  input: StepJobInput;
  /** Values of the names in `input.secretEnv`. */
  secretValues: Record<string, string>;
  /** Masked in the streamed log (secret values and the step token). */
  maskSecrets: readonly string[];
  /** The pod's log goes here (stdout and stderr together: Kubernetes keeps one stream per container). */
  stdoutFile: string;
  /** Why a pod never started (an image that cannot be pulled, no node for it) is written here. */
  stderrFile: string;
  /** The step's timeout, when it has one (also `activeDeadlineSeconds`). */
  timeoutMs: number | undefined;
}

function statusCode(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'number' ? code : undefined;
  }
  return undefined;
}

function describe(error: unknown): string {
  const code = statusCode(error);
  const body = typeof error === 'object' && error !== null ? (error as { body?: unknown }).body : undefined;
  let message: string | undefined;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      message = body.slice(0, 500);
    }
  } else if (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { message?: unknown }).message === 'string'
  )
    message = (body as { message: string }).message;
  message ??= error instanceof Error ? error.message : String(error);
  return code !== undefined ? `Kubernetes API ${code}: ${message}` : message;
}

/** How a pod ended, or undefined while it has not (a pod that does not start is `PendingWatch`'s). */
export function podEnd(pod: V1Pod): ProcessEnd | undefined {
  const status = pod.status;
  const disruption = status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  const container = status?.containerStatuses?.find((c) => c.name === STEP_CONTAINER);
  const terminated = container?.state?.terminated;
  const phase = status?.phase;
  if (phase !== 'Succeeded' && phase !== 'Failed') {
    if (status?.reason === 'NodeLost')
      return { kind: 'preempted', reason: `node lost: ${status.message ?? ''}`.trim() };
    return undefined;
  }
  if (phase === 'Succeeded') return { kind: 'exited', code: 0 };
  if (disruption !== undefined)
    return {
      kind: 'preempted',
      reason:
        `pod disrupted (${disruption.reason ?? 'DisruptionTarget'}): ${disruption.message ?? ''}`.trim(),
    };
  if (status?.reason === 'Evicted')
    return { kind: 'preempted', reason: `pod evicted: ${status.message ?? ''}`.trim() };
  if (pod.metadata?.deletionTimestamp !== undefined)
    return { kind: 'preempted', reason: 'the pod was deleted before its step ended' };
  if (terminated !== undefined) {
    return {
      kind: 'exited',
      code: terminated.exitCode === 0 ? 1 : terminated.exitCode,
      ...(terminated.reason !== undefined ? { reason: terminated.reason } : {}),
    };
  }
  return { kind: 'exited', code: 1, reason: status?.reason ?? 'Failed' };
}

/**
 * How the Job says it ended: past its deadline; or, when its pod is gone (deleted before this process saw it
 * end), failed (a preemption: the pod was taken away) or complete.
 */
export function jobEnd(job: V1Job, podGone: boolean): ProcessEnd | undefined {
  const condition = (type: string) =>
    job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
  const failed = condition('Failed');
  if (failed?.reason === 'DeadlineExceeded') return { kind: 'killed', why: 'timeout' };
  if (!podGone) return undefined;
  if (failed !== undefined)
    return {
      kind: 'preempted',
      reason: `its pod was deleted and the Job failed (${failed.reason ?? 'Failed'}: ${failed.message ?? ''})`,
    };
  if (condition('Complete') !== undefined) return { kind: 'exited', code: 0 };
  return undefined;
}

/**
 * One attempt as a Kubernetes Job, behind the `RunningProcess` contract of a local child process: the Job is
 * created (then its Secret, owned by it), its pod is looked at every `pollMs` (list by the attempt's labels, read
 * the Job), its log is followed into the stdout file through the secret masker, and its end is told as a process
 * end: Succeeded → exit 0; Failed → the container's exit code and reason; evicted, disrupted, deleted or on a lost
 * node → `preempted`; the Job's `DeadlineExceeded` → the timeout; a pod that will not start (`PendingWatch`): an
 * image or container error, or `ContainerCreating` with its volumes not mounted past `pendingTimeoutMs` → a start
 * failure, no node or no pod past `pendingTimeoutMs` → `preempted`, the reason
 * written to the stderr file. The log is followed across dropped connections (`PodLogFollower`) and the pod's usage
 * sampled from the metrics API while it runs (`usage()`). `kill` deletes the Job (propagation Foreground: its pod
 * goes first) and settles once the Job is gone. The Secret is deleted as soon as the attempt ends.
 */
export class StepJobProcess implements RunningProcess {
  readonly pid = undefined;
  readonly ended: Promise<ProcessEnd>;
  #killedFor: KillReason | undefined;
  #wake: (() => void) | undefined;
  #follower: PodLogFollower | undefined;
  #logOut: PassThrough | undefined;
  #logDone: Promise<unknown> = Promise.resolve();
  #sampler: PodUsageSampler | undefined;
  #jobCreatedAt = 0;

  constructor(
    private readonly apis: KubeApis,
    private readonly start: StepJobStart,
    private readonly timing: StepJobTiming,
  ) {
    this.ended = this.drive();
  }

  kill(why: KillReason): void {
    this.#killedFor ??= why;
    this.#wake?.();
  }

  /** Peak memory and estimated CPU time from the metrics API; undefined when it never answered for the pod. */
  usage(): { cpuMs: number; peakRssBytes: number } | undefined {
    return this.#sampler?.usage();
  }

  private get namespace(): string {
    return this.start.input.namespace;
  }

  private get name(): string {
    return this.start.input.name;
  }

  private async drive(): Promise<ProcessEnd> {
    const { input } = this.start;
    let created: V1Job;
    try {
      await this.stopEarlierAttempts();
    } catch (error) {
      return {
        kind: 'spawn-failed',
        message: `could not look for earlier attempts' Jobs: ${describe(error)}`,
      };
    }
    if (this.#killedFor !== undefined) return { kind: 'killed', why: this.#killedFor };
    try {
      created = await this.apis.batch.createNamespacedJob({
        namespace: this.namespace,
        body: buildStepJob(input),
      });
    } catch (error) {
      return { kind: 'spawn-failed', message: `could not create Job ${this.name}: ${describe(error)}` };
    }
    this.#jobCreatedAt = Date.now();
    let deadline: NodeJS.Timeout | undefined;
    try {
      if (input.secretEnv.length > 0) {
        try {
          const uid = created.metadata?.uid;
          await this.apis.core.createNamespacedSecret({
            namespace: this.namespace,
            body: buildStepSecret(input, this.start.secretValues, uid !== undefined ? { uid } : undefined),
          });
        } catch (error) {
          await this.deleteJob();
          return { kind: 'spawn-failed', message: `could not create its Secret: ${describe(error)}` };
        }
      }
      if (this.start.timeoutMs !== undefined) {
        deadline = setTimeout(() => this.kill('timeout'), this.start.timeoutMs + this.timing.deadlineGraceMs);
        deadline.unref();
      }
      return await this.watch();
    } finally {
      if (deadline !== undefined) clearTimeout(deadline);
      await this.drainLog();
      if (input.secretEnv.length > 0) {
        await this.apis.core
          .deleteNamespacedSecret({ name: stepSecretName(this.name), namespace: this.namespace })
          .catch(() => undefined);
      }
    }
  }

  private async watch(): Promise<ProcessEnd> {
    let seenPod: string | undefined;
    let started = false;
    let nextSample = 0;
    const pending = new PendingWatch(this.#jobCreatedAt, this.timing);
    for (;;) {
      const killed = this.#killedFor;
      if (killed !== undefined) {
        await this.deleteJob();
        return { kind: 'killed', why: killed };
      }
      const byJob = await this.jobSays(false);
      if (byJob !== undefined) return byJob;
      const pods = await this.apis.core
        .listNamespacedPod({
          namespace: this.namespace,
          labelSelector: attemptSelector(this.start.input.stepRunId, this.start.input.attempt),
        })
        .catch(() => undefined);
      const pod = pods?.items[0];
      if (pod !== undefined) {
        seenPod = pod.metadata?.name;
        const phase = pod.status?.phase;
        const state = pod.status?.containerStatuses?.find((c) => c.name === STEP_CONTAINER)?.state;
        const ended = state?.terminated !== undefined || phase === 'Succeeded' || phase === 'Failed';
        if (state?.running !== undefined || ended) {
          started = true;
          this.followLog(pod, ended);
        }
        if (state?.running !== undefined && !ended && Date.now() >= nextSample) {
          nextSample = Date.now() + this.timing.metricsEveryMs;
          await this.sample(pod);
        }
        const end = podEnd(pod);
        if (end !== undefined) {
          // A pod on a lost node is still active: its Job goes.
          if (phase !== 'Succeeded' && phase !== 'Failed') await this.deleteJob();
          return end;
        }
        if (!started) {
          const verdict = pending.look(pod, Date.now());
          if (verdict.kind !== 'waiting') return await this.notStarted(verdict, seenPod ?? this.name);
        }
      } else if (pods !== undefined) {
        // Gone: deleted with its Job at the deadline, or by someone else (a preemption).
        const byJobNow = await this.jobSays(true);
        if (byJobNow !== undefined) return byJobNow;
        if (seenPod !== undefined)
          return { kind: 'preempted', reason: `pod ${seenPod} was deleted before its step ended` };
        const verdict = pending.look(undefined, Date.now());
        if (verdict.kind !== 'waiting') return await this.notStarted(verdict, this.name);
      }
      await this.pause(this.timing.pollMs);
    }
  }

  /**
   * A pod that will not start: the reason (with the newest Warning event of the Job when it created no pod, or of
   * the pod stuck in `ContainerCreating`) goes to the stderr file, the Job is deleted, the attempt fails or is
   * preempted.
   */
  private async notStarted(
    verdict: Exclude<PendingVerdict, { kind: 'waiting' }>,
    object: string,
  ): Promise<ProcessEnd> {
    let message = verdict.message;
    const eventsOf =
      verdict.kind === 'failed' ? verdict.eventsOf : object === this.name ? this.name : undefined;
    if (eventsOf !== undefined) {
      const warning = await this.latestWarning(eventsOf);
      if (warning !== undefined) message += ` (${warning})`;
    }
    await appendFile(this.start.stderrFile, `bosun: ${message}\n`).catch(() => undefined);
    await this.deleteJob();
    return verdict.kind === 'failed'
      ? { kind: 'spawn-failed', message }
      : { kind: 'preempted', reason: message };
  }

  /** The newest Warning event about a pod or Job (`FailedCreate: ... exceeded quota`), if the API tells it. */
  private async latestWarning(name: string): Promise<string | undefined> {
    const events = await this.apis.core
      .listNamespacedEvent({ namespace: this.namespace, fieldSelector: `involvedObject.name=${name}` })
      .catch(() => undefined);
    const when = (e: { lastTimestamp?: Date; eventTime?: Date }) =>
      new Date(e.lastTimestamp ?? e.eventTime ?? 0).getTime();
    const last = (events?.items ?? [])
      .filter((e) => e.type === 'Warning')
      .sort((a, b) => when(a) - when(b))
      .at(-1);
    return last !== undefined ? `${last.reason ?? 'Warning'}: ${last.message ?? ''}`.trim() : undefined;
  }

  private async sample(pod: V1Pod): Promise<void> {
    const name = pod.metadata?.name;
    if (name === undefined) return;
    this.#sampler ??= new PodUsageSampler(this.apis.custom, this.namespace, name);
    await this.#sampler.sample();
  }

  /** The end the Job tells by itself: deleted by someone else, past its deadline, or ended with its pod gone. */
  private async jobSays(podGone: boolean): Promise<ProcessEnd | undefined> {
    const job = await this.readJob();
    if (job === 'gone') return { kind: 'preempted', reason: `Job ${this.name} was deleted outside Bosun` };
    return job !== undefined ? jobEnd(job, podGone) : undefined;
  }

  private async readJob(name = this.name): Promise<V1Job | 'gone' | undefined> {
    try {
      return await this.apis.batch.readNamespacedJob({ name, namespace: this.namespace });
    } catch (error) {
      return statusCode(error) === 404 ? 'gone' : undefined;
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /** Follows the pod's log into the stdout file through the masker; `ended`: the container has terminated. */
  private followLog(pod: V1Pod, ended: boolean): void {
    const podName = pod.metadata?.name;
    if (podName === undefined) return;
    if (this.#follower === undefined) {
      const out = new PassThrough();
      const masker: Transform =
        this.start.maskSecrets.length > 0 ? secretMaskingStream(this.start.maskSecrets) : new PassThrough();
      this.#logDone = pipeline(out, masker, createWriteStream(this.start.stdoutFile, { flags: 'a' })).catch(
        () => undefined,
      );
      this.#logOut = out;
      this.#follower = new PodLogFollower(this.apis.log, this.namespace, podName, out);
    }
    this.#follower.poke(ended);
  }

  /** Reads the log to its end (at most `drainMs`; at once on a kill) and closes the stdout file. */
  private async drainLog(): Promise<void> {
    const follower = this.#follower;
    if (follower === undefined) return;
    if (this.#killedFor !== undefined) follower.stop();
    else await follower.finish(this.timing.drainMs);
    this.#logOut?.end();
    await this.#logDone;
  }

  /**
   * An earlier attempt of the same step run whose Job has not ended (its server died, or its lease was lost while
   * the API server was out of reach) is deleted, and gone, before this one starts: no step runs twice at once.
   * Ended attempts' Jobs are left to their TTL (for `kubectl describe`).
   */
  private async stopEarlierAttempts(): Promise<void> {
    const jobs = await this.apis.batch.listNamespacedJob({
      namespace: this.namespace,
      labelSelector: stepRunSelector(this.start.input.stepRunId),
    });
    for (const job of jobs.items) {
      const name = job.metadata?.name;
      if (name === undefined || name === this.name) continue;
      const ended = job.status?.conditions?.some(
        (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
      );
      if (ended !== true) await this.deleteJob(name);
    }
  }

  /** Deletes a Job (this attempt's by default), its pod first (Foreground), and waits until it is gone (at most `deleteWaitMs`). */
  private async deleteJob(name = this.name): Promise<void> {
    try {
      await this.apis.batch.deleteNamespacedJob({
        name,
        namespace: this.namespace,
        propagationPolicy: 'Foreground',
      });
    } catch (error) {
      if (statusCode(error) === 404) return;
    }
    const until = Date.now() + this.timing.deleteWaitMs;
    while (Date.now() < until) {
      if ((await this.readJob(name)) === 'gone') return;
      await new Promise((resolve) => setTimeout(resolve, this.timing.pollMs));
    }
  }
}
