import type { FastifyRequest } from 'fastify';
import type { AuditResource } from '../../security/audit/index.js';
import type { Action } from '../../security/permissions/index.js';

/** Where in a request an identifier is read from. */
export interface FieldRef {
  in: 'body' | 'query' | 'params';
  /** The field's name; with several, the first one present wins (e.g. `run_id` then `run_uuid`). */
  field: string | readonly string[];
}

/**
 * How a request names the experiment it touches: directly, through a run, a logged model or a name, or through
 * an artifact path under the proxy (`<experiment_id>/<run_id>/artifacts/...`).
 */
export type ExperimentLocator =
  /** `orDefault`: the experiment meant when the field is absent (runs/create: the Default experiment). */
  | { by: 'experiment-id'; from: FieldRef; orDefault?: string }
  | { by: 'experiment-name'; from: FieldRef }
  | { by: 'run-id'; from: FieldRef }
  | { by: 'run-ids'; from: FieldRef }
  | { by: 'logged-model-id'; from: FieldRef }
  /** Logged model ids in a list of objects (`metrics[].model_id`, `models[].model_id`) or one field. */
  | { by: 'logged-model-ids'; from: FieldRef; nested?: string }
  | { by: 'artifact-path'; from: FieldRef }
  /** Where a new model version's files come from: `run_id`, `runs:/<run>/…`, `mlflow-artifacts:/<exp>/…`, `models:/m-…`. */
  | { by: 'model-version-source' };

/** How a request names the registered model it touches: by name, or through an approval request's id. */
export type ModelLocator = { by: 'model-name'; from: FieldRef } | { by: 'approval-id'; from: FieldRef };

/**
 * One condition a request must meet. `signed-in`: any authenticated user (searches filter their results to what
 * the caller may read). `self-or-admin`: the username the request names is the caller's own, or the caller is
 * an administrator.
 */
export type Requirement =
  | { kind: 'public' }
  | { kind: 'signed-in' }
  | { kind: 'admin' }
  | { kind: 'self-or-admin'; username: FieldRef }
  | { kind: 'experiment'; action: Action; locate: ExperimentLocator }
  | { kind: 'registered-model'; action: Action; locate: ModelLocator }
  /**
   * An action on a resource whose kind the request names too (MLflow 3's unified grants): `type` holds
   * `experiment` or `registered_model`, `id` the experiment id or model name. Any other kind: administrators only.
   */
  | { kind: 'named-resource'; action: Action; type: FieldRef; id: FieldRef };

/** What a successful response changes in the grants (creators get MANAGE; deleted or renamed models). */
export type AfterSuccess =
  | {
      kind: 'grant-creator';
      resource: 'experiment' | 'registered-model';
      idFromResponse: (body: unknown) => string | undefined;
    }
  | { kind: 'drop-model-grants'; name: FieldRef }
  | { kind: 'rename-model-grants'; from: FieldRef; to: FieldRef };

/** What a request carries that its audit record may name (identifiers only, never values). */
export interface AuditedInput {
  params: unknown;
  body: unknown;
  query: unknown;
}

/**
 * The permission a route needs: every requirement must hold. `audit` names what an audited request touched
 * (route plugins set it with `nameResources` from src/server/audit/audit-resources.ts, or their own function);
 * without it, the resource is named from its ids alone (`resourceOf('ids', …)`).
 */
export interface RoutePolicy {
  require: Requirement[];
  after?: AfterSuccess;
  audit?: (input: AuditedInput) => AuditResource;
}

/** `"<METHOD> <route pattern>"`, e.g. `"POST /api/2.0/mlflow/runs/create"` (ajax-api routes share the api entry). */
export type RouteKey = string;

export type PolicyTable = Readonly<Record<RouteKey, RoutePolicy>>;

/** Reads the field a FieldRef names (the first present, non-empty one); undefined when absent. */
export function readField(request: FastifyRequest, ref: FieldRef): unknown {
  const source = request[ref.in] as Record<string, unknown> | null | undefined;
  if (typeof source !== 'object' || source === null) return undefined;
  for (const field of typeof ref.field === 'string' ? [ref.field] : ref.field) {
    const value = source[field];
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}
