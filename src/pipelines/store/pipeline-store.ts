import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database, DatabaseHandle } from '../../db/index.js';
import { isUniqueViolation } from '../../db/index.js';
import { InvalidStateError, NotFoundError } from '../../shared/index.js';
import type {
  CacheParts,
  OutputValue,
  PipelineDefinition,
  PipelineRun,
  StepPatch,
  StepRun,
} from './pipeline-store-types.js';
import type { PipelineRunsTable, PipelineStepRunsTable, PipelineTables } from './pipeline-tables.js';
import { usageOfRow } from '../cost/cost-row.js';
import { attemptUsageColumns } from './attempt-usage-columns.js';
import {
  canTransition,
  parseRunStatus,
  parseStepState,
  type RunStatus,
  type StepState,
} from './step-state.js';

type Db = Kysely<Database & PipelineTables>;

const json = (value: unknown): string => JSON.stringify(value);
const opt = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

function parseJson<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

function toDefinition(row: Selectable<PipelineTables['pipeline_definitions']>): PipelineDefinition {
  return {
    definitionId: row.definition_id,
    name: row.name,
    version: Number(row.version),
    spec: JSON.parse(row.spec) as unknown,
    digest: row.digest,
    codeDir: opt(row.code_dir),
    experimentId: row.experiment_id,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}

function toRun(row: Selectable<PipelineRunsTable>): PipelineRun {
  return {
    runId: row.run_id,
    definitionId: row.definition_id,
    pipelineName: row.pipeline_name,
    experimentId: row.experiment_id,
    status: parseRunStatus(row.status),
    params: JSON.parse(row.params) as Record<string, unknown>,
    codeDir: row.code_dir,
    error: opt(row.error),
    cancelRequested: Number(row.cancel_requested) === 1,
    leaseOwner: opt(row.lease_owner),
    leaseExpiresAt: row.lease_expires_at === null ? undefined : Number(row.lease_expires_at),
    resumes: Number(row.resumes),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    startedAt: row.started_at === null ? undefined : Number(row.started_at),
    endedAt: row.ended_at === null ? undefined : Number(row.ended_at),
  };
}

const num = (v: number | null): number | undefined => (v === null ? undefined : Number(v));

function toStep(row: Selectable<PipelineStepRunsTable>): StepRun {
  return {
    stepRunId: row.step_run_id,
    runId: row.run_id,
    step: row.step,
    itemIndex: Number(row.item_index),
    item: parseJson<unknown>(row.item),
    phase: row.phase === 'exit' ? 'exit' : 'main',
    state: parseStepState(row.state),
    reason: opt(row.reason),
    failureAttempts: Number(row.failure_attempts),
    preemptionAttempts: Number(row.preemption_attempts),
    attempt: Number(row.attempt),
    notBefore: num(row.not_before),
    leaseOwner: opt(row.lease_owner),
    leaseExpiresAt: num(row.lease_expires_at),
    host: opt(row.host),
    pid: num(row.pid),
    mlflowRunId: opt(row.mlflow_run_id),
    exitCode: num(row.exit_code),
    outputs: parseJson<Record<string, OutputValue>>(row.outputs),
    cacheKey: opt(row.cache_key),
    cacheParts: parseJson<CacheParts>(row.cache_parts),
    cachedFrom: opt(row.cached_from),
    startedAt: num(row.started_at),
    endedAt: num(row.ended_at),
    updatedAt: Number(row.updated_at),
    ...usageOfRow(row),
  };
}

function patchColumns(patch: StepPatch): Updateable<PipelineStepRunsTable> {
  const set: Updateable<PipelineStepRunsTable> = {};
  if ('reason' in patch) set.reason = patch.reason ?? null;
  if (patch.failureAttempts !== undefined) set.failure_attempts = patch.failureAttempts;
  if (patch.preemptionAttempts !== undefined) set.preemption_attempts = patch.preemptionAttempts;
  if (patch.attempt !== undefined) set.attempt = patch.attempt;
  if ('notBefore' in patch) set.not_before = patch.notBefore ?? null;
  if ('host' in patch) set.host = patch.host ?? null;
  if ('pid' in patch) set.pid = patch.pid ?? null;
  if ('mlflowRunId' in patch) set.mlflow_run_id = patch.mlflowRunId ?? null;
  if ('exitCode' in patch) set.exit_code = patch.exitCode ?? null;
  if ('outputs' in patch) set.outputs = patch.outputs === undefined ? null : json(patch.outputs);
  if ('cacheKey' in patch) set.cache_key = patch.cacheKey ?? null;
  if ('cacheParts' in patch) set.cache_parts = patch.cacheParts === undefined ? null : json(patch.cacheParts);
  if ('cachedFrom' in patch) set.cached_from = patch.cachedFrom ?? null;
  if ('startedAt' in patch) set.started_at = patch.startedAt ?? null;
  if ('endedAt' in patch) set.ended_at = patch.endedAt ?? null;
  if (patch.clearLease === true) {
    set.lease_owner = null;
    set.lease_expires_at = null;
  }
  return set;
}

/** A new step run: pending unless the planner already knows better (skipped, failed). */
export interface NewStepRun {
  runId: string;
  step: string;
  itemIndex: number;
  item?: unknown;
  phase: 'main' | 'exit';
}

/** What a run row starts as. */
export interface NewPipelineRun {
  runId: string;
  definitionId: string;
  pipelineName: string;
  experimentId: string;
  params: Record<string, unknown>;
  codeDir: string;
  createdBy: string;
}

/**
 * The pipeline tables on SQLite or PostgreSQL: definitions, runs, step runs. Every state change of a step run is
 * a conditional update on the state it leaves (and, leaving `running`, on the lease owner), so it happens once
 * even with several processes on one database; it returns the changed row (no second read), and a change that
 * lost the race returns undefined.
 *
 * @example
 * const store = new PipelineStore(handle);
 * const claimed = await store.claimStep(id, 'server-1', now + 30_000, now, { attempt: 1 }); // the row, or undefined
 */
export class PipelineStore {
  readonly #db: Db;

  constructor(handle: Pick<DatabaseHandle, 'db'>) {
    this.#db = handle.db.withTables<PipelineTables>();
  }

  // ---- definitions ---------------------------------------------------------------------------------------------

  /**
   * Stores a document as the next version of its pipeline; the same document as the latest version (same digest,
   * same code folder) returns that version instead.
   */
  async define(input: {
    name: string;
    spec: unknown;
    digest: string;
    codeDir: string | undefined;
    experimentId: string;
    createdBy: string;
    now: number;
  }): Promise<{ definition: PipelineDefinition; created: boolean }> {
    for (let tries = 0; ; tries++) {
      const latest = await this.latestDefinition(input.name);
      if (latest !== undefined && latest.digest === input.digest && latest.codeDir === input.codeDir) {
        return { definition: latest, created: false };
      }
      const row = {
        definition_id: randomUUID().replaceAll('-', ''),
        name: input.name,
        version: (latest?.version ?? 0) + 1,
        spec: json(input.spec),
        digest: input.digest,
        code_dir: input.codeDir ?? null,
        experiment_id: input.experimentId,
        created_by: input.createdBy,
        created_at: input.now,
      };
      try {
        await this.#db.insertInto('pipeline_definitions').values(row).execute();
        return { definition: toDefinition(row), created: true };
      } catch (err) {
        if (!isUniqueViolation(err) || tries >= 5) throw err;
      }
    }
  }

  async latestDefinition(name: string): Promise<PipelineDefinition | undefined> {
    const row = await this.#db
      .selectFrom('pipeline_definitions')
      .selectAll()
      .where('name', '=', name)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : toDefinition(row);
  }

  /** A version of a pipeline (the latest without `version`); NotFoundError when there is none. */
  async getDefinition(name: string, version?: number): Promise<PipelineDefinition> {
    const found =
      version === undefined
        ? await this.latestDefinition(name)
        : await this.#db
            .selectFrom('pipeline_definitions')
            .selectAll()
            .where('name', '=', name)
            .where('version', '=', version)
            .executeTakeFirst()
            .then((row) => (row === undefined ? undefined : toDefinition(row)));
    if (found === undefined) {
      throw new NotFoundError(
        version === undefined
          ? `Pipeline '${name}' is not defined`
          : `Pipeline '${name}' has no version ${version}`,
      );
    }
    return found;
  }

  async getDefinitionById(definitionId: string): Promise<PipelineDefinition> {
    const row = await this.#db
      .selectFrom('pipeline_definitions')
      .selectAll()
      .where('definition_id', '=', definitionId)
      .executeTakeFirst();
    if (row === undefined) throw new NotFoundError(`Pipeline definition '${definitionId}' not found`);
    return toDefinition(row);
  }

  /** The latest version of every pipeline, by name. */
  async listDefinitions(): Promise<PipelineDefinition[]> {
    const rows = await this.#db
      .selectFrom('pipeline_definitions as d')
      .selectAll('d')
      .where((eb) =>
        eb(
          'd.version',
          '=',
          eb
            .selectFrom('pipeline_definitions as e')
            .select((e) => e.fn.max('e.version').as('v'))
            .whereRef('e.name', '=', 'd.name'),
        ),
      )
      .orderBy('d.name')
      .execute();
    return rows.map(toDefinition);
  }

  // ---- runs ------------------------------------------------------------------------------------------------------

  /** Inserts a run, `running` and leased to `owner` until `leaseExpiresAt`. */
  async createRun(
    input: NewPipelineRun,
    owner: string,
    leaseExpiresAt: number,
    now: number,
  ): Promise<PipelineRun> {
    const row = {
      run_id: input.runId,
      definition_id: input.definitionId,
      pipeline_name: input.pipelineName,
      experiment_id: input.experimentId,
      status: 'running',
      params: json(input.params),
      code_dir: input.codeDir,
      error: null,
      cancel_requested: 0,
      lease_owner: owner,
      lease_expires_at: leaseExpiresAt,
      resumes: 0,
      created_by: input.createdBy,
      created_at: now,
      started_at: now,
      ended_at: null,
    };
    await this.#db.insertInto('pipeline_runs').values(row).execute();
    return toRun(row);
  }

  async getRun(runId: string): Promise<PipelineRun> {
    const row = await this.#db
      .selectFrom('pipeline_runs')
      .selectAll()
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (row === undefined) throw new NotFoundError(`Pipeline run '${runId}' not found`);
    return toRun(row);
  }

  /** Runs, newest first. */
  async listRuns(
    query: { pipeline?: string; status?: RunStatus; limit?: number } = {},
  ): Promise<PipelineRun[]> {
    let q = this.#db.selectFrom('pipeline_runs').selectAll();
    if (query.pipeline !== undefined) q = q.where('pipeline_name', '=', query.pipeline);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('run_id', 'desc')
      .limit(query.limit ?? 100)
      .execute();
    return rows.map(toRun);
  }

  /**
   * Takes (or keeps) the lease of a running run: succeeds when it is free, expired at `now`, or already `owner`'s.
   * The one process holding it drives the run.
   */
  async claimRun(runId: string, owner: string, leaseExpiresAt: number, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('pipeline_runs')
      .set({ lease_owner: owner, lease_expires_at: leaseExpiresAt })
      .where('run_id', '=', runId)
      .where('status', '=', 'running')
      .where((eb) =>
        eb.or([
          eb('lease_owner', 'is', null),
          eb('lease_owner', '=', owner),
          eb('lease_expires_at', '<', now),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Running runs nobody drives: no lease, or one that expired before `now`. */
  async orphanedRuns(now: number): Promise<PipelineRun[]> {
    const rows = await this.#db
      .selectFrom('pipeline_runs')
      .selectAll()
      .where('status', '=', 'running')
      .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_expires_at', '<', now)]))
      .orderBy('created_at')
      .execute();
    return rows.map(toRun);
  }

  /**
   * Extends the leases `owner` holds on a run and its running steps; returns whether cancellation was asked for.
   * False `held` means another process took the run over.
   */
  async heartbeat(
    runId: string,
    owner: string,
    leaseExpiresAt: number,
  ): Promise<{ held: boolean; cancelRequested: boolean }> {
    return this.#db.transaction().execute(async (trx) => {
      const run = await trx
        .updateTable('pipeline_runs')
        .set({ lease_expires_at: leaseExpiresAt })
        .where('run_id', '=', runId)
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      await trx
        .updateTable('pipeline_step_runs')
        .set({ lease_expires_at: leaseExpiresAt })
        .where('run_id', '=', runId)
        .where('state', '=', 'running')
        .where('lease_owner', '=', owner)
        .execute();
      const row = await trx
        .selectFrom('pipeline_runs')
        .select('cancel_requested')
        .where('run_id', '=', runId)
        .executeTakeFirst();
      return {
        held: Number(run.numUpdatedRows) === 1,
        cancelRequested: row !== undefined && Number(row.cancel_requested) === 1,
      };
    });
  }

  /** Asks the process driving a run to cancel it. InvalidStateError when the run has already ended. */
  async requestCancel(runId: string): Promise<PipelineRun> {
    const result = await this.#db
      .updateTable('pipeline_runs')
      .set({ cancel_requested: 1 })
      .where('run_id', '=', runId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    const run = await this.getRun(runId);
    if (Number(result.numUpdatedRows) !== 1) {
      throw new InvalidStateError(`Pipeline run '${runId}' has already ended (${run.status})`);
    }
    return run;
  }

  /** Gives up driving a run without ending it (a server shutting down): another process may take it at once. */
  async releaseRun(runId: string, owner: string): Promise<void> {
    await this.#db
      .updateTable('pipeline_runs')
      .set({ lease_owner: null, lease_expires_at: null })
      .where('run_id', '=', runId)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /** Ends a run `owner` drives; the lease is released. */
  async finishRun(
    runId: string,
    owner: string,
    status: RunStatus,
    error: string | undefined,
    now: number,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('pipeline_runs')
      .set({ status, error: error ?? null, ended_at: now, lease_owner: null, lease_expires_at: null })
      .where('run_id', '=', runId)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Reopens an ended, unsuccessful run for `resume`: running again, leased to `owner`, its failed, cancelled and
   * upstream-skipped step runs (and its exit handlers) back to pending with fresh retry budgets.
   */
  async reopenRun(runId: string, owner: string, leaseExpiresAt: number, now: number): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('pipeline_runs')
        .set((eb) => ({
          status: 'running',
          error: null,
          ended_at: null,
          cancel_requested: 0,
          lease_owner: owner,
          lease_expires_at: leaseExpiresAt,
          resumes: eb('resumes', '+', 1),
        }))
        .where('run_id', '=', runId)
        .where('status', 'in', ['failed', 'cancelled'])
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) {
        const row = await trx
          .selectFrom('pipeline_runs')
          .select('status')
          .where('run_id', '=', runId)
          .executeTakeFirst();
        if (row === undefined) throw new NotFoundError(`Pipeline run '${runId}' not found`);
        throw new InvalidStateError(
          `Pipeline run '${runId}' is ${row.status}: only a failed or cancelled run can be resumed`,
        );
      }
      const reset = {
        state: 'pending',
        reason: null,
        failure_attempts: 0,
        preemption_attempts: 0,
        not_before: null,
        lease_owner: null,
        lease_expires_at: null,
        exit_code: null,
        updated_at: now,
      };
      await trx
        .updateTable('pipeline_step_runs')
        .set(reset)
        .where('run_id', '=', runId)
        .where((eb) =>
          eb.or([
            eb('state', 'in', ['failed', 'cancelled']),
            eb.and([eb('state', '=', 'skipped'), eb('reason', 'like', 'upstream:%')]),
            eb.and([eb('phase', '=', 'exit'), eb('state', 'in', ['succeeded', 'skipped'])]),
          ]),
        )
        .execute();
    });
  }

  // ---- step runs -------------------------------------------------------------------------------------------------

  /** Adds step runs (pending); ones that already exist are left as they are. */
  async addSteps(steps: readonly NewStepRun[], now: number): Promise<void> {
    if (steps.length === 0) return;
    const rows = steps.map((s) => ({
      step_run_id: randomUUID().replaceAll('-', ''),
      run_id: s.runId,
      step: s.step,
      item_index: s.itemIndex,
      item: s.item === undefined ? null : json(s.item),
      phase: s.phase,
      state: 'pending',
      failure_attempts: 0,
      preemption_attempts: 0,
      attempt: 0,
      updated_at: now,
    }));
    for (let i = 0; i < rows.length; i += 200) {
      await this.#db
        .insertInto('pipeline_step_runs')
        .values(rows.slice(i, i + 200))
        .onConflict((oc) => oc.columns(['run_id', 'step', 'item_index']).doNothing())
        .execute();
    }
  }

  async listSteps(runId: string): Promise<StepRun[]> {
    const rows = await this.#db
      .selectFrom('pipeline_step_runs')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('step')
      .orderBy('item_index')
      .execute();
    return rows.map(toStep);
  }

  async getStep(stepRunId: string): Promise<StepRun> {
    const row = await this.#db
      .selectFrom('pipeline_step_runs')
      .selectAll()
      .where('step_run_id', '=', stepRunId)
      .executeTakeFirst();
    if (row === undefined) throw new NotFoundError(`Step run '${stepRunId}' not found`);
    return toStep(row);
  }

  /**
   * Moves a step run from `from` to `to` (which the state machine must allow), setting `patch`; leaving `running`
   * also requires `owner` to hold its lease. Returns the row as changed, in the same statement; undefined when the
   * step run was no longer in `from` (or the lease was lost): someone else changed it first.
   */
  async transition(
    stepRunId: string,
    from: StepState,
    to: StepState,
    patch: StepPatch,
    now: number,
    owner?: string,
  ): Promise<StepRun | undefined> {
    if (!canTransition(from, to)) throw new InvalidStateError(`A step run cannot go from ${from} to ${to}`);
    let q = this.#db
      .updateTable('pipeline_step_runs')
      .set({ ...patchColumns(patch), ...attemptUsageColumns(patch.attemptUsage), state: to, updated_at: now })
      .where('step_run_id', '=', stepRunId)
      .where('state', '=', from);
    if (from === 'running' && owner !== undefined) q = q.where('lease_owner', '=', owner);
    const row = await q.returningAll().executeTakeFirst();
    return row === undefined ? undefined : toStep(row);
  }

  /**
   * pending → running for `owner`, leased until `leaseExpiresAt`: exactly one of several processes claiming the
   * same step run succeeds (and gets the row as claimed); a retry is not claimable before its `not_before`.
   */
  async claimStep(
    stepRunId: string,
    owner: string,
    leaseExpiresAt: number,
    now: number,
    patch: StepPatch,
  ): Promise<StepRun | undefined> {
    const row = await this.#db
      .updateTable('pipeline_step_runs')
      .set({
        ...patchColumns(patch),
        state: 'running',
        lease_owner: owner,
        lease_expires_at: leaseExpiresAt,
        updated_at: now,
      })
      .where('step_run_id', '=', stepRunId)
      .where('state', '=', 'pending')
      .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', now)]))
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toStep(row);
  }

  /**
   * Sets fields of a running step run `owner` holds, without changing its state (its process id, its MLflow run);
   * returns the row as changed, undefined when `owner` no longer holds it.
   */
  async updateRunning(
    stepRunId: string,
    owner: string,
    patch: StepPatch,
    now: number,
  ): Promise<StepRun | undefined> {
    const row = await this.#db
      .updateTable('pipeline_step_runs')
      .set({ ...patchColumns(patch), updated_at: now })
      .where('step_run_id', '=', stepRunId)
      .where('state', '=', 'running')
      .where('lease_owner', '=', owner)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toStep(row);
  }

  /** Running step runs of a run whose lease expired before `now`: their process was lost. */
  async expiredSteps(runId: string, now: number): Promise<StepRun[]> {
    const rows = await this.#db
      .selectFrom('pipeline_step_runs')
      .selectAll()
      .where('run_id', '=', runId)
      .where('state', '=', 'running')
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]))
      .execute();
    return rows.map(toStep);
  }

  /** The newest succeeded step run with this cache key, finished at or after `since`. */
  async findCached(cacheKey: string, since: number | undefined): Promise<StepRun | undefined> {
    let q = this.#db
      .selectFrom('pipeline_step_runs')
      .selectAll()
      .where('cache_key', '=', cacheKey)
      .where('state', '=', 'succeeded');
    if (since !== undefined) q = q.where('ended_at', '>=', since);
    const row = await q.orderBy('ended_at', 'desc').limit(1).executeTakeFirst();
    return row === undefined ? undefined : toStep(row);
  }

  /** The newest step run of `step` (and item) of a pipeline that has a cache key: what `plan` compares with. */
  async latestKeyed(pipelineName: string, step: string, itemIndex: number): Promise<StepRun | undefined> {
    const row = await this.#db
      .selectFrom('pipeline_step_runs as s')
      .innerJoin('pipeline_runs as r', 'r.run_id', 's.run_id')
      .selectAll('s')
      .where('r.pipeline_name', '=', pipelineName)
      .where('s.step', '=', step)
      .where('s.item_index', '=', itemIndex)
      .where('s.state', 'in', ['succeeded', 'cached'])
      .where('s.cache_key', 'is not', null)
      .orderBy('s.updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : toStep(row);
  }
}
