import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Grant, PermissionService } from '../../security/permissions/index.js';
import type { SessionService } from '../../security/sessions/index.js';
import type { ApiTokenInfo, User, UserService } from '../../security/users/index.js';
import { BosunError, InvalidParameterError } from '../../shared/index.js';
import { SerialIdParam, serialIdOf, UsernameParam, UsernameParams } from '../id-schemas.js';
import type { TypedApp } from '../typed-app.js';
import {
  adminOnly,
  apiPaths,
  params,
  selfOrAdmin,
  signedIn as anySignedIn,
} from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';

/** What the native user routes need; without `permissions`, `users/me` shows no grants. */
export interface UserRouteDeps {
  users: UserService;
  permissions?: PermissionService | undefined;
  /** Ends a user's browser sessions when they are disabled. */
  sessions?: SessionService | undefined;
}

const prefix = '/api/bosun/v1/users';
const tags = ['users'];

const UserOut = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  is_admin: Type.Boolean(),
  created_at: Type.Integer({ description: 'epoch milliseconds' }),
  updated_at: Type.Integer(),
  last_login_at: Type.Optional(Type.Integer()),
  disabled: Type.Boolean({ description: 'a disabled user cannot sign in by any means' }),
});
const GrantOut = Type.Object({
  resource_type: Type.Union([Type.Literal('experiment'), Type.Literal('registered_model')]),
  resource: Type.String({ description: 'the experiment id or the registered model name' }),
  permission: Type.String(),
});
const TokenOut = Type.Object({
  id: Type.Integer(),
  user_id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'the first characters of the token, to recognise it' }),
  created_at: Type.Integer(),
  expires_at: Type.Optional(Type.Integer()),
  last_used_at: Type.Optional(Type.Integer()),
  revoked_at: Type.Optional(Type.Integer()),
});

export function userToWire(u: User) {
  return {
    id: u.id,
    username: u.username,
    is_admin: u.isAdmin,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
    ...(u.lastLoginAt !== undefined ? { last_login_at: u.lastLoginAt } : {}),
    disabled: u.disabled,
  };
}

function grantToWire(g: Grant) {
  return {
    resource_type: g.kind === 'experiment' ? ('experiment' as const) : ('registered_model' as const),
    resource: g.resource,
    permission: g.permission,
  };
}

export function tokenToWire(t: ApiTokenInfo) {
  return {
    id: t.id,
    user_id: t.userId,
    name: t.name,
    prefix: t.prefix,
    created_at: t.createdAt,
    ...(t.expiresAt !== undefined ? { expires_at: t.expiresAt } : {}),
    ...(t.lastUsedAt !== undefined ? { last_used_at: t.lastUsedAt } : {}),
    ...(t.revokedAt !== undefined ? { revoked_at: t.revokedAt } : {}),
  };
}

/** `expires_at`: epoch milliseconds, or an ISO-8601 time with a zone (`2030-01-01T00:00:00Z`). */
function expiryOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new InvalidParameterError(
    "Invalid value for parameter 'expires_at': expected epoch milliseconds or an ISO-8601 time with a zone.",
  );
}

function signedIn(request: FastifyRequest): User {
  if (!request.user) {
    throw new BosunError('BAD_REQUEST', 'Authentication is off on this server: there is no signed-in user.');
  }
  return request.user;
}

/**
 * The native user API under `/api/bosun/v1/users`: who am I, the user list, and API tokens (shown once at
 * creation, listed without secrets, revoked by id). Who may call each route is declared in
 * `userPolicies` below. Example: `registerUserRoutes(app, { users, permissions });`
 */
