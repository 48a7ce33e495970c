import type { Kysely, Selectable } from 'kysely';
import type { Database, DatabaseHandle } from '../../db/index.js';
import type { PipelineApprovalsTable, PipelineTables } from './pipeline-tables.js';

type Db = Kysely<Database & PipelineTables>;

/** Where an approval request stands: `waiting` until a person decides, its timeout passes or the run is cancelled. */
export type StepApprovalStatus = 'waiting' | 'approved' | 'rejected' | 'timed_out' | 'cancelled';

export const STEP_APPROVAL_STATUSES: readonly StepApprovalStatus[] = [
  'waiting',
  'approved',
  'rejected',
  'timed_out',
  'cancelled',
];

/** The request (and, once made, the decision) of one approval step run. */
export interface StepApproval {
  stepRunId: string;
  runId: string;
  step: string;
  status: StepApprovalStatus;
  /** What the approver is asked (the spec's message, inputs substituted). */
  message: string | undefined;
  /** Who started the pipeline run (the requester of the registry approval when a model is named). */
  requestedBy: string;
  requestedAt: number;
  /** When `onTimeout` applies; undefined: it waits until decided or cancelled. */
  expiresAt: number | undefined;
  onTimeout: 'approve' | 'reject';
  onReject: 'fail' | 'continue';
  /** The model version the approval promotes, and the registry approval request that shares the decision. */
  model:
    { name: string; version: string; target: string; registryApprovalId: number | undefined } | undefined;
  decidedBy: string | undefined;
  decidedAt: number | undefined;
  comment: string | undefined;
}

/** A new request (status `waiting`). */
export type NewStepApproval = Omit<StepApproval, 'status' | 'decidedBy' | 'decidedAt' | 'comment'>;

function parseStatus(text: string): StepApprovalStatus {
  const status = STEP_APPROVAL_STATUSES.find((s) => s === text);
  if (status === undefined) throw new Error(`unknown approval status '${text}'`);
  return status;
}

const opt = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

function toApproval(row: Selectable<PipelineApprovalsTable>): StepApproval {
  return {
    stepRunId: row.step_run_id,
    runId: row.run_id,
    step: row.step,
    status: parseStatus(row.status),
    message: opt(row.message),
    requestedBy: row.requested_by,
    requestedAt: Number(row.requested_at),
    expiresAt: row.expires_at === null ? undefined : Number(row.expires_at),
    onTimeout: row.on_timeout === 'approve' ? 'approve' : 'reject',
    onReject: row.on_reject === 'continue' ? 'continue' : 'fail',
    model:
      row.model_name !== null && row.model_version !== null && row.target !== null
        ? {
            name: row.model_name,
            version: row.model_version,
            target: row.target,
            registryApprovalId:
              row.registry_approval_id === null ? undefined : Number(row.registry_approval_id),
          }
        : undefined,
    decidedBy: opt(row.decided_by),
    decidedAt: row.decided_at === null ? undefined : Number(row.decided_at),
    comment: opt(row.comment),
  };
}

/**
 * The approval requests of approval steps, in the database (a wait survives a restart). Opening a request moves
 * its step run from pending to waiting in the same transaction; a decision is a conditional update on `waiting`,
 * so of a person approving, another rejecting, the timeout and a cancellation, exactly one wins.
 */
export class PipelineApprovalStore {
  readonly #db: Db;

  constructor(handle: Pick<DatabaseHandle, 'db'>) {
    this.#db = handle.db.withTables<PipelineTables>();
  }

  /**
   * Records a request and moves its step run pending → waiting (with its MLflow run); false (nothing written)
   * when the step run was no longer pending. A request left by an earlier attempt (a resumed run) is replaced.
   */
  async open(
    approval: NewStepApproval,
    step: { mlflowRunId: string; reason: string },
    now: number,
  ): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('pipeline_step_runs')
        .set({
          state: 'waiting',
          mlflow_run_id: step.mlflowRunId,
          reason: step.reason,
          started_at: now,
          ended_at: null,
          attempt: 1,
          updated_at: now,
        })
        .where('step_run_id', '=', approval.stepRunId)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return false;
      await trx.deleteFrom('pipeline_approvals').where('step_run_id', '=', approval.stepRunId).execute();
      await trx
        .insertInto('pipeline_approvals')
        .values({
          step_run_id: approval.stepRunId,
          run_id: approval.runId,
          step: approval.step,
          status: 'waiting',
          message: approval.message ?? null,
          requested_by: approval.requestedBy,
          requested_at: approval.requestedAt,
          expires_at: approval.expiresAt ?? null,
          on_timeout: approval.onTimeout,
          on_reject: approval.onReject,
          model_name: approval.model?.name ?? null,
          model_version: approval.model?.version ?? null,
          target: approval.model?.target ?? null,
          registry_approval_id: approval.model?.registryApprovalId ?? null,
          decided_by: null,
          decided_at: null,
          comment: null,
        })
        .execute();
      return true;
    });
  }

  async get(stepRunId: string): Promise<StepApproval | undefined> {
    const row = await this.#db
      .selectFrom('pipeline_approvals')
      .selectAll()
      .where('step_run_id', '=', stepRunId)
      .executeTakeFirst();
    return row === undefined ? undefined : toApproval(row);
  }

  /** A run's approval requests, by step. */
  async forRun(runId: string): Promise<StepApproval[]> {
    const rows = await this.#db
      .selectFrom('pipeline_approvals')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('requested_at')
      .orderBy('step')
      .execute();
    return rows.map(toApproval);
  }

  /** Requests still waiting for a decision, oldest first (of one pipeline when given). */
  async waiting(query: { pipeline?: string; limit?: number } = {}): Promise<StepApproval[]> {
    let q = this.#db
      .selectFrom('pipeline_approvals as a')
      .innerJoin('pipeline_runs as r', 'r.run_id', 'a.run_id')
      .selectAll('a')
      .where('a.status', '=', 'waiting');
    if (query.pipeline !== undefined) q = q.where('r.pipeline_name', '=', query.pipeline);
    const rows = await q
      .orderBy('a.requested_at')
      .orderBy('a.step_run_id')
      .limit(query.limit ?? 100)
      .execute();
    return rows.map(toApproval);
  }

  /** Decides a waiting request; false when it was no longer waiting (another decision won). */
  async decide(
    stepRunId: string,
    decision: {
      status: Exclude<StepApprovalStatus, 'waiting'>;
      by: string | undefined;
      comment: string | undefined;
    },
    now: number,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('pipeline_approvals')
      .set({
        status: decision.status,
        decided_by: decision.by ?? null,
        decided_at: now,
        comment: decision.comment ?? null,
      })
      .where('step_run_id', '=', stepRunId)
      .where('status', '=', 'waiting')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
