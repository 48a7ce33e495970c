import type { Kysely } from 'kysely';
import type { Database, DatabaseHandle } from '../../db/index.js';
import { generateToken, hashToken, isWellFormedToken } from '../../security/users/index.js';
import type { StepTokenTables } from './step-token-tables.js';

/**
 * What a step token may do: everything its user may do, narrowed to reading the pipeline's experiment (runs,
 * metrics, artifacts: the pipeline's inputs and upstream outputs) and writing only the step's own MLflow run.
 * Nothing else: no other experiment, no registered model, no admin, user, secret or pipeline route.
 */
export interface StepTokenScope {
  /** The pipeline's experiment: the only one the token may read. */
  experimentId: string;
  /** The step's own MLflow run: the only run the token may write. */
  runId: string;
  pipelineRunId: string;
  stepRunId: string;
}

/** Why a step token is refused (for the audit log of failed sign-ins). */
export type StepTokenRefusal = 'revoked_token' | 'expired_token';

/** The outcome of presenting a bearer token that may be a step token. */
export type StepTokenCheck =
  | { status: 'not-a-step-token' }
  | { status: 'refused'; reason: StepTokenRefusal }
  | { status: 'valid'; username: string; scope: StepTokenScope };

/** One issued token: the secret (goes into the step's environment only) and how to keep it alive or end it. */
export interface IssuedStepToken {
  token: string;
  /** Pushes the expiry to `now + ttl` (called while the step runs). */
  renew(): Promise<void>;
  /** Ends the token at once (called when the step's process has ended). Harmless twice. */
  revoke(): Promise<void>;
}

/** What the executor needs to give a step a token; undefined when auth is off (no token is needed). */
export interface StepTokenIssuer {
  /** How often a running step's token is renewed (the renewal window is `ttlMs`). */
  readonly renewEveryMs: number;
  issue(input: {
    username: string;
    pipelineRunId: string;
    stepRunId: string;
    mlflowRunId: string;
    experimentId: string;
  }): Promise<IssuedStepToken>;
}

export interface StepTokenServiceOptions {
  handle: Pick<DatabaseHandle, 'db'>;
  /** Epoch milliseconds. */
  now(): number;
  /** How long a token lives without renewal: a server that dies leaves tokens valid at most this long. */
  ttlMs?: number;
}

/**
 * Short-lived bearer tokens for pipeline step processes (issue 12, point 2). A token has the shape of an API
 * token (`bsn_…`, so the unchanged `mlflow` client sends it as `Authorization: Bearer`, from
 * MLFLOW_TRACKING_TOKEN), is stored only as its SHA-256, lives `ttlMs` (15 minutes by default) unless renewed
 * while its step runs, and is revoked when the step's process ends. The server's auth hook asks `check` before
 * the user tokens; the authorization hook applies the scope.
 *
 * @example
 * const issued = await tokens.issue({ username: 'alice', pipelineRunId, stepRunId, mlflowRunId, experimentId });
 * env.MLFLOW_TRACKING_TOKEN = issued.token; // ... when the process ends:
 * await issued.revoke();
 */
export class StepTokenService implements StepTokenIssuer {
  readonly #db: Kysely<Database & StepTokenTables>;
  readonly #now: () => number;
  #lastPurge = Number.NEGATIVE_INFINITY;
  readonly ttlMs: number;
  readonly renewEveryMs: number;

  constructor(options: StepTokenServiceOptions) {
    this.#db = options.handle.db.withTables<StepTokenTables>();
    this.#now = options.now;
    this.ttlMs = options.ttlMs ?? 15 * 60_000;
    this.renewEveryMs = Math.max(1, Math.floor(this.ttlMs / 3));
  }

  async issue(input: {
    username: string;
    pipelineRunId: string;
    stepRunId: string;
    mlflowRunId: string;
    experimentId: string;
  }): Promise<IssuedStepToken> {
    const token = generateToken();
    const tokenHash = hashToken(token);
    const now = this.#now();
    // Ended tokens are dropped a day later, checked at most once an hour as steps start.
    if (now - this.#lastPurge >= 60 * 60_000) {
      this.#lastPurge = now;
      await this.purge();
    }
    await this.#db
      .insertInto('pipeline_step_tokens')
      .values({
        token_hash: tokenHash,
        username: input.username,
        pipeline_run_id: input.pipelineRunId,
        step_run_id: input.stepRunId,
        mlflow_run_id: input.mlflowRunId,
        experiment_id: input.experimentId,
        created_at: now,
        expires_at: now + this.ttlMs,
        revoked_at: null,
      })
      .execute();
    return {
      token,
      renew: async () => {
        await this.#db
          .updateTable('pipeline_step_tokens')
          .set({ expires_at: this.#now() + this.ttlMs })
          .where('token_hash', '=', tokenHash)
          .where('revoked_at', 'is', null)
          .execute();
      },
      revoke: async () => {
        // expires_at moves to now as well, so that `purge` finds ended tokens through the expiry index alone.
        const at = this.#now();
        await this.#db
          .updateTable('pipeline_step_tokens')
          .set({ revoked_at: at, expires_at: at })
          .where('token_hash', '=', tokenHash)
          .where('revoked_at', 'is', null)
          .execute();
      },
    };
  }

  /** Whether `token` is a step token, and if so whether it is still valid and what it may do. */
  async check(token: string): Promise<StepTokenCheck> {
    if (!isWellFormedToken(token)) return { status: 'not-a-step-token' };
    const row = await this.#db
      .selectFrom('pipeline_step_tokens')
      .selectAll()
      .where('token_hash', '=', hashToken(token))
      .executeTakeFirst();
    if (row === undefined) return { status: 'not-a-step-token' };
    if (row.revoked_at !== null) return { status: 'refused', reason: 'revoked_token' };
    if (Number(row.expires_at) <= this.#now()) return { status: 'refused', reason: 'expired_token' };
    return {
      status: 'valid',
      username: row.username,
      scope: {
        experimentId: row.experiment_id,
        runId: row.mlflow_run_id,
        pipelineRunId: row.pipeline_run_id,
        stepRunId: row.step_run_id,
      },
    };
  }

  /** Deletes tokens that ended (revoked or expired) more than `olderThanMs` ago; returns how many. */
  async purge(olderThanMs = 24 * 60 * 60_000): Promise<number> {
    const before = this.#now() - olderThanMs;
    const result = await this.#db
      .deleteFrom('pipeline_step_tokens')
      .where('expires_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
