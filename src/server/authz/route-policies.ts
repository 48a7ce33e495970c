import type {
  ExperimentLocator,
  FieldRef,
  ModelLocator,
  PolicyTable,
  Requirement,
  RoutePolicy,
} from './policy-types.js';
import type { Action } from '../../security/permissions/types.js';
import { userRoutePolicies } from './user-route-policies.js';

/*
 * The permission every route needs, in one table (user and permission management routes: user-route-policies.ts).
 * A route missing here is refused with 403 for everyone but administrators, and the route-inventory test fails.
 * The action of each MLflow route follows MLflow's auth app: reading needs READ, changing needs EDIT, deleting,
 * restoring and granting need MANAGE; creating an experiment or a registered model needs only a signed-in user,
 * who then gets MANAGE on it. Searches need a signed-in user and return only what the caller may read.
 */

const body = (...field: string[]): FieldRef => ({
  in: 'body',
  field: field.length === 1 ? field[0]! : field,
});
const query = (...field: string[]): FieldRef => ({
  in: 'query',
  field: field.length === 1 ? field[0]! : field,
});
const params = (field: string): FieldRef => ({ in: 'params', field });

const runIn = (from: FieldRef): ExperimentLocator => ({ by: 'run-id', from });
const experimentIn = (from: FieldRef): ExperimentLocator => ({ by: 'experiment-id', from });
const modelIn = (from: FieldRef): ModelLocator => ({ by: 'model-name', from });

const experiment = (action: Action, locate: ExperimentLocator): Requirement => ({
  kind: 'experiment',
  action,
  locate,
});
const model = (action: Action, locate: ModelLocator): Requirement => ({
  kind: 'registered-model',
  action,
  locate,
});
const needs = (...require: Requirement[]): RoutePolicy => ({ require });

const publicRoute = needs({ kind: 'public' });
const signedIn = needs({ kind: 'signed-in' });
const adminOnly = needs({ kind: 'admin' });

const runBody = runIn(body('run_id', 'run_uuid'));
const runQuery = runIn(query('run_id', 'run_uuid'));
const experimentBody = experimentIn(body('experiment_id'));
const experimentQuery = experimentIn(query('experiment_id'));
const loggedModelParam: ExperimentLocator = { by: 'logged-model-id', from: params('model_id') };
const modelBody = modelIn(body('name'));
const modelQuery = modelIn(query('name'));
const modelParam = modelIn(params('name'));
const artifactPath: ExperimentLocator = { by: 'artifact-path', from: params('*') };

const mlflow = '/api/2.0/mlflow';
const artifacts = '/api/2.0/mlflow-artifacts';
const native = '/api/bosun/v1';
const registry = `${native}/registry`;
const secrets = `${native}/secrets`;

