import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ArtifactRoots } from '../../artifacts/index.js';
import type { DatabaseHandle } from '../../db/index.js';
import type { TrackingService } from '../../tracking/index.js';
import { ArtifactIo } from '../executor/artifact-io.js';
import type { StepSecrets } from '../executor/step-secrets.js';
import { PipFreezeCache } from '../executor/reproducibility.js';
import { localStepBackend, type KillWhy, type StepAttemptRunner } from '../executor/step-backend.js';
import type { AttemptResult, LaunchDeps } from '../executor/step-launcher.js';
import { StepVenvs } from '../executor/step-venv.js';
import type { StepTokenIssuer } from '../step-token/index.js';
import { PipelineStore } from '../store/pipeline-store.js';
import { ProcessGuard } from './process-guard.js';
import {
  capacityLeft,
  howManyFit,
  satisfies,
  type StepRequirement,
  type WorkerLabels,
} from './worker-labels.js';
import { CodeCache } from './code-cache.js';
import { parseWorkerJob } from './worker-job.js';
import { StepQueue, type FetchedJob } from './worker-queue.js';
import { notify, WorkerSignals } from './worker-signals.js';
import { WorkerStore, type WorkerInfo } from './worker-store.js';

/** How a `bosun worker` is built (the CLI passes the platform's services and its flags). */
export interface PipelineWorkerOptions {
  handle: Pick<DatabaseHandle, 'db'>;
  /** The PostgreSQL database of the server (the queue is there). */
  connectionString: string;
  tracking: TrackingService;
  artifactRoots: ArtifactRoots;
  /** The URL step processes log to: the server's (`--tracking-uri`). */
  trackingUri: string;
  /** Issues step tokens when the server has auth on (the token rows are in the shared database). */
  stepTokens?: StepTokenIssuer;
  /** Steps' declared secrets, when this worker has the master key. */
  secrets?: StepSecrets;
  name: string;
  labels: WorkerLabels;
  concurrency: number;
  /** The environment steps start from (see `stepBaseEnvironment`). */
  baseEnv: Record<string, string>;
  /** Overrides the interpreter the server names for script and function steps. */
  python?: string;
  workRoot?: string;
  /** Default 5 s. */
  heartbeatMs?: number;
  /** The server's `workerTimeoutMs`: without a heartbeat stored for half of it, this worker stops its steps. */
  workerTimeoutMs?: number;
  /** Pause between looks at the queue (and at cancellations) when idle; default 500 ms. */
  pollMs?: number;
  /** Told what the worker does (one line each). */
  log?: (line: string) => void;
  now?: () => number;
}

interface Running {
  jobId: string;
  queue: string;
  stepRunId: string;
  attempt: number;
  runner: StepAttemptRunner | undefined;
  killedFor: KillWhy | undefined;
  pid: number | undefined;
  /** Stopped because this worker shuts down (not because the server asked). */
  handedBack: boolean;
  /** What it holds of the worker's CPUs, memory and GPUs (its `resources`). */
  need: StepRequirement;
}

/**
 * One `bosun worker`: registers itself, heartbeats, takes step attempts from the queues its labels satisfy (at
 * most `concurrency` at once), runs each with the local launcher (a child process, an MLflow run nested in the
 * pipeline's, tagged `bosun.pipeline.worker`), and stores each result in the database for the server. Stops
 * an attempt the server cancels or handed back; `drain` stops taking work, lets running attempts finish for a
 * grace period and hands the rest back as preempted.
 *
 * @example
 * const worker = new PipelineWorker({ handle, connectionString, tracking, artifactRoots, trackingUri,
 *   name: 'gpu-1', labels: parseWorkerLabels('gpu=1'), concurrency: 2, baseEnv: stepBaseEnvironment(process.env) });
 * await worker.start();
 * process.on('SIGTERM', () => void worker.drain(30_000));
 */
