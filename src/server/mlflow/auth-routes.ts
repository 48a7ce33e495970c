/**
 * MLflow's basic-auth API (`mlflow.server.get_app_client("basic-auth", ...)`): users, per-user grants on
 * experiments and registered models, and the 3.x unified grant calls. Who may call each route is declared in
 * `mlflowAuthPolicies` below and enforced by the authorization hook, not here; the handlers keep only
 * the rules MLflow's own handlers keep (a user changing their own password proves the current one; nobody deletes
 * their own account) and refuse a non-administrator changing administrator rights.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { RegistryService } from '../../registry/index.js';
import { nameResources } from '../audit/index.js';
import { combinePolicies } from '../authz/route-policies.js';
import {
  allows,
  parsePermission,
  validateResourceId,
  type Grant,
  type PermissionService,
  type ResourceKind,
} from '../../security/permissions/index.js';
import { AuthenticationError, type User, type UserService } from '../../security/users/index.js';
import { BosunError, InvalidParameterError } from '../../shared/index.js';
import type { TrackingService } from '../../tracking/index.js';
import { invalidParameter, missingParameter } from '../param-errors.js';
import type { TypedApp } from '../typed-app.js';
import { mlflowPrefixes } from './index.js';
import { useLenientJsonBodies } from './json-body.js';
import { parseBool, requireString } from './wire.js';
import { BoolIn, Empty, ExperimentIdIn, ExperimentIdOrNumberIn, UsernameIn } from './wire-schemas.js';
import {
  adminOnly,
  apiPaths,
  body,
  experiment,
  experimentIn,
  model,
  modelIn,
  needs,
  query,
  selfOrAdmin,
  signedIn as anySignedIn,
} from '../authz/policy-helpers.js';
import type { FieldRef, PolicyTable, RoutePolicy } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';

export interface MlflowAuthRouteDeps {
  users: UserService;
  /** Grants; without it the permission routes are not served and users show no grants. */
  permissions?: PermissionService | undefined;
  /** Checks that an experiment exists before a grant on it is created. */
  tracking: TrackingService;
  /** Checks that a registered model exists before a grant on it is created; model grant routes need it. */
  registry?: RegistryService | undefined;
}

/** Where MLflow 3 serves its unified per-user grant calls (`/mlflow/users/permissions/{grant,revoke,get}`). */
export const mlflowV3Prefixes = ['/api/3.0/mlflow', '/ajax-api/3.0/mlflow'] as const;

const tags = ['users and permissions'];

const ExperimentPermissionOut = Type.Object({
  experiment_id: Type.String(),
  user_id: Type.Integer(),
  permission: Type.String(),
});
const ModelPermissionOut = Type.Object({
  name: Type.String(),
  user_id: Type.Integer(),
  permission: Type.String(),
});
const UserOut = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  is_admin: Type.Boolean(),
  experiment_permissions: Type.Array(ExperimentPermissionOut),
  registered_model_permissions: Type.Array(ModelPermissionOut),
});
const UserEnvelope = { 200: Type.Object({ user: UserOut }) };
const EmptyOut = { 200: Empty };
/** Passwords are checked by the handlers, so that a bad value is never echoed in a validation message. */
const PasswordIn = Type.Unknown({ description: 'string' });
const PermissionIn = Type.String({ description: 'NO_PERMISSIONS, READ, EDIT or MANAGE (any case)' });
const ResourceTypeIn = Type.String({ description: "'experiment' or 'registered_model'" });

function experimentGrantToWire(g: Grant) {
  return { experiment_id: g.resource, user_id: g.userId, permission: g.permission };
}

function modelGrantToWire(g: Grant) {
  return { name: g.resource, user_id: g.userId, permission: g.permission };
}

/** A user as MLflow's `User.to_json()` writes it: never a password hash. */
export async function mlflowUserToWire(user: User, permissions: PermissionService | undefined) {
  const grants = permissions ? await permissions.listUserGrants(user.id) : [];
  return {
    id: user.id,
    username: user.username,
    is_admin: user.isAdmin,
    experiment_permissions: grants.filter((g) => g.kind === 'experiment').map(experimentGrantToWire),
    registered_model_permissions: grants.filter((g) => g.kind === 'registered-model').map(modelGrantToWire),
  };
}

/** The experiment id of a grant route, as text (the request schema has refused every other spelling). */
function experimentIdOf(value: string | number | undefined): string {
  if (value === undefined || value === '') throw missingParameter('experiment_id');
  return validateResourceId('experiment', String(value), 'experiment_id');
}