const trackingPolicies: PolicyTable = {
  'GET /api/3.0/mlflow/server-info': signedIn,

  [`POST ${mlflow}/experiments/create`]: {
    require: [{ kind: 'signed-in' }],
    after: { kind: 'grant-creator', resource: 'experiment', idFromResponse: field('experiment_id') },
  },
  [`GET ${mlflow}/experiments/get`]: needs(experiment('read', experimentQuery)),
  [`GET ${mlflow}/experiments/get-by-name`]: needs(
    experiment('read', { by: 'experiment-name', from: query('experiment_name') }),
  ),
  [`GET ${mlflow}/experiments/search`]: signedIn,
  [`POST ${mlflow}/experiments/search`]: signedIn,
  [`POST ${mlflow}/experiments/update`]: needs(experiment('update', experimentBody)),
  [`POST ${mlflow}/experiments/set-experiment-tag`]: needs(experiment('update', experimentBody)),
  [`POST ${mlflow}/experiments/delete-experiment-tag`]: needs(experiment('update', experimentBody)),
  [`POST ${mlflow}/experiments/delete`]: needs(experiment('delete', experimentBody)),
  [`POST ${mlflow}/experiments/restore`]: needs(experiment('delete', experimentBody)),

  // Without experiment_id a run goes to the Default experiment ("0").
  [`POST ${mlflow}/runs/create`]: needs(
    experiment('update', { by: 'experiment-id', from: body('experiment_id'), orDefault: '0' }),
  ),
  [`GET ${mlflow}/runs/get`]: needs(experiment('read', runQuery)),
  [`POST ${mlflow}/runs/search`]: signedIn,
  [`POST ${mlflow}/runs/update`]: needs(experiment('update', runBody)),
  [`POST ${mlflow}/runs/delete`]: needs(experiment('delete', runBody)),
  [`POST ${mlflow}/runs/restore`]: needs(experiment('delete', runBody)),
  [`POST ${mlflow}/runs/log-metric`]: needs(
    experiment('update', runBody),
    experiment('update', { by: 'logged-model-ids', from: body('model_id') }),
  ),
  [`POST ${mlflow}/runs/log-parameter`]: needs(experiment('update', runBody)),
  [`POST ${mlflow}/runs/set-tag`]: needs(experiment('update', runBody)),
  [`POST ${mlflow}/runs/delete-tag`]: needs(experiment('update', runBody)),
  [`POST ${mlflow}/runs/log-batch`]: needs(
    experiment('update', runBody),
    experiment('update', { by: 'logged-model-ids', from: body('metrics'), nested: 'model_id' }),
  ),
  [`POST ${mlflow}/runs/log-inputs`]: needs(
    experiment('update', runBody),
    experiment('update', { by: 'logged-model-ids', from: body('models'), nested: 'model_id' }),
  ),
  [`POST ${mlflow}/runs/outputs`]: needs(
    experiment('update', runBody),
    experiment('update', { by: 'logged-model-ids', from: body('models'), nested: 'model_id' }),
  ),
  [`POST ${mlflow}/runs/log-model`]: needs(experiment('update', runBody)),
  [`GET ${mlflow}/metrics/get-history`]: needs(experiment('read', runQuery)),
  [`GET ${mlflow}/metrics/get-history-bulk-interval`]: needs(
    experiment('read', { by: 'run-ids', from: query('run_ids') }),
  ),

  [`POST ${mlflow}/logged-models`]: needs(experiment('update', experimentBody)),
  [`POST ${mlflow}/logged-models/search`]: signedIn,
  [`GET ${mlflow}/logged-models/:model_id`]: needs(experiment('read', loggedModelParam)),
  [`PATCH ${mlflow}/logged-models/:model_id`]: needs(experiment('update', loggedModelParam)),
  [`DELETE ${mlflow}/logged-models/:model_id`]: needs(experiment('delete', loggedModelParam)),
  [`POST ${mlflow}/logged-models/:model_id/params`]: needs(experiment('update', loggedModelParam)),
  [`PATCH ${mlflow}/logged-models/:model_id/tags`]: needs(experiment('update', loggedModelParam)),
  [`DELETE ${mlflow}/logged-models/:model_id/tags/:tag_key`]: needs(experiment('update', loggedModelParam)),
};

const artifactPolicies: PolicyTable = {
  [`GET ${mlflow}/artifacts/list`]: needs(experiment('read', runQuery)),
  // The proxy's paths start with the experiment id (`<experiment_id>/<run_id>/artifacts/…`).
  [`GET ${artifacts}/artifacts`]: needs(experiment('read', { by: 'artifact-path', from: query('path') })),
  [`GET ${artifacts}/artifacts/*`]: needs(experiment('read', artifactPath)),
  [`PUT ${artifacts}/artifacts/*`]: needs(experiment('update', artifactPath)),
  [`DELETE ${artifacts}/artifacts/*`]: needs(experiment('delete', artifactPath)),
  [`POST ${artifacts}/mpu/create/*`]: needs(experiment('update', artifactPath)),
  [`POST ${artifacts}/mpu/complete/*`]: needs(experiment('update', artifactPath)),
  [`POST ${artifacts}/mpu/abort/*`]: needs(experiment('update', artifactPath)),
  [`GET ${artifacts}/presigned/*`]: needs(experiment('read', artifactPath)),
};

