import type { Kysely } from 'kysely';
import type { DatabaseHandle } from '../../db/index.js';
import type { WorkerLabels } from './worker-labels.js';

/** Rows of migration 0027 (see 0027-pipeline-workers.ts for what each column means). */
type WorkerTables = {
  pipeline_workers: {
    worker_id: string;
    name: string;
    host: string;
    pid: number;
    labels: string;
    concurrency: number;
    running: number;
    state: string;
    started_at: number | string;
    heartbeat_at: number | string;
  };
  pipeline_worker_attempts: {
    job_id: string;
    queue: string;
    step_run_id: string;
    attempt: number;
    state: string;
    worker_id: string | null;
    cancel: string | null;
    mlflow_run_id: string | null;
    pid: number | null;
    result: string | null;
    created_at: number | string;
    updated_at: number | string;
  };
};

/** A worker silent this long is lost: the server hands its attempts back (its `--worker-timeout-ms`). */
export const DEFAULT_WORKER_TIMEOUT_MS = 30_000;

/** A worker as the server lists it. */
export interface WorkerInfo {
  workerId: string;
  name: string;
  host: string;
  pid: number;
  labels: WorkerLabels;
  concurrency: number;
  running: number;
  state: 'active' | 'draining' | 'stopped';
  startedAt: number;
  heartbeatAt: number;
}

/** Where an attempt sent to the workers is (see migration 0027). */
export type WorkerAttemptState = 'queued' | 'running' | 'done' | 'lost';

/** One attempt sent to the queue, as the server and the worker see it. */
export interface WorkerAttemptRow {
  jobId: string;
  queue: string;
  stepRunId: string;
  attempt: number;
  state: WorkerAttemptState;
  workerId: string | undefined;
  cancel: string | undefined;
  mlflowRunId: string | undefined;
  pid: number | undefined;
  result: string | undefined;
  /** The heartbeat and name of the worker running it, when it is running. */
  workerHeartbeatAt: number | undefined;
  workerName: string | undefined;
}

const attemptStates: readonly WorkerAttemptState[] = ['queued', 'running', 'done', 'lost'];
const workerStates: readonly WorkerInfo['state'][] = ['active', 'draining', 'stopped'];

function toLabels(text: string): WorkerLabels {
  const v = JSON.parse(text) as Partial<WorkerLabels>;
  return {
    cpu: Number(v.cpu ?? 0),
    memoryBytes: Number(v.memoryBytes ?? 0),
    gpu: Number(v.gpu ?? 0),
    spot: v.spot === true,
  };
}

/**
 * The workers' own rows: who is alive (heartbeats), which attempt runs where, cancellations and results. Both the
 * server (`WorkersBackend`) and `bosun worker` (`PipelineWorker`) use it; every change of an attempt's state is a
 * conditional update, so a result and a hand-back cannot both win.
 */
export class WorkerStore {
  readonly #db: Kysely<WorkerTables>;

  constructor(handle: Pick<DatabaseHandle, 'db'>) {
    this.#db = handle.db.withTables<WorkerTables>() as unknown as Kysely<WorkerTables>;
  }

  async register(worker: Omit<WorkerInfo, 'running' | 'state'>): Promise<void> {
    await this.#db
      .insertInto('pipeline_workers')
      .values({
        worker_id: worker.workerId,
        name: worker.name,
        host: worker.host,
        pid: worker.pid,
        labels: JSON.stringify(worker.labels),
        concurrency: worker.concurrency,
        running: 0,
        state: 'active',
        started_at: worker.startedAt,
        heartbeat_at: worker.heartbeatAt,
      })
      .execute();
  }

