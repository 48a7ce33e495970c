import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InvalidParameterError, InvalidStateError } from '../../../shared/index.js';
import type { DriftTask, DriftTaskResult } from './drift-tasks.js';
import { errorFromWorker, type PostedError } from './worker-errors.js';

/** At most this many threads (`--threads` and the pool size are checked against it). */
export const MAX_DRIFT_THREADS = 64;

/** The default pool size: the cores this process may use (`os.availableParallelism()`). */
export function defaultDriftThreads(): number {
  return Math.max(1, Math.min(MAX_DRIFT_THREADS, availableParallelism()));
}

/** Checks a thread count from the user (`--threads`): an integer from 1 to {@link MAX_DRIFT_THREADS}. */
export function parseDriftThreads(value: string | number): number {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_DRIFT_THREADS) {
    throw new InvalidParameterError(
      `threads must be an integer from 1 to ${MAX_DRIFT_THREADS}, got '${String(value)}'`,
    );
  }
  return n;
}

type Answer =
  | { readonly id: number; readonly ok: true; readonly result: DriftTaskResult }
  | { readonly id: number; readonly ok: false; readonly error: PostedError };

interface Pending {
  readonly id: number;
  readonly task: DriftTask;
  readonly resolve: (result: DriftTaskResult) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  busy: Pending | undefined;
}

/**
 * The worker's entry point: drift-worker.js beside this module in the build. When the sources run as TypeScript
 * (tsx, Vitest), Node 20 does not pass the parent's loader hooks to a worker, so a one-line ES module (a data:
 * URL) registers tsx in the worker first and then imports drift-worker.ts.
 */
function workerEntry(): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./drift-worker.js', here);
  // require.resolve gives tsx's CommonJS build of the API (index.cjs); the ES module one sits beside it.
  const api = createRequire(here)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const tsx = pathToFileURL(api).href;
  const entry = new URL('./drift-worker.ts', here).href;
  const source =
    `import { register } from ${JSON.stringify(tsx)}; register(); ` +
    `await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/**
 * A fixed-size pool of worker threads for drift computations: columns are independent, so a dataset's columns
 * run on all cores. Tasks queue in order and each idle thread takes the next; threads start on first use. A
 * Float64Array on a SharedArrayBuffer (what the file readers produce) reaches a worker without a copy; any other
 * is copied for the task. An error a task raises comes back as the same typed error (an InvalidParameterError
 * stays one). Idle threads do not keep the process alive, and {@link close} stops them all.
 *
 * @example
 * const pool = new DriftWorkerPool(4);
 * try { const r = await pool.run({ kind: 'ks-wasserstein', reference, current }); } finally { await pool.close(); }
 */
export class DriftWorkerPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private closed = false;

  constructor(size: number = defaultDriftThreads()) {
    this.size = parseDriftThreads(size);
  }

  /** Runs one task on the next free thread. */
  run(task: DriftTask): Promise<DriftTaskResult> {
    if (this.closed) return Promise.reject(new InvalidStateError('the drift worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every thread; tasks not yet answered are rejected. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopped = new InvalidStateError('the drift worker pool was closed before the task finished');
    for (const pending of this.queue.splice(0)) pending.reject(stopped);
    const slots = this.slots.splice(0);
    for (const slot of slots) slot.busy?.reject(stopped);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.busy === undefined);
      if (slot === undefined) {
        if (this.slots.length >= this.size) return;
        slot = this.start();
      }
      const pending = this.queue.shift()!;
      slot.busy = pending;
      slot.worker.ref();
      slot.worker.postMessage({ id: pending.id, task: sendable(pending.task) });
    }
  }

  private start(): Slot {
    const worker = new Worker(workerEntry());
    const slot: Slot = { worker, busy: undefined };
    worker.on('message', (answer: Answer) => {
      const pending = slot.busy;
      if (pending === undefined || pending.id !== answer.id) return;
      slot.busy = undefined;
      worker.unref();
      if (answer.ok) pending.resolve(answer.result);
      else pending.reject(errorFromWorker(answer.error));
      this.dispatch();
    });
    // A thread that dies (out of memory, a bug) fails its task and is replaced by a new one on demand.
    const fail = (error: Error): void => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      const pending = slot.busy;
      slot.busy = undefined;
      pending?.reject(error);
      if (!this.closed) this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`a drift worker thread exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }
}

/**
 * The task as it is posted: a Float64Array view on part of an ordinary ArrayBuffer is cut out first, since
 * posting a view clones its whole buffer (a column of a file read into one buffer would copy the file).
 */
function sendable(task: DriftTask): DriftTask {
  return { ...task, reference: own(task.reference), current: own(task.current) } as DriftTask;
}

function own<T>(values: T): T {
  if (!(values instanceof Float64Array)) return values;
  if (values.buffer instanceof SharedArrayBuffer) return values;
  if (values.byteOffset === 0 && values.byteLength === values.buffer.byteLength) return values;
  return values.slice() as T;
}
