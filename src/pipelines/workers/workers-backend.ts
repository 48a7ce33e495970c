import { randomUUID } from 'node:crypto';
import type { DatabaseHandle } from '../../db/index.js';
import type { KillWhy, StepAttemptRunner, StepBackend } from '../executor/step-backend.js';
import type { Attempt, AttemptResult, LaunchDeps } from '../executor/step-launcher.js';
import { CodeBundleError } from './code-bundle.js';
import { CodeShipping, type CodeBundleRef } from './code-shipping.js';
import { queueName, stepRequirement } from './worker-labels.js';
import { parseAttemptResult, type WorkerJob } from './worker-job.js';
import { StepQueue } from './worker-queue.js';
import { notify, WorkerSignals } from './worker-signals.js';
import { DEFAULT_WORKER_TIMEOUT_MS, WorkerStore, type WorkerAttemptRow } from './worker-store.js';

/** How the server side of the workers executor is built. */
export interface WorkersBackendOptions {
  handle: Pick<DatabaseHandle, 'db'>;
  /** The PostgreSQL database the server uses (pg-boss keeps its queue there, in its own schema). */
  connectionString: string;
  /** How often outstanding attempts are checked (results, starts, silent workers); default 250 ms. */
  pollMs?: number;
  /** A worker whose last heartbeat is older than this is lost: its attempts are handed back (default 30 s). */
  workerTimeoutMs?: number;
  now?: () => number;
  /**
   * How workers get the pipeline's code: shipped as a bundle of the code folder (the default, a `CodeShipping`
   * with its size cap), or `false`: the code sits at the same path on every worker (`--worker-code shared`).
   */
  codeShipping?: CodeShipping | false;
}

interface Pending {
  jobId: string;
  queue: string;
  attempt: Attempt;
  killedFor: KillWhy | undefined;
  startedReported: boolean;
  /** When a queued attempt was last checked for a fetch that nobody claimed. */
  queuedCheckAt: number;
  settle(result: AttemptResult): void;
}

/**
 * The `workers` executor, server side: each attempt becomes a pg-boss job in the queue of its requirement and a
 * row in `pipeline_worker_attempts`; a `bosun worker` whose labels satisfy it takes it, runs it with the local
 * launcher on its own machine and stores the result in that row, which this backend polls. A worker that stops
 * heartbeating has its attempts handed back as `preempted` (the run driver retries them under the preemption
 * budget); the hand-back and the worker's result are conditional updates of the same row, so only one counts.
 *
 * @example
 * const backend = new WorkersBackend({ handle, connectionString: 'postgresql://bosun@db/bosun' });
 * const pipelines = new PipelineService({ ...options, backend });
 */
export class WorkersBackend implements StepBackend {
  readonly name = 'workers';
  readonly store: WorkerStore;
  readonly queue: StepQueue;
  readonly #pending = new Map<string, Pending>();
  readonly #pollMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #again = false;
  #closed = false;
  readonly #signals: WorkerSignals;
  readonly #db: WorkersBackendOptions['handle']['db'];
  readonly #shipping: CodeShipping | false;

  constructor(options: WorkersBackendOptions) {
    this.store = new WorkerStore(options.handle);
    this.queue = new StepQueue(options.connectionString, { maintenance: true });
    this.#db = options.handle.db;
    // A worker that stored a result says so: the next poll runs at once.
    this.#signals = new WorkerSignals(options.connectionString, 'bosun_step_done', () => this.schedule(0));
    this.#pollMs = options.pollMs ?? 250;
    this.#timeoutMs = options.workerTimeoutMs ?? DEFAULT_WORKER_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
    this.#shipping = options.codeShipping ?? new CodeShipping();
  }