export class PipelineWorker {
  readonly workerId: string;
  readonly store: WorkerStore;
  readonly #queue: StepQueue;
  readonly #steps: PipelineStore;
  readonly #o: PipelineWorkerOptions;
  readonly #now: () => number;
  readonly #running = new Map<string, Running>();
  readonly #launch: Omit<LaunchDeps, 'python'>;
  /** Shipped code, unpacked once per bundle under `<workRoot>/code`. */
  readonly #code: CodeCache;
  #guard: ProcessGuard | undefined;
  #state: WorkerInfo['state'] = 'active';
  #lastBeat = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  /** A step was queued since the loop last looked (a notification): look again before waiting. */
  #nudged = false;
  readonly #signals: WorkerSignals;
  #loop: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  constructor(options: PipelineWorkerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.workerId = `${options.name}:${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.store = new WorkerStore(options.handle);
    this.#queue = new StepQueue(options.connectionString, {
      maintenance: false,
      max: 2 + options.concurrency,
    });
    this.#steps = new PipelineStore(options.handle);
    this.#signals = new WorkerSignals(options.connectionString, 'bosun_step_queued', () => {
      this.#nudged = true;
      this.#wake?.();
    });
    const workRoot = options.workRoot ?? join(tmpdir(), 'bosun-worker');
    const artifacts = new ArtifactIo(options.artifactRoots);
    this.#code = new CodeCache(join(workRoot, 'code'), artifacts);
    this.#launch = {
      tracking: options.tracking,
      artifacts,
      trackingUri: options.trackingUri,
      baseEnv: options.baseEnv,
      workRoot,
      pipFreeze: new PipFreezeCache(),
      venvs: new StepVenvs(join(workRoot, 'envs')),
      ...(options.secrets !== undefined ? { secrets: options.secrets } : {}),
      now: this.#now,
    };
  }

  /** Attempts running now. */
  get running(): number {
    return this.#running.size;
  }

  /** Registers, starts heartbeating and taking work. */
  async start(): Promise<void> {
    await this.#queue.start();
    this.#signals.listen();
    const now = this.#now();
    // Rows of workers gone for a day are forgotten (the listing shows the last hour's).
    await this.store.forgetWorkers(now - 24 * 3600_000).catch(() => undefined);
    // Attempts that ended a week ago are of no use to anyone (the step runs keep what they did).
    await this.store.forgetAttempts(now - 7 * 24 * 3600_000).catch(() => undefined);
    await this.store.register({
      workerId: this.workerId,
      name: this.#o.name,
      host: hostname(),
      pid: process.pid,
      labels: this.#o.labels,
      concurrency: this.#o.concurrency,
      startedAt: now,
      heartbeatAt: now,
    });
    this.#lastBeat = now;
    this.#guard = new ProcessGuard();
    const beat = () => {
      this.#heartbeat = setTimeout(() => {
        void this.beat().finally(() => {
          if (this.#state !== 'stopped') beat();
        });
      }, this.#o.heartbeatMs ?? 5000);
    };
    beat();
    this.#loop = this.takeWork();
  }

  private log(line: string): void {
    this.#o.log?.(line);
  }

  private async beat(): Promise<void> {
    const now = this.#now();
    const stored = await this.store
      .heartbeat(this.workerId, { running: this.#running.size, state: this.#state }, now)
      .catch(() => false);
    if (stored) {
      this.#lastBeat = now;
      return;
    }
    // The database is out of reach: past half the server's patience, the server may hand our attempts to another
    // worker, so they stop here first.
    if (now - this.#lastBeat > (this.#o.workerTimeoutMs ?? 30_000) / 2 && this.#running.size > 0) {
      this.log(`no heartbeat stored for ${now - this.#lastBeat} ms: stopping ${this.#running.size} step(s)`);
      for (const r of this.#running.values()) this.kill(r, 'lease-lost');
    }
  }

  private kill(r: Running, why: KillWhy): void {
    r.killedFor ??= why;
    r.runner?.kill(why);
  }

  /** The loop: checks cancellations, fills free slots from the queues this worker satisfies, waits. */
  private async takeWork(): Promise<void> {
    const pollMs = this.#o.pollMs ?? 500;
    while (this.#state === 'active') {
      let took = 0;
      try {
        await this.checkRunning();
        const free = this.#o.concurrency - this.#running.size;
        if (free > 0) took = await this.fill(free);
      } catch (err) {
        this.log(`queue: ${(err as Error).message}`);
      }
      if (took > 0 || this.#state !== 'active') continue;
      if (this.#nudged) {
        this.#nudged = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /**
   * Takes jobs for the free slots, bin-packed: a step is taken only while the CPUs, memory and GPUs its
   * `resources` ask for fit in what the running steps leave of this worker's labels. The most demanding queues
   * come first; when one of them has steps waiting that do not fit yet, the loop stops there, so that capacity
   * freed by finishing steps goes to them and a stream of small steps cannot keep a large one waiting for ever.
   */
  private async fill(free: number): Promise<number> {
    const queues = (await this.#queue.stepQueues())
      .filter((q) => satisfies(this.#o.labels, q.need))
      // The most demanding first: a GPU worker serves GPU steps before steps any worker could run.
      .sort(
        (a, b) =>
          b.need.gpu - a.need.gpu ||
          b.need.milliCpu - a.need.milliCpu ||
          b.need.memoryBytes - a.need.memoryBytes,
      );
    const running = [...this.#running.values()].map((r) => r.need);
    let took = 0;
    for (const q of queues) {
      if (free - took <= 0 || this.#state !== 'active') break;
      const fit = howManyFit(capacityLeft(this.#o.labels, running), q.need, free - took);
      if (fit === 0) {
        if ((await this.#queue.waiting(q.name)) > 0) break;
        continue;
      }
      for (const job of await this.#queue.fetch(q.name, fit)) {
        if (await this.begin(job, q.need)) {
          took += 1;
          running.push(q.need);
        }
      }
    }
    return took;
  }

  /** Claims a fetched job's attempt and starts it; false when the server cancelled it first. */
  private async begin(job: FetchedJob, need: StepRequirement): Promise<boolean> {
    const parsed = parseWorkerJob(job.data);
    if (typeof parsed === 'string') {
      this.log(`job ${job.id}: ${parsed}`);
      await this.#queue.complete(job.queue, job.id, { skipped: parsed }).catch(() => undefined);
      return false;
    }
    if (!(await this.store.claim(job.id, this.workerId, this.#now()))) {
      await this.#queue
        .complete(job.queue, job.id, { skipped: 'cancelled before it started' })
        .catch(() => undefined);
      return false;
    }
    const a = parsed.attempt;
    const r: Running = {
      jobId: job.id,
      queue: job.queue,
      stepRunId: a.stepRunId,
      attempt: a.attempt,
      runner: undefined,
      killedFor: undefined,
      pid: undefined,
      handedBack: false,
      need,
    };
    this.#running.set(job.id, r);
    this.log(
      `running ${a.pipelineName}/${a.step}${a.itemIndex >= 0 ? `[${a.itemIndex}]` : ''} attempt ${a.attempt} (${a.parentRunId})`,
    );
    void this.execute(r, parsed.python, parsed.stepTokens, job);
    return true;
  }

  private async execute(r: Running, python: string, stepTokens: boolean, job: FetchedJob): Promise<void> {
    const parsed = parseWorkerJob(job.data);
    let result: AttemptResult;
    try {
      if (typeof parsed === 'string') throw new Error(parsed);
      const deps: LaunchDeps = {
        ...this.#launch,
        python: this.#o.python ?? python,
        ...(stepTokens && this.#o.stepTokens !== undefined ? { stepTokens: this.#o.stepTokens } : {}),
      };
      // Shipped code: the attempt runs in this worker's unpacked copy of the pipeline run's bundle.
      const codeDir =
        parsed.codeBundle !== undefined
          ? await this.#code.folderFor(parsed.codeBundle)
          : parsed.attempt.codeDir;
      const runner = localStepBackend.prepare(deps, {
        ...parsed.attempt,
        codeDir,
        onStarted: async ({ mlflowRunId, pid }) => {
          if (pid !== undefined) {
            r.pid = pid;
            this.#guard?.add(pid);
          }
          await this.store.setStarted(r.jobId, this.workerId, { mlflowRunId, pid }, this.#now());
          await this.#o.tracking.setTag(mlflowRunId, 'bosun.pipeline.worker', this.#o.name);
        },
      });
      r.runner = runner;
      if (r.killedFor !== undefined) runner.kill(r.killedFor);
      result = await runner.run();
    } catch (err) {
      result = { kind: 'failed', reason: `the worker failed to run it: ${(err as Error).message}` };
    }
    if (r.pid !== undefined) this.#guard?.remove(r.pid);
    if (r.handedBack && result.kind === 'killed')
      result = {
        kind: 'preempted',
        reason: `preempted: worker '${this.#o.name}' shut down before the step finished`,
      };
    try {
      const stored = await this.store.finish(
        r.jobId,
        { state: 'running', workerId: this.workerId },
        JSON.stringify(result),
        this.#now(),
      );
      if (stored) await notify(this.#o.handle.db, 'bosun_step_done');
      else this.log(`attempt ${r.jobId}: handed back before its result was stored (result dropped)`);
      await this.#queue.complete(r.queue, r.jobId, { result: result.kind }).catch(() => undefined);
    } catch (err) {
      this.log(`attempt ${r.jobId}: result not stored: ${(err as Error).message}`);
    } finally {
      this.#running.delete(r.jobId);
      this.#wake?.();
    }
  }

  /** Stops attempts the server cancelled or handed back (its row is no longer ours, or asks to stop). */
  private async checkRunning(): Promise<void> {
    if (this.#running.size === 0) return;
    const rows = new Map((await this.store.attemptsOf(this.workerId)).map((row) => [row.jobId, row]));
    const now = this.#now();
    for (const r of this.#running.values()) {
      const row = rows.get(r.jobId);
      if (row === undefined) {
        this.kill(r, 'lease-lost');
        continue;
      }
      if (row.cancel !== undefined) {
        const why = (['cancelled', 'pipeline-timeout', 'lease-lost', 'shutdown'] as const).find(
          (w) => w === row.cancel,
        );
        this.kill(r, why ?? 'cancelled');
        continue;
      }
      // The server that drives the run is gone (its lease on the step ran out) or moved the step on.
      const step = await this.#steps.getStep(r.stepRunId).catch(() => undefined);
      if (
        step !== undefined &&
        (step.state !== 'running' ||
          step.attempt !== r.attempt ||
          (step.leaseExpiresAt !== undefined && step.leaseExpiresAt < now))
      )
        this.kill(r, 'lease-lost');
    }
  }

  /**
   * SIGTERM: stops taking work, lets running attempts finish for `graceMs`, then stops the rest (handed back to
   * the server as preempted), and stops. Idempotent.
   */
  drain(graceMs: number): Promise<void> {
    this.#stopped ??= (async () => {
      this.#state = 'draining';
      this.#wake?.();
      await this.#loop;
      await this.store
        .heartbeat(this.workerId, { running: this.#running.size, state: 'draining' }, this.#now())
        .catch(() => false);
      const deadline = this.#now() + graceMs;
      while (this.#running.size > 0 && this.#now() < deadline) {
        await this.checkRunning().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.#o.pollMs ?? 500, 200)));
      }
      if (this.#running.size > 0) {
        this.log(`grace period over: handing back ${this.#running.size} step(s) as preempted`);
        for (const r of this.#running.values()) {
          r.handedBack = r.killedFor === undefined;
          this.kill(r, 'shutdown');
        }
        while (this.#running.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      this.#state = 'stopped';
      clearTimeout(this.#heartbeat);
      await this.store
        .heartbeat(this.workerId, { running: 0, state: 'stopped' }, this.#now())
        .catch(() => false);
      this.#guard?.stop();
      await this.#signals.close();
      await this.#queue.stop();
    })();
    return this.#stopped;
  }
}
