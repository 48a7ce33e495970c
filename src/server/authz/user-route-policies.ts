import type { FieldRef, PolicyTable, Requirement, RoutePolicy } from './policy-types.js';

const v2 = '/api/2.0/mlflow';
const v3 = '/api/3.0/mlflow';
const native = '/api/bosun/v1/users';

const admin: RoutePolicy = { require: [{ kind: 'admin' }] };
const signedIn: RoutePolicy = { require: [{ kind: 'signed-in' }] };
/** MLflow 3's unified grant and revoke: MANAGE on the experiment or registered model the body names. */
const manageNamedResource: RoutePolicy = {
  require: [
    {
      kind: 'named-resource',
      action: 'manage',
      type: { in: 'body', field: 'resource_type' },
      id: { in: 'body', field: 'resource_id' },
    },
  ],
};

function selfOrAdmin(username: FieldRef): RoutePolicy {
  return { require: [{ kind: 'self-or-admin', username }] };
}

function manageExperiment(from: FieldRef['in']): RoutePolicy {
  const requirement: Requirement = {
    kind: 'experiment',
    action: 'manage',
    locate: { by: 'experiment-id', from: { in: from, field: 'experiment_id' } },
  };
  return { require: [requirement] };
}

function manageModel(from: FieldRef['in']): RoutePolicy {
  const requirement: Requirement = {
    kind: 'registered-model',
    action: 'manage',
    locate: { by: 'model-name', from: { in: from, field: 'name' } },
  };
  return { require: [requirement] };
}

/**
 * Who may call the user, token and grant routes (server/mlflow/auth-routes.ts, server/api/user-routes.ts).
 * Managing users is for administrators; a user may read their own record, change their own password and manage
 * their own tokens; granting on a resource needs MANAGE on it (MLflow 3's unified grant / revoke name the
 * resource kind in a field: `named-resource`).
 */
export const userRoutePolicies: PolicyTable = {
  // MLflow basic-auth users
  [`POST ${v2}/users/create`]: admin,
  [`GET ${v2}/users/get`]: selfOrAdmin({ in: 'query', field: 'username' }),
  [`GET ${v2}/users/current`]: signedIn,
  [`GET ${v2}/users/list`]: admin,
  [`PATCH ${v2}/users/update-password`]: selfOrAdmin({ in: 'body', field: 'username' }),
  [`PATCH ${v2}/users/update-admin`]: admin,
  [`DELETE ${v2}/users/delete`]: admin,

  // MLflow basic-auth grants on experiments
  [`POST ${v2}/experiments/permissions/create`]: manageExperiment('body'),
  [`GET ${v2}/experiments/permissions/get`]: manageExperiment('query'),
  [`PATCH ${v2}/experiments/permissions/update`]: manageExperiment('body'),
  [`DELETE ${v2}/experiments/permissions/delete`]: manageExperiment('body'),

  // MLflow basic-auth grants on registered models
  [`POST ${v2}/registered-models/permissions/create`]: manageModel('body'),
  [`GET ${v2}/registered-models/permissions/get`]: manageModel('query'),
  [`PATCH ${v2}/registered-models/permissions/update`]: manageModel('body'),
  [`DELETE ${v2}/registered-models/permissions/delete`]: manageModel('body'),

  // MLflow 3 unified per-user grants
  [`POST ${v3}/users/permissions/grant`]: manageNamedResource,
  [`POST ${v3}/users/permissions/revoke`]: manageNamedResource,
  [`GET ${v3}/users/permissions/get`]: selfOrAdmin({ in: 'query', field: 'username' }),

  // Native users and API tokens
  [`GET ${native}/me`]: signedIn,
  [`GET ${native}`]: admin,
  [`POST ${native}/:username/tokens`]: selfOrAdmin({ in: 'params', field: 'username' }),
  [`GET ${native}/:username/tokens`]: selfOrAdmin({ in: 'params', field: 'username' }),
  [`DELETE ${native}/:username/tokens/:token_id`]: selfOrAdmin({ in: 'params', field: 'username' }),
};