const registryPolicies: PolicyTable = {
  [`POST ${mlflow}/registered-models/create`]: {
    require: [{ kind: 'signed-in' }],
    after: { kind: 'grant-creator', resource: 'registered-model', idFromResponse: modelNameOf },
  },
  [`GET ${mlflow}/registered-models/get`]: needs(model('read', modelQuery)),
  [`GET ${mlflow}/registered-models/search`]: signedIn,
  [`POST ${mlflow}/registered-models/rename`]: {
    require: [model('update', modelBody)],
    after: { kind: 'rename-model-grants', from: body('name'), to: body('new_name') },
  },
  [`PATCH ${mlflow}/registered-models/update`]: needs(model('update', modelBody)),
  [`DELETE ${mlflow}/registered-models/delete`]: {
    require: [model('delete', modelBody)],
    after: { kind: 'drop-model-grants', name: body('name') },
  },
  [`POST ${mlflow}/registered-models/set-tag`]: needs(model('update', modelBody)),
  [`DELETE ${mlflow}/registered-models/delete-tag`]: needs(model('update', modelBody)),
  [`GET ${mlflow}/registered-models/get-latest-versions`]: needs(model('read', modelQuery)),
  [`POST ${mlflow}/registered-models/get-latest-versions`]: needs(model('read', modelBody)),
  [`POST ${mlflow}/registered-models/alias`]: needs(model('update', modelBody)),
  [`DELETE ${mlflow}/registered-models/alias`]: needs(model('delete', modelIn(body('name')))),
  [`GET ${mlflow}/registered-models/alias`]: needs(model('read', modelQuery)),

  // A new version must not point at files the caller may not read (another user's run or logged model).
  [`POST ${mlflow}/model-versions/create`]: needs(
    model('update', modelBody),
    experiment('read', { by: 'model-version-source' }),
  ),
  [`GET ${mlflow}/model-versions/get`]: needs(model('read', modelQuery)),
  [`GET ${mlflow}/model-versions/search`]: signedIn,
  [`PATCH ${mlflow}/model-versions/update`]: needs(model('update', modelBody)),
  [`POST ${mlflow}/model-versions/transition-stage`]: needs(model('update', modelBody)),
  [`DELETE ${mlflow}/model-versions/delete`]: needs(model('delete', modelBody)),
  [`POST ${mlflow}/model-versions/set-tag`]: needs(model('update', modelBody)),
  [`DELETE ${mlflow}/model-versions/delete-tag`]: needs(model('delete', modelBody)),
  [`GET ${mlflow}/model-versions/get-download-uri`]: needs(model('read', modelQuery)),
  [`GET ${mlflow}/model-versions/get-artifact`]: needs(model('read', modelQuery)),
  [`GET /model-versions/get-artifact`]: needs(model('read', modelQuery)),
};