export function registerUserRoutes(app: TypedApp, deps: UserRouteDeps): void {
  const { users, permissions, sessions } = deps;

  app.get(
    `${prefix}/me`,
    {
      schema: {
        tags,
        summary: 'The signed-in user, with their grants',
        response: {
          200: Type.Object({
            user: UserOut,
            grants: Type.Array(GrantOut),
            default_permission: Type.Optional(
              Type.String({ description: 'what applies on resources without a grant' }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const user = await users.getUserById(signedIn(req).id);
      const grants = permissions ? await permissions.listUserGrants(user.id) : [];
      return {
        user: userToWire(user),
        grants: grants.map(grantToWire),
        ...(permissions ? { default_permission: permissions.defaultPermission } : {}),
      };
    },
  );

  app.get(
    prefix,
    {
      schema: {
        tags,
        summary: 'Every user, by username (administrators)',
        response: { 200: Type.Object({ users: Type.Array(UserOut) }) },
      },
    },
    async () => ({ users: (await users.listUsers()).map(userToWire) }),
  );

  app.patch(
    `${prefix}/:username`,
    {
      schema: {
        tags,
        summary:
          'Disable or enable a user (administrators): a disabled user cannot sign in by any means and their browser sessions end',
        params: UsernameParams,
        body: Type.Object({ disabled: Type.Boolean() }),
        response: { 200: Type.Object({ user: UserOut, sessions_ended: Type.Integer() }) },
      },
    },
    async (req) => {
      const target = await users.getUser(req.params.username);
      if (req.body.disabled && req.user !== undefined && req.user.id === target.id) {
        throw new InvalidParameterError('You cannot disable your own account.');
      }
      const user = await users.setDisabled(target.username, req.body.disabled);
      const ended = req.body.disabled && sessions ? await sessions.revokeAll(user.id) : 0;
      return { user: userToWire(user), sessions_ended: ended };
    },
  );

  app.post(
    `${prefix}/:username/tokens`,
    {
      schema: {
        tags,
        summary:
          'Create an API token; the token is in this response only (the user themself, or administrators)',
        params: UsernameParams,
        body: Type.Object({
          name: Type.String(),
          expires_at: Type.Optional(
            Type.Union([Type.Integer(), Type.String()], {
              description: 'epoch milliseconds or an ISO-8601 time; absent: never expires',
            }),
          ),
        }),
        response: {
          200: Type.Object({
            token: Type.String({ description: 'use as `Authorization: Bearer <token>`' }),
            token_info: TokenOut,
          }),
        },
      },
    },
    async (req) => {
      const user = await users.getUser(req.params.username);
      const expiresAt = expiryOf(req.body.expires_at);
      const created = await users.createToken(user.id, {
        name: req.body.name,
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      });
      return { token: created.token, token_info: tokenToWire(created.info) };
    },
  );

  app.get(
    `${prefix}/:username/tokens`,
    {
      schema: {
        tags,
        summary: "A user's API tokens, newest first, without secrets (the user themself, or administrators)",
        params: UsernameParams,
        response: { 200: Type.Object({ tokens: Type.Array(TokenOut) }) },
      },
    },
    async (req) => {
      const user = await users.getUser(req.params.username);
      return { tokens: (await users.listTokens(user.id)).map(tokenToWire) };
    },
  );

  app.delete(
    `${prefix}/:username/tokens/:token_id`,
    {
      schema: {
        tags,
        summary: 'Revoke an API token (the user themself, or administrators)',
        params: Type.Object({ username: UsernameParam, token_id: SerialIdParam }),
        response: { 200: Type.Object({ token_info: TokenOut }) },
      },
    },
    async (req) => {
      const user = await users.getUser(req.params.username);
      const info = await users.revokeToken(user.id, serialIdOf('token_id', req.params.token_id));
      return { token_info: tokenToWire(info) };
    },
  );
}

const users = `${apiPaths.native}/users`;
const selfOrAdminByPath = selfOrAdmin(params('username'));

/** Listing users is for administrators; a user manages their own API tokens. */
export const userPolicies: PolicyTable = {
  [`GET ${users}/me`]: anySignedIn,
  [`GET ${users}`]: adminOnly,
  [`PATCH ${users}/:username`]: adminOnly,
  [`POST ${users}/:username/tokens`]: selfOrAdminByPath,
  [`GET ${users}/:username/tokens`]: selfOrAdminByPath,
  [`DELETE ${users}/:username/tokens/:token_id`]: selfOrAdminByPath,
};

/** The native user and API-token routes. */
export const userRoutes: RoutePlugin = {
  name: 'users',
  policies: userPolicies,
  register(app, services) {
    registerUserRoutes(app, {
      users: services.users,
      permissions: services.permissions,
      sessions: services.sessions,
    });
  },
};