/** `resource_id` of the unified grant calls: an experiment id in its one spelling, or a model name. */
function resourceIdOf(kind: ResourceKind, value: string | undefined): string {
  return validateResourceId(kind, requireString(value, 'resource_id'), 'resource_id');
}

function passwordOf(value: unknown, path = 'password'): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidParameterError(`Missing value for parameter '${path}': expected a non-empty string.`);
  }
  return value;
}

function sameUser(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The signed-in caller; routes about "me" have none to answer with while authentication is off. */
function signedIn(request: FastifyRequest): User {
  if (!request.user) {
    throw new BosunError('BAD_REQUEST', 'Authentication is off on this server: there is no signed-in user.');
  }
  return request.user;
}

function resourceKindOf(value: string | undefined): ResourceKind {
  const type = requireString(value, 'resource_type');
  if (type === 'experiment') return 'experiment';
  if (type === 'registered_model') return 'registered-model';
  throw invalidParameter(
    'resource_type',
    type,
    " Bosun grants permissions on 'experiment' and 'registered_model' resources only.",
  );
}

/**
 * Registers MLflow's basic-auth routes under both MLflow 2.0 prefixes, and the 3.x unified grant calls under
 * both 3.0 prefixes (the `/ajax-api` copies hidden from the OpenAPI document).
 * Example: `await registerMlflowAuthRoutes(app, { users, permissions, tracking, registry });`
 */
export async function registerMlflowAuthRoutes(app: TypedApp, deps: MlflowAuthRouteDeps): Promise<void> {
  const scoped = async (prefixes: readonly string[], register: (scope: TypedApp) => void) => {
    for (const prefix of prefixes) {
      await app.register(
        async (scope: TypedApp) => {
          if (prefix.startsWith('/ajax-api')) {
            scope.addHook('onRoute', (route) => {
              route.schema = { ...route.schema, hide: true };
            });
          }
          useLenientJsonBodies(scope);
          register(scope);
        },
        { prefix },
      );
    }
  };
  await scoped(mlflowPrefixes, (scope) => {
    registerUserRoutes(scope, deps);
    const { permissions } = deps;
    if (!permissions) return;
    registerExperimentGrantRoutes(scope, permissions, deps.tracking);
    if (deps.registry) registerModelGrantRoutes(scope, permissions, deps.registry);
  });
  const { permissions } = deps;
  if (permissions)
    await scoped(mlflowV3Prefixes, (scope) => registerUnifiedGrantRoutes(scope, deps, permissions));
}

function registerUserRoutes(app: TypedApp, deps: MlflowAuthRouteDeps): void {
  const { users, permissions } = deps;

  app.post(
    '/users/create',
    {
      schema: {
        tags,
        summary: 'Create a user (administrators)',
        body: Type.Object({ username: UsernameIn, password: PasswordIn }),
        response: UserEnvelope,
      },
    },
    async (req) => {
      const user = await users.createUser({
        username: requireString(req.body.username, 'username'),
        password: passwordOf(req.body.password),
      });
      return { user: await mlflowUserToWire(user, permissions) };
    },
  );

  app.get(
    '/users/get',
    {
      schema: {
        tags,
        summary: 'Get a user with their grants (the user themself, or administrators)',
        querystring: Type.Object({ username: UsernameIn }),
        response: UserEnvelope,
      },
    },
    async (req) => {
      const user = await users.getUser(requireString(req.query.username, 'username'));
      return { user: await mlflowUserToWire(user, permissions) };
    },
  );

  app.get(
    '/users/current',
    {
      schema: {
        tags,
        summary: 'The signed-in user',
        response: {
          200: Type.Object({
            user: Type.Object({ id: Type.Integer(), username: Type.String(), is_admin: Type.Boolean() }),
            is_basic_auth: Type.Boolean(),
          }),
        },
      },
    },
    async (req) => {
      const user = await users.getUserById(signedIn(req).id);
      return { user: { id: user.id, username: user.username, is_admin: user.isAdmin }, is_basic_auth: true };
    },
  );

  app.get(
    '/users/list',
    {
      schema: {
        tags,
        summary: 'List users (administrators)',
        response: {
          200: Type.Object({
            users: Type.Array(
              Type.Object({
                id: Type.Integer(),
                username: Type.String(),
                is_admin: Type.Boolean(),
                roles: Type.Array(Type.Unknown(), { description: 'always empty: Bosun has no roles' }),
              }),
            ),
          }),
        },
      },
    },
    async () => ({
      users: (await users.listUsers()).map((u) => ({
        id: u.id,
        username: u.username,
        is_admin: u.isAdmin,
        roles: [],
      })),
    }),
  );

  app.patch(
    '/users/update-password',
    {
      schema: {
        tags,
        summary: "Change a user's password (the user themself, with current_password; or administrators)",
        body: Type.Object({
          username: UsernameIn,
          password: PasswordIn,
          current_password: Type.Optional(PasswordIn),
        }),
        response: EmptyOut,
      },
    },
    async (req) => {
      const username = requireString(req.body.username, 'username');
      const password = passwordOf(req.body.password);
      const caller = req.user;
      if (caller && sameUser(caller.username, username)) {
        // As MLflow 3: changing one's own password proves the current one, so a leaked token cannot take over.
        const current = req.body.current_password;
        if (typeof current !== 'string' || current === '') {
          throw new InvalidParameterError('Current password is required when changing your own password.');
        }
        try {
          await users.authenticatePassword(caller.username, current, req.ip);
        } catch (err) {
          if (err instanceof AuthenticationError)
            throw new InvalidParameterError('Current password does not match.');
          throw err;
        }
        if (password === current) {
          throw new InvalidParameterError('New password must differ from the current password.');
        }
      }
      await users.changePassword(username, password);
      return {};
    },
  );

  app.patch(
    '/users/update-admin',
    {
      schema: {
        tags,
        summary: 'Grant or remove administrator rights (administrators)',
        body: Type.Object({ username: UsernameIn, is_admin: BoolIn }),
        response: EmptyOut,
      },
    },
    async (req) => {
      if (req.user && !req.user.isAdmin) {
        throw new BosunError('PERMISSION_DENIED', 'Only administrators may change administrator rights.');
      }
      const username = requireString(req.body.username, 'username');
      const isAdmin = parseBool(req.body.is_admin, 'is_admin');
      if (isAdmin === undefined) throw missingParameter('is_admin');
      await users.setAdmin(username, isAdmin);
      return {};
    },
  );

  app.delete(
    '/users/delete',
    {
      schema: {
        tags,
        summary: 'Delete a user with their tokens and grants (administrators)',
        body: Type.Object({ username: UsernameIn }),
        response: EmptyOut,
      },
    },
    async (req) => {
      const username = requireString(req.body.username, 'username');
      if (req.user && sameUser(req.user.username, username)) {
        throw new BosunError(
          'BAD_REQUEST',
          'Users cannot delete their own account. Ask another administrator to delete this user instead.',
        );
      }
      await users.deleteUser(username);
      return {};
    },
  );
}

function registerExperimentGrantRoutes(
  app: TypedApp,
  permissions: PermissionService,
  tracking: TrackingService,
): void {
  const Envelope = { 200: Type.Object({ experiment_permission: ExperimentPermissionOut }) };
  const Key = { experiment_id: ExperimentIdOrNumberIn, username: UsernameIn };

  app.post(
    '/experiments/permissions/create',
    {
      schema: {
        tags,
        summary: "Grant a user a permission on an experiment (the experiment's managers)",
        body: Type.Object({ ...Key, permission: PermissionIn }),
        response: Envelope,
      },
    },
    async (req) => {
      const experimentId = experimentIdOf(req.body.experiment_id);
      const username = requireString(req.body.username, 'username');
      const permission = parsePermission(req.body.permission);
      await tracking.getExperiment(experimentId);
      const grant = await permissions.createGrant('experiment', experimentId, username, permission);
      return { experiment_permission: experimentGrantToWire(grant) };
    },
  );

  app.get(
    '/experiments/permissions/get',
    {
      schema: {
        tags,
        summary: "A user's grant on an experiment (the experiment's managers)",
        querystring: Type.Object({ experiment_id: ExperimentIdIn(), username: UsernameIn }),
        response: Envelope,
      },
    },
    async (req) => {
      const grant = await permissions.getGrant(
        'experiment',
        experimentIdOf(req.query.experiment_id),
        requireString(req.query.username, 'username'),
      );
      return { experiment_permission: experimentGrantToWire(grant) };
    },
  );

  app.patch(
    '/experiments/permissions/update',
    {
      schema: {
        tags,
        summary: "Change a user's grant on an experiment (the experiment's managers)",
        body: Type.Object({ ...Key, permission: PermissionIn }),
        response: EmptyOut,
      },
    },
    async (req) => {
      await permissions.updateGrant(
        'experiment',
        experimentIdOf(req.body.experiment_id),
        requireString(req.body.username, 'username'),
        parsePermission(req.body.permission),
      );
      return {};
    },
  );

  app.delete(
    '/experiments/permissions/delete',
    {
      schema: {
        tags,
        summary: "Remove a user's grant on an experiment (the experiment's managers)",
        body: Type.Object(Key),
        response: EmptyOut,
      },
    },
    async (req) => {
      await permissions.deleteGrant(
        'experiment',
        experimentIdOf(req.body.experiment_id),
        requireString(req.body.username, 'username'),
      );
      return {};
    },
  );
}

function registerModelGrantRoutes(
  app: TypedApp,
  permissions: PermissionService,
  registry: RegistryService,
): void {
  const Envelope = { 200: Type.Object({ registered_model_permission: ModelPermissionOut }) };
  const Key = { name: Type.String(), username: UsernameIn };

  app.post(
    '/registered-models/permissions/create',
    {
      schema: {
        tags,
        summary: "Grant a user a permission on a registered model (the model's managers)",
        body: Type.Object({ ...Key, permission: PermissionIn }),
        response: Envelope,
      },
    },
    async (req) => {
      const name = requireString(req.body.name, 'name');
      const username = requireString(req.body.username, 'username');
      const permission = parsePermission(req.body.permission);
      await registry.getRegisteredModel(name);
      const grant = await permissions.createGrant('registered-model', name, username, permission);
      return { registered_model_permission: modelGrantToWire(grant) };
    },
  );

  app.get(
    '/registered-models/permissions/get',
    {
      schema: {
        tags,
        summary: "A user's grant on a registered model (the model's managers)",
        querystring: Type.Object(Key),
        response: Envelope,
      },
    },
    async (req) => {
      const grant = await permissions.getGrant(
        'registered-model',
        requireString(req.query.name, 'name'),
        requireString(req.query.username, 'username'),
      );
      return { registered_model_permission: modelGrantToWire(grant) };
    },
  );

  app.patch(
    '/registered-models/permissions/update',
    {
      schema: {
        tags,
        summary: "Change a user's grant on a registered model (the model's managers)",
        body: Type.Object({ ...Key, permission: PermissionIn }),
        response: EmptyOut,
      },
    },
    async (req) => {
      await permissions.updateGrant(
        'registered-model',
        requireString(req.body.name, 'name'),
        requireString(req.body.username, 'username'),
        parsePermission(req.body.permission),
      );
      return {};
    },
  );

  app.delete(
    '/registered-models/permissions/delete',
    {
      schema: {
        tags,
        summary: "Remove a user's grant on a registered model (the model's managers)",
        body: Type.Object(Key),
        response: EmptyOut,
      },
    },
    async (req) => {
      await permissions.deleteGrant(
        'registered-model',
        requireString(req.body.name, 'name'),
        requireString(req.body.username, 'username'),
      );
      return {};
    },
  );
}

/** MLflow 3's `grant_user_permission` / `revoke_user_permission` / `get_user_permission`. */
function registerUnifiedGrantRoutes(
  app: TypedApp,
  deps: MlflowAuthRouteDeps,
  permissions: PermissionService,
): void {
  const Target = {
    username: UsernameIn,
    resource_type: ResourceTypeIn,
    resource_id: Type.String({
      description: 'the experiment id (its one spelling) or the registered model name',
    }),
  };
  const exists = async (kind: ResourceKind, resource: string): Promise<void> => {
    if (kind === 'experiment') await deps.tracking.getExperiment(resource);
    else if (deps.registry) await deps.registry.getRegisteredModel(resource);
    else throw new BosunError('BAD_REQUEST', 'The model registry is not enabled on this server.');
  };

  app.post(
    '/users/permissions/grant',
    {
      schema: {
        tags,
        summary: 'Grant a user a permission on an experiment or a registered model (administrators)',
        body: Type.Object({ ...Target, permission: PermissionIn }),
        response: EmptyOut,
      },
    },
    async (req) => {
      const username = requireString(req.body.username, 'username');
      const kind = resourceKindOf(req.body.resource_type);
      const resource = resourceIdOf(kind, req.body.resource_id);
      const permission = parsePermission(req.body.permission);
      await exists(kind, resource);
      await permissions.createGrant(kind, resource, username, permission);
      return {};
    },
  );

  app.post(
    '/users/permissions/revoke',
    {
      schema: {
        tags,
        summary: "Remove a user's grant on an experiment or a registered model (administrators)",
        body: Type.Object(Target),
        response: EmptyOut,
      },
    },
    async (req) => {
      const kind = resourceKindOf(req.body.resource_type);
      await permissions.deleteGrant(
        kind,
        resourceIdOf(kind, req.body.resource_id),
        requireString(req.body.username, 'username'),
      );
      return {};
    },
  );

  app.get(
    '/users/permissions/get',
    {
      schema: {
        tags,
        summary: "A user's effective permission on a resource (the user themself, or administrators)",
        querystring: Type.Object(Target),
        response: { 200: Type.Object({ allowed: Type.Boolean(), permission: Type.String() }) },
      },
    },
    async (req) => {
      const kind = resourceKindOf(req.query.resource_type);
      const resource = resourceIdOf(kind, req.query.resource_id);
      const user = await deps.users.getUser(requireString(req.query.username, 'username'));
      const permission = await permissions.effectivePermission(user, kind, resource);
      // MLflow's `allowed` is its "use" tier: above READ, which EDIT and MANAGE reach.
      return { allowed: allows(permission, 'update'), permission };
    },
  );
}

const v2 = apiPaths.mlflow;
const v3 = apiPaths.mlflowV3;
const manageExperiment = (from: (field: string) => FieldRef): RoutePolicy =>
  needs(experiment('manage', experimentIn(from('experiment_id'))));
const manageModel = (from: (field: string) => FieldRef): RoutePolicy =>
  needs(model('manage', modelIn(from('name'))));
/** MLflow 3's unified grant and revoke: MANAGE on the experiment or registered model the body names. */
const manageNamedResource = needs({
  kind: 'named-resource',
  action: 'manage',
  type: body('resource_type'),
  id: body('resource_id'),
});

/**
 * Managing users is for administrators; a user may read their own record and change their own password;
 * granting on a resource needs MANAGE on it (MLflow 3's unified grant / revoke name the resource kind in a
 * field: `named-resource`).
 */
export const mlflowAuthPolicies: PolicyTable = combinePolicies({
  // MLflow basic-auth users
  users: {
    [`POST ${v2}/users/create`]: adminOnly,
    [`GET ${v2}/users/get`]: selfOrAdmin(query('username')),
    [`GET ${v2}/users/current`]: anySignedIn,
    [`GET ${v2}/users/list`]: adminOnly,
    [`PATCH ${v2}/users/update-password`]: selfOrAdmin(body('username')),
    [`PATCH ${v2}/users/update-admin`]: adminOnly,
    [`DELETE ${v2}/users/delete`]: adminOnly,
  },
  // MLflow basic-auth grants on experiments
  'experiment-grants': nameResources('experiments', {
    [`POST ${v2}/experiments/permissions/create`]: manageExperiment(body),
    [`GET ${v2}/experiments/permissions/get`]: manageExperiment(query),
    [`PATCH ${v2}/experiments/permissions/update`]: manageExperiment(body),
    [`DELETE ${v2}/experiments/permissions/delete`]: manageExperiment(body),
  }),
  // MLflow basic-auth grants on registered models
  'model-grants': nameResources('registry', {
    [`POST ${v2}/registered-models/permissions/create`]: manageModel(body),
    [`GET ${v2}/registered-models/permissions/get`]: manageModel(query),
    [`PATCH ${v2}/registered-models/permissions/update`]: manageModel(body),
    [`DELETE ${v2}/registered-models/permissions/delete`]: manageModel(body),
  }),
  // MLflow 3 unified per-user grants
  'user-grants': {
    [`POST ${v3}/users/permissions/grant`]: manageNamedResource,
    [`POST ${v3}/users/permissions/revoke`]: manageNamedResource,
    [`GET ${v3}/users/permissions/get`]: selfOrAdmin(query('username')),
  },
});

/** MLflow's basic-auth API: users and per-user grants. */
export const mlflowAuthRoutes: RoutePlugin = {
  name: 'mlflow-auth',
  policies: mlflowAuthPolicies,
  async register(app, services) {
    await registerMlflowAuthRoutes(app, {
      users: services.users,
      permissions: services.permissions,
      tracking: services.tracking,
      registry: services.registry,
    });
  },
};