  /** Records a heartbeat; false when the row is gone. */
  async heartbeat(
    workerId: string,
    patch: { running: number; state: WorkerInfo['state'] },
    now: number,
  ): Promise<boolean> {
    const r = await this.#db
      .updateTable('pipeline_workers')
      .set({ heartbeat_at: now, running: patch.running, state: patch.state })
      .where('worker_id', '=', workerId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Workers still running or stopped since `since` (ms), newest heartbeat first. */
  async listWorkers(since: number): Promise<WorkerInfo[]> {
    const rows = await this.#db
      .selectFrom('pipeline_workers')
      .selectAll()
      .where((eb) => eb.or([eb('state', '!=', 'stopped'), eb('heartbeat_at', '>=', since)]))
      .orderBy('name')
      .orderBy('started_at')
      .execute();
    return rows.map((r) => ({
      workerId: r.worker_id,
      name: r.name,
      host: r.host,
      pid: r.pid,
      labels: toLabels(r.labels),
      concurrency: r.concurrency,
      running: r.running,
      state: workerStates.includes(r.state as WorkerInfo['state'])
        ? (r.state as WorkerInfo['state'])
        : 'stopped',
      startedAt: Number(r.started_at),
      heartbeatAt: Number(r.heartbeat_at),
    }));
  }

  /** Forgets workers that stopped (or went silent) before `before` and have no attempt left running. */
  async forgetWorkers(before: number): Promise<void> {
    await this.#db
      .deleteFrom('pipeline_workers')
      .where('heartbeat_at', '<', before)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('pipeline_worker_attempts as a')
              .select('a.job_id')
              .whereRef('a.worker_id', '=', 'pipeline_workers.worker_id')
              .where('a.state', '=', 'running'),
          ),
        ),
      )
      .execute();
  }

  /** Forgets attempts that ended (done or handed back) before `before`. */
  async forgetAttempts(before: number): Promise<void> {
    await this.#db
      .deleteFrom('pipeline_worker_attempts')
      .where('state', 'in', ['done', 'lost'])
      .where('updated_at', '<', before)
      .execute();
  }

  async insertAttempt(
    row: { jobId: string; queue: string; stepRunId: string; attempt: number },
    now: number,
  ): Promise<void> {
    await this.#db
      .insertInto('pipeline_worker_attempts')
      .values({
        job_id: row.jobId,
        queue: row.queue,
        step_run_id: row.stepRunId,
        attempt: row.attempt,
        state: 'queued',
        created_at: now,
        updated_at: now,
      })
      .execute();
  }

  /** The attempts named, with the heartbeat of the worker running each. */
  async getAttempts(jobIds: readonly string[]): Promise<WorkerAttemptRow[]> {
    if (jobIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('pipeline_worker_attempts as a')
      .leftJoin('pipeline_workers as w', 'w.worker_id', 'a.worker_id')
      .selectAll('a')
      .select(['w.heartbeat_at as worker_heartbeat_at', 'w.name as worker_name'])
      .where('a.job_id', 'in', [...jobIds])
      .execute();
    return rows.map((r) => ({
      jobId: r.job_id,
      queue: r.queue,
      stepRunId: r.step_run_id,
      attempt: r.attempt,
      state: attemptStates.includes(r.state as WorkerAttemptState) ? (r.state as WorkerAttemptState) : 'lost',
      workerId: r.worker_id ?? undefined,
      cancel: r.cancel ?? undefined,
      mlflowRunId: r.mlflow_run_id ?? undefined,
      pid: r.pid ?? undefined,
      result: r.result ?? undefined,
      workerHeartbeatAt:
        r.worker_heartbeat_at === null || r.worker_heartbeat_at === undefined
          ? undefined
          : Number(r.worker_heartbeat_at),
      workerName: r.worker_name ?? undefined,
    }));
  }

  /** A worker takes a queued attempt; false when it was cancelled (or taken) first. */
  async claim(jobId: string, workerId: string, now: number): Promise<boolean> {
    const r = await this.#db
      .updateTable('pipeline_worker_attempts')
      .set({ state: 'running', worker_id: workerId, updated_at: now })
      .where('job_id', '=', jobId)
      .where('state', '=', 'queued')
      .where('cancel', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async setStarted(
    jobId: string,
    workerId: string,
    started: { mlflowRunId: string; pid: number | undefined },
    now: number,
  ): Promise<void> {
    await this.#db
      .updateTable('pipeline_worker_attempts')
      .set({ mlflow_run_id: started.mlflowRunId, pid: started.pid ?? null, updated_at: now })
      .where('job_id', '=', jobId)
      .where('worker_id', '=', workerId)
      .execute();
  }

  /**
   * Ends an attempt with its result: from `running` (the worker that holds it) or from `queued` (the server,
   * when it cancels one nobody took). False when it had already ended (handed back, or ended by the other side).
   */
  async finish(
    jobId: string,
    from: { state: 'running'; workerId: string } | { state: 'queued' },
    result: string,
    now: number,
  ): Promise<boolean> {
    let q = this.#db
      .updateTable('pipeline_worker_attempts')
      .set({ state: 'done', result, updated_at: now })
      .where('job_id', '=', jobId)
      .where('state', '=', from.state);
    if (from.state === 'running') q = q.where('worker_id', '=', from.workerId);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** The server hands back an attempt whose worker went silent; false when its result came first. */
  async markLost(jobId: string, fromState: 'running' | 'queued', now: number): Promise<boolean> {
    const r = await this.#db
      .updateTable('pipeline_worker_attempts')
      .set({ state: 'lost', updated_at: now })
      .where('job_id', '=', jobId)
      .where('state', '=', fromState)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Asks whoever runs the attempt to stop it (`why`: cancelled, pipeline-timeout, lease-lost, shutdown). */
  async requestCancel(jobId: string, why: string, now: number): Promise<void> {
    await this.#db
      .updateTable('pipeline_worker_attempts')
      .set({ cancel: why, updated_at: now })
      .where('job_id', '=', jobId)
      .where('cancel', 'is', null)
      .where('state', 'in', ['queued', 'running'])
      .execute();
  }

  /** The attempts a worker holds, as it checks them each heartbeat (cancelled, handed back). */
  async attemptsOf(workerId: string): Promise<WorkerAttemptRow[]> {
    const rows = await this.#db
      .selectFrom('pipeline_worker_attempts')
      .select('job_id')
      .where('worker_id', '=', workerId)
      .where('state', '=', 'running')
      .execute();
    return this.getAttempts(rows.map((r) => r.job_id));
  }

  /** One attempt's row (tests and diagnostics). */
  async getAttempt(jobId: string): Promise<WorkerAttemptRow | undefined> {
    return (await this.getAttempts([jobId]))[0];
  }

  /** Every attempt of a step run, oldest first (tests count executions with it). */
  async attemptsOfStep(stepRunId: string): Promise<WorkerAttemptRow[]> {
    const rows = await this.#db
      .selectFrom('pipeline_worker_attempts')
      .select('job_id')
      .where('step_run_id', '=', stepRunId)
      .orderBy('created_at')
      .execute();
    const found = await this.getAttempts(rows.map((r) => r.job_id));
    const order = new Map(rows.map((r, i) => [r.job_id, i]));
    return found.sort((a, b) => (order.get(a.jobId) ?? 0) - (order.get(b.jobId) ?? 0));
  }
}