  prepare(deps: LaunchDeps, attempt: Attempt): StepAttemptRunner {
    let pending: Pending | undefined;
    let killedFor: KillWhy | undefined;
    return {
      run: () =>
        new Promise<AttemptResult>((resolve, reject) => {
          const jobId = randomUUID();
          const queue = queueName(stepRequirement(attempt.spec.resources));
          const { onStarted: _onStarted, ...fields } = attempt;
          const job: WorkerJob = {
            v: 1,
            attempt: fields,
            python: deps.python,
            stepTokens: deps.stepTokens !== undefined,
          };
          const shipping = this.#shipping;
          const entry: Pending = {
            jobId,
            queue,
            attempt,
            killedFor,
            startedReported: false,
            queuedCheckAt: this.#now(),
            settle: (result) => {
              if (!this.#pending.delete(jobId)) return;
              resolve(result);
            },
          };
          pending = entry;
          (async () => {
            if (shipping !== false) {
              let codeBundle: CodeBundleRef;
              try {
                codeBundle = await shipping.bundleFor(deps, attempt);
              } catch (err) {
                if (!(err instanceof CodeBundleError)) throw err;
                resolve({ kind: 'failed', reason: err.message });
                return;
              }
              job.codeBundle = codeBundle;
            }
            await this.store.insertAttempt(
              { jobId, queue, stepRunId: attempt.stepRunId, attempt: attempt.attempt },
              this.#now(),
            );
            this.#signals.listen();
            await this.queue.send(queue, jobId, job);
            await notify(this.#db, 'bosun_step_queued');
            // Watched once the job exists, so that cancelling a queued attempt cancels its job too.
            this.#pending.set(jobId, entry);
            if (entry.killedFor !== undefined)
              await this.store.requestCancel(jobId, entry.killedFor, this.#now());
            this.schedule(0);
          })().catch((err: unknown) => {
            this.#pending.delete(jobId);
            reject(err instanceof Error ? err : new Error(String(err)));
          });
        }),
      kill: (why) => {
        killedFor ??= why;
        if (pending === undefined) return;
        pending.killedFor ??= why;
        void this.store.requestCancel(pending.jobId, why, this.#now()).catch(() => undefined);
        this.schedule(0);
      },
    };
  }

  /** Stops polling and closes the queue's connections; attempts still outstanding are left to the run driver. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#signals.close();
    await this.queue.stop();
  }

  private schedule(ms: number): void {
    if (this.#closed || this.#pending.size === 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.poll(), ms);
    this.#timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.#polling) {
      this.#again = true;
      return;
    }
    this.#polling = true;
    this.#again = false;
    try {
      const rows = await this.store.getAttempts([...this.#pending.keys()]);
      for (const row of rows) {
        const entry = this.#pending.get(row.jobId);
        if (entry !== undefined) await this.check(entry, row).catch(() => undefined);
      }
    } catch {
      // The database is unreachable for now: try again at the next round.
    } finally {
      this.#polling = false;
      this.schedule(this.#again ? 0 : this.#pollMs);
    }
  }

  private async check(entry: Pending, row: WorkerAttemptRow): Promise<void> {
    const now = this.#now();
    if (!entry.startedReported && row.mlflowRunId !== undefined) {
      entry.startedReported = true;
      // No pid: it is a process on the worker's machine, which this server must never signal.
      await entry.attempt.onStarted({ mlflowRunId: row.mlflowRunId, pid: undefined });
    }
    switch (row.state) {
      case 'done':
        entry.settle(parseAttemptResult(row.result ?? ''));
        return;
      case 'lost':
        entry.settle(this.lostResult(entry, row));
        return;
      case 'queued': {
        if (entry.killedFor !== undefined) {
          const result: AttemptResult = { kind: 'killed', why: entry.killedFor };
          if (await this.store.finish(row.jobId, { state: 'queued' }, JSON.stringify(result), now)) {
            await this.queue.cancel(row.queue, row.jobId).catch(() => undefined);
            entry.settle(result);
          }
          return;
        }
        // Fetched by a worker that died before it claimed the attempt: pg-boss shows the job taken, nobody runs it.
        if (now - entry.queuedCheckAt >= this.#timeoutMs) {
          entry.queuedCheckAt = now;
          if (
            (await this.queue.jobState(row.queue, row.jobId)) === 'active' &&
            (await this.store.markLost(row.jobId, 'queued', now))
          )
            entry.settle(this.lostResult(entry, row));
        }
        return;
      }
      case 'running': {
        const silent = row.workerHeartbeatAt === undefined || now - row.workerHeartbeatAt > this.#timeoutMs;
        if (silent && (await this.store.markLost(row.jobId, 'running', now)))
          entry.settle(this.lostResult(entry, row));
        return;
      }
    }
  }

  private lostResult(entry: Pending, row: WorkerAttemptRow): AttemptResult {
    if (entry.killedFor !== undefined) return { kind: 'killed', why: entry.killedFor };
    const who = row.workerName !== undefined ? `worker '${row.workerName}'` : 'the worker that took it';
    return {
      kind: 'preempted',
      reason: `preempted: ${who} stopped heartbeating (no heartbeat for ${Math.round(this.#timeoutMs / 1000)} s)`,
    };
  }
}
