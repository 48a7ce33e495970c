import { createWriteStream } from 'node:fs';
import { PassThrough, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BatchV1Api, CoreV1Api, Log, V1Job, V1Pod } from '@kubernetes/client-node';
import type { KillReason, ProcessEnd, RunningProcess } from '../executor/process-tree.js';
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

/** The three clients one attempt uses, over one KubeConfig. */
export interface KubeApis {
  batch: BatchV1Api;
  core: CoreV1Api;
  log: Log;
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

/** Waiting reasons after which the container will not start without a change (a bad image, a bad spec). */
const HOPELESS_WAITING = new Set([
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerError',
]);

/** How a pod ended, or undefined while it has not. */
export function podEnd(pod: V1Pod): ProcessEnd | undefined {
  const status = pod.status;
  const disruption = status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  const container = status?.containerStatuses?.find((c) => c.name === STEP_CONTAINER);
  const terminated = container?.state?.terminated;
  const phase = status?.phase;
  if (phase !== 'Succeeded' && phase !== 'Failed') {
    const waiting = container?.state?.waiting;
    if (waiting?.reason !== undefined && HOPELESS_WAITING.has(waiting.reason))
      return { kind: 'spawn-failed', message: `${waiting.reason}: ${waiting.message ?? ''}`.trim() };
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
 * node → `preempted`; the Job's `DeadlineExceeded` → the timeout. `kill` deletes the Job (propagation Foreground:
 * its pod goes first) and settles once the Job is gone. The Secret is deleted as soon as the attempt ends.
 */
export class StepJobProcess implements RunningProcess {
  readonly pid = undefined;
  readonly ended: Promise<ProcessEnd>;
  #killedFor: KillReason | undefined;
  #wake: (() => void) | undefined;
  #logAbort: AbortController | undefined;
  #logSink: PassThrough | undefined;
  #logDone: Promise<unknown> = Promise.resolve();
  #logAttempts = 0;

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
        await this.followLog(pod);
        const end = podEnd(pod);
        if (end !== undefined) {
          // A pod that will not start, or on a lost node, is still active: its Job goes.
          const phase = pod.status?.phase;
          if (phase !== 'Succeeded' && phase !== 'Failed') await this.deleteJob();
          return end;
        }
      } else if (pods !== undefined) {
        // Gone: deleted with its Job at the deadline, or by someone else (a preemption).
        const byJobNow = await this.jobSays(true);
        if (byJobNow !== undefined) return byJobNow;
        if (seenPod !== undefined)
          return { kind: 'preempted', reason: `pod ${seenPod} was deleted before its step ended` };
      }
      await this.pause(this.timing.pollMs);
    }
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

  /** Opens the log once the container has started (or ended); a refused request is tried again at the next look. */
  private async followLog(pod: V1Pod): Promise<void> {
    if (this.#logSink !== undefined || this.#logAttempts >= 5) return;
    const state = pod.status?.containerStatuses?.find((c) => c.name === STEP_CONTAINER)?.state;
    if (state?.running === undefined && state?.terminated === undefined) return;
    const podName = pod.metadata?.name;
    if (podName === undefined) return;
    this.#logAttempts += 1;
    const sink = new PassThrough();
    try {
      this.#logAbort = await this.apis.log.log(this.namespace, podName, STEP_CONTAINER, sink, {
        follow: true,
      });
    } catch {
      sink.destroy();
      return;
    }
    this.#logSink = sink;
    const masker: Transform =
      this.start.maskSecrets.length > 0 ? secretMaskingStream(this.start.maskSecrets) : new PassThrough();
    this.#logDone = pipeline(sink, masker, createWriteStream(this.start.stdoutFile, { flags: 'a' })).catch(
      () => undefined,
    );
  }

  /** Waits for the followed log to end (it does when the container ends), at most `drainMs`. */
  private async drainLog(): Promise<void> {
    if (this.#logSink === undefined) return;
    if (this.#killedFor !== undefined) {
      this.#logAbort?.abort();
      this.#logSink.end();
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>(
      (resolve) => (timer = setTimeout(() => resolve('late'), this.timing.drainMs)),
    );
    const outcome = await Promise.race([this.#logDone, late]);
    if (timer !== undefined) clearTimeout(timer);
    if (outcome === 'late') {
      this.#logAbort?.abort();
      this.#logSink.end();
      await this.#logDone;
    }
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
