import type { Action } from '../../security/permissions/index.js';
import type { ExperimentLocator, FieldRef, ModelLocator, Requirement, RoutePolicy } from './policy-types.js';

/*
 * The small constructors route plugins write their policy entries with (see src/server/route-plugin.ts).
 * Conventions for MLflow routes follow MLflow's auth app: reading needs READ, changing needs EDIT, deleting,
 * restoring and granting need MANAGE; creating an experiment or a registered model needs only a signed-in user,
 * who then gets MANAGE on it. Searches need a signed-in user and return only what the caller may read.
 */

/** The path prefixes policy keys are written under (`/ajax-api/` routes share their `/api/` twin's entry). */
export const apiPaths = {
  mlflow: '/api/2.0/mlflow',
  mlflowV3: '/api/3.0/mlflow',
  mlflowArtifacts: '/api/2.0/mlflow-artifacts',
  native: '/api/bosun/v1',
} as const;

/** A body field; with several names, the first one present wins. Example: `body('run_id', 'run_uuid')`. */
export const body = (...field: string[]): FieldRef => ({
  in: 'body',
  field: field.length === 1 ? field[0]! : field,
});
/** A query-string field; with several names, the first one present wins. */
export const query = (...field: string[]): FieldRef => ({
  in: 'query',
  field: field.length === 1 ? field[0]! : field,
});
/** A path parameter (`*` for a wildcard's tail). */
export const params = (field: string): FieldRef => ({ in: 'params', field });

/** The experiment of the run a field names. */
export const runIn = (from: FieldRef): ExperimentLocator => ({ by: 'run-id', from });
/** The experiment a field names by id. */
export const experimentIn = (from: FieldRef): ExperimentLocator => ({ by: 'experiment-id', from });
/** The registered model a field names. */
export const modelIn = (from: FieldRef): ModelLocator => ({ by: 'model-name', from });

/** `action` on the experiment(s) `locate` finds. */
export const experiment = (action: Action, locate: ExperimentLocator): Requirement => ({
  kind: 'experiment',
  action,
  locate,
});
/** `action` on the registered model(s) `locate` finds. */
export const model = (action: Action, locate: ModelLocator): Requirement => ({
  kind: 'registered-model',
  action,
  locate,
});
/** A policy whose every requirement must hold. */
export const needs = (...require: Requirement[]): RoutePolicy => ({ require });

/** Anyone, without credentials. */
export const publicRoute = needs({ kind: 'public' });
/** Any authenticated user. */
export const signedIn = needs({ kind: 'signed-in' });
/** Administrators only. */
export const adminOnly = needs({ kind: 'admin' });
/** The user a field names is the caller, or the caller is an administrator. */
export const selfOrAdmin = (username: FieldRef): RoutePolicy => needs({ kind: 'self-or-admin', username });

export const runBody = runIn(body('run_id', 'run_uuid'));
export const runQuery = runIn(query('run_id', 'run_uuid'));
export const experimentBody = experimentIn(body('experiment_id'));
export const experimentQuery = experimentIn(query('experiment_id'));
export const loggedModelParam: ExperimentLocator = { by: 'logged-model-id', from: params('model_id') };
export const modelBody = modelIn(body('name'));
export const modelQuery = modelIn(query('name'));
export const modelParam = modelIn(params('name'));
/** The experiment an artifact-proxy path (`<experiment_id>/<run_id>/artifacts/…`) starts with. */
export const artifactPath: ExperimentLocator = { by: 'artifact-path', from: params('*') };

/** A field of a JSON response, as a string (for `grant-creator`). Example: `responseField('experiment_id')`. */
export function responseField(name: string): (payload: unknown) => string | undefined {
  return (payload) => {
    const value = (payload as Record<string, unknown> | null)?.[name];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  };
}