const nativePolicies: PolicyTable = {
  'GET /health': publicRoute,
  'GET /version': publicRoute,
  [`GET ${native}/health`]: publicRoute,
  [`GET ${native}/openapi.json`]: publicRoute,
  // CORS preflights, served only when BOSUN_CORS_ORIGINS lists origins (see auth/install-cors.ts).
  'OPTIONS *': publicRoute,

  [`GET ${native}/audit-log`]: adminOnly,
  [`GET ${native}/audit-log/verify`]: adminOnly,

  // Secrets are for operators and pipelines: administrators only.
  [`GET ${secrets}/list`]: adminOnly,
  [`GET ${secrets}/data/*`]: adminOnly,
  [`PUT ${secrets}/data/*`]: adminOnly,
  [`POST ${secrets}/delete/*`]: adminOnly,
  [`POST ${secrets}/undelete/*`]: adminOnly,
  [`POST ${secrets}/destroy/*`]: adminOnly,
  [`GET ${secrets}/metadata/*`]: adminOnly,
  [`DELETE ${secrets}/metadata/*`]: adminOnly,

  // Webhooks see every registry event, whichever model: administrators only.
  [`GET ${native}/webhooks`]: adminOnly,
  [`POST ${native}/webhooks`]: adminOnly,
  [`GET ${native}/webhooks/:id`]: adminOnly,
  [`DELETE ${native}/webhooks/:id`]: adminOnly,
  [`GET ${native}/webhooks/:id/deliveries`]: adminOnly,
  [`GET ${registry}/events`]: signedIn,

  [`GET ${registry}/models/:name/policies`]: needs(model('read', modelParam)),
  [`PUT ${registry}/models/:name/policies`]: needs(model('manage', modelParam)),
  [`DELETE ${registry}/models/:name/policies`]: needs(model('manage', modelParam)),
  [`GET ${registry}/models/:name/versions/:version/approvals`]: needs(model('read', modelParam)),
  [`POST ${registry}/models/:name/versions/:version/approvals`]: needs(model('update', modelParam)),
  [`POST ${registry}/approvals/:id/approve`]: needs(
    model('manage', { by: 'approval-id', from: params('id') }),
  ),
  [`POST ${registry}/approvals/:id/reject`]: needs(
    model('manage', { by: 'approval-id', from: params('id') }),
  ),
  [`POST ${registry}/models/:name/versions/:version/promote`]: needs(model('update', modelParam)),
  [`GET ${registry}/models/:name/versions/:version/promotion-check`]: needs(model('read', modelParam)),
  [`GET ${registry}/models/:name/versions/:version/scan`]: needs(model('read', modelParam)),
  [`POST ${registry}/models/:name/versions/:version/scan`]: needs(model('update', modelParam)),

  // Lineage answers are filtered to what the caller may read (see lineage-routes.ts).
  [`GET ${native}/lineage/runs/:run_id`]: needs(experiment('read', runIn(params('run_id')))),
  [`GET ${native}/lineage/models/:name/versions/:version`]: needs(model('read', modelParam)),
  [`GET ${native}/lineage/datasets`]: signedIn,
};

function field(name: string): (payload: unknown) => string | undefined {
  return (payload) => {
    const value = (payload as Record<string, unknown> | null)?.[name];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  };
}

function modelNameOf(payload: unknown): string | undefined {
  const registered = (payload as { registered_model?: { name?: unknown } } | null)?.registered_model;
  return typeof registered?.name === 'string' ? registered.name : undefined;
}

/** Every route's policy, keyed `"<METHOD> <pattern>"` with `/ajax-api/` routes under their `/api/` twin. */
export const routePolicies: PolicyTable = {
  ...trackingPolicies,
  ...artifactPolicies,
  ...registryPolicies,
  ...nativePolicies,
  ...userRoutePolicies,
};

/** The policy of a registered route, or undefined when none is declared (the request is then refused). */
export function policyFor(method: string, pattern: string): RoutePolicy | undefined {
  const key = `${method === 'HEAD' ? 'GET' : method} ${pattern.replace(/^\/ajax-api\//, '/api/')}`;
  return routePolicies[key];
}

/** Whether anyone may call a route without credentials. */
export function isPublicRoute(method: string, pattern: string): boolean {
  return policyFor(method, pattern)?.require.some((r) => r.kind === 'public') ?? false;
}

/** The public routes (`"<METHOD> <pattern>"`), for the route-inventory test and the docs. */
export const publicRouteKeys: readonly string[] = Object.entries(routePolicies)
  .filter(([, policy]) => policy.require.some((r) => r.kind === 'public'))
  .map(([key]) => key);
