import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditResource } from '../../security/audit/index.js';
import type { Grant, PermissionService } from '../../security/permissions/index.js';
import type { Session, SessionService } from '../../security/sessions/index.js';
import {
  AuthenticationError,
  disabledUserMessage,
  type AuthenticationFailureReason,
  type User,
  type UserService,
} from '../../security/users/index.js';
import { BosunError } from '../../shared/index.js';
import type { SecretsState } from '../../platform/index.js';
import { auditField } from '../audit/index.js';
import { cameOverTls, clearedSessionCookie, readSessionCookie, sessionCookie } from '../auth/index.js';
import { apiPaths, params, publicRoute, selfOrAdmin, signedIn } from '../authz/policy-helpers.js';
import type { AuditedInput, PolicyTable } from '../authz/policy-types.js';
import { SerialIdParam, serialIdOf, UsernameIn, UsernameParam, UsernameParams } from '../id-schemas.js';
import type { RoutePlugin } from '../route-plugin.js';
import type { TypedApp } from '../typed-app.js';
import { userToWire } from './user-routes.js';

/** What the browser sign-in routes need. */
export interface SessionRouteDeps {
  authEnabled: boolean;
  users: UserService;
  sessions: SessionService;
  permissions: PermissionService;
  secrets: Pick<SecretsState, 'enabled'>;
}

const session = `${apiPaths.native}/session`;
const userSessions = `${apiPaths.native}/users/:username/sessions`;
const tags = ['session'];

const UserOut = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  is_admin: Type.Boolean(),
  created_at: Type.Integer({ description: 'epoch milliseconds' }),
  updated_at: Type.Integer(),
  last_login_at: Type.Optional(Type.Integer()),
});
const SessionOut = Type.Object({
  id: Type.Integer(),
  created_at: Type.Integer({ description: 'epoch milliseconds' }),
  last_seen_at: Type.Integer({ description: 'recorded to the minute' }),
  expires_at: Type.Integer({ description: 'the absolute end of the session' }),
  idle_expires_at: Type.Integer({ description: 'the end if it stays unused; moves forward with use' }),
  revoked_at: Type.Optional(Type.Integer()),
  user_agent: Type.Optional(Type.String()),
  client_address: Type.Optional(Type.String()),
  current: Type.Optional(Type.Boolean({ description: 'the session this request was signed in with' })),
});
const GrantOut = Type.Object({
  resource_type: Type.Union([Type.Literal('experiment'), Type.Literal('registered_model')]),
  resource: Type.String({ description: 'the experiment id or the registered model name' }),
  permission: Type.String(),
});
const Capabilities = Type.Object(
  {
    create_experiments: Type.Boolean(),
    create_registered_models: Type.Boolean(),
    manage_users: Type.Boolean({
      description: 'users, admin flags, passwords, other users’ tokens and sessions',
    }),
    read_audit_log: Type.Boolean(),
    manage_webhooks: Type.Boolean(),
    manage_secrets: Type.Boolean({ description: 'administrators, when the server has a master key' }),
  },
  {
    description:
      'What the user may do beyond the grants, for deciding which pages to offer (the server still checks every request)',
  },
);
const WhoAmI = Type.Object({
  auth_enabled: Type.Boolean({ description: 'false: the server runs without authentication (single user)' }),
  user: Type.Optional(UserOut),
  auth_method: Type.Optional(
    Type.Union([Type.Literal('session'), Type.Literal('basic'), Type.Literal('bearer')]),
  ),
  session: Type.Optional(SessionOut),
  grants: Type.Array(GrantOut),
  default_permission: Type.String({ description: 'what applies on experiments and models without a grant' }),
  capabilities: Capabilities,
});

function sessionToWire(s: Session, currentId?: number) {
  return {
    id: s.id,
    created_at: s.createdAt,
    last_seen_at: s.lastSeenAt,
    expires_at: s.expiresAt,
    idle_expires_at: s.idleExpiresAt,
    ...(s.revokedAt !== undefined ? { revoked_at: s.revokedAt } : {}),
    ...(s.userAgent !== undefined ? { user_agent: s.userAgent } : {}),
    ...(s.clientAddress !== undefined ? { client_address: s.clientAddress } : {}),
    ...(currentId !== undefined ? { current: s.id === currentId } : {}),
  };
}

function grantToWire(g: Grant) {
  return {
    resource_type: g.kind === 'experiment' ? ('experiment' as const) : ('registered_model' as const),
    resource: g.resource,
    permission: g.permission,
  };
}

/** The same answer as a failed HTTP Basic sign-in, without the challenge that would open the browser's dialog. */
function refuseSignIn(reply: FastifyReply, reason: AuthenticationFailureReason): FastifyReply {
  return reply
    .code(401)
    .type('application/json; charset=utf-8')
    .send({
      error_code: 'UNAUTHENTICATED',
      message:
        reason === 'disabled_user'
          ? disabledUserMessage
          : 'Authentication required: invalid or missing credentials.',
    });
}

/**
 * Browser sign-in under `/api/bosun/v1/session`: sign in with a username and password (the `bosun_session`
 * cookie: HttpOnly, SameSite=Strict, Path=/, Secure over TLS, Max-Age = the session's absolute lifetime), who am
 * I (the user, how they signed in, their grants and what they may administer), sign out; and a user's open
 * sessions under `/api/bosun/v1/users/{username}/sessions` (list, revoke one, revoke all).
 * Example: `registerSessionRoutes(app, { authEnabled, users, sessions, permissions, secrets })`.
 */
export function registerSessionRoutes(app: TypedApp, deps: SessionRouteDeps): void {
  const { users, sessions, permissions } = deps;

  async function whoAmI(request: FastifyRequest, user: User | undefined, current?: Session) {
    if (!deps.authEnabled || user === undefined) {
      return {
        auth_enabled: false,
        grants: [],
        default_permission: 'MANAGE',
        capabilities: {
          create_experiments: true,
          create_registered_models: true,
          manage_users: false,
          read_audit_log: true,
          manage_webhooks: true,
          manage_secrets: deps.secrets.enabled,
        },
      };
    }
    const grants = await permissions.listUserGrants(user.id);
    const method = request.authMethod ?? 'session';
    return {
      auth_enabled: true,
      user: userToWire(user),
      auth_method: method,
      ...(current !== undefined ? { session: sessionToWire(current) } : {}),
      grants: grants.map(grantToWire),
      default_permission: permissions.defaultPermission,
      capabilities: {
        create_experiments: true,
        create_registered_models: true,
        manage_users: user.isAdmin,
        read_audit_log: user.isAdmin,
        manage_webhooks: user.isAdmin,
        manage_secrets: user.isAdmin && deps.secrets.enabled,
      },
    };
  }

  app.post(
    session,
    {
      schema: {
        tags,
        summary:
          'Sign in with a username and password: sets the bosun_session cookie (HttpOnly, SameSite=Strict) and answers who am I',
        body: Type.Object({ username: UsernameIn, password: Type.String() }),
        response: { 200: WhoAmI },
      },
    },
    async (req, reply) => {
      if (!deps.authEnabled) {
        throw new BosunError(
          'BAD_REQUEST',
          'Authentication is off on this server: there is nothing to sign in to.',
        );
      }
      let user: User;
      try {
        user = await users.authenticatePassword(req.body.username, req.body.password, req.ip);
      } catch (err) {
        if (err instanceof AuthenticationError) return refuseSignIn(reply, err.reason);
        throw err;
      }
      const userAgent = req.headers['user-agent'];
      const started = await sessions.start(user, { userAgent, clientAddress: req.ip });
      // The audit record of this request names the user who signed in.
      req.user = user;
      req.authMethod = 'session';
      req.signInSession = started.session;
      const maxAge = (started.session.expiresAt - started.session.createdAt) / 1000;
      reply.header('set-cookie', sessionCookie(started.token, maxAge, cameOverTls(req)));
      return whoAmI(req, user, started.session);
    },
  );

  app.get(
    session,
    {
      schema: {
        tags,
        summary:
          'Who am I: the signed-in user, how they signed in, their grants and capabilities; auth_enabled false when the server runs without authentication',
        response: { 200: WhoAmI },
      },
    },
    async (req) => whoAmI(req, req.user, req.signInSession),
  );

  app.delete(
    session,
    {
      schema: {
        tags,
        summary: 'Sign out: ends the session of the bosun_session cookie on the server and clears the cookie',
        response: { 200: Type.Object({ session: Type.Optional(SessionOut) }) },
      },
    },
    async (req, reply) => {
      // Only the session this request was signed in with: a request signed in otherwise (Basic, a token) may
      // carry a cookie of someone else's session, which it only clears from its browser.
      const token = req.authMethod === 'session' ? readSessionCookie(req.headers.cookie) : undefined;
      const ended = token !== undefined ? await sessions.end(token) : undefined;
      reply.header('set-cookie', clearedSessionCookie(cameOverTls(req)));
      return ended !== undefined ? { session: sessionToWire(ended) } : {};
    },
  );

  app.get(
    userSessions,
    {
      schema: {
        tags,
        summary: "A user's open browser sessions, newest first (the user themself, or administrators)",
        params: UsernameParams,
        response: { 200: Type.Object({ sessions: Type.Array(SessionOut) }) },
      },
    },
    async (req) => {
      const user = await users.getUser(req.params.username);
      const currentId = req.signInSession?.id ?? 0;
      return { sessions: (await sessions.list(user.id)).map((s) => sessionToWire(s, currentId)) };
    },
  );

  app.delete(
    `${userSessions}/:session_id`,
    {
      schema: {
        tags,
        summary: "End one of a user's browser sessions (the user themself, or administrators)",
        params: Type.Object({ username: UsernameParam, session_id: SerialIdParam }),
        response: { 200: Type.Object({ session: SessionOut }) },
      },
    },
    async (req) => {
      const user = await users.getUser(req.params.username);
      const revoked = await sessions.revoke(user.id, serialIdOf('session_id', req.params.session_id));
      return { session: sessionToWire(revoked) };
    },
  );

  app.delete(
    userSessions,
    {
      schema: {
        tags,
        summary:
          'End every browser session of a user: signs them out everywhere (the user themself, or administrators)',
        params: UsernameParams,
        response: {
          200: Type.Object({ revoked: Type.Integer({ description: 'how many sessions were open' }) }),
        },
      },
    },
    async (req) => {
      const user = await users.getUser(req.params.username);
      return { revoked: await sessions.revokeAll(user.id) };
    },
  );
}

/** A sign-in names the user it was for (never the password); session routes name the user and the session. */
function auditSignIn({ body }: AuditedInput): AuditResource {
  return { type: 'user', id: auditField(body, 'username') ?? null };
}
function auditUserSessions({ params: p }: AuditedInput): AuditResource {
  const username = auditField(p, 'username') ?? null;
  const id = auditField(p, 'session_id');
  return id !== undefined
    ? { type: 'session', id: `${username ?? ''}/${id}` }
    : { type: 'user', id: username };
}
const selfOrAdminSessions = { ...selfOrAdmin(params('username')), audit: auditUserSessions };

/**
 * Signing in needs no credentials (it is how a browser gets them); who am I and signing out need a signed-in
 * user (any method); a user manages their own sessions, administrators anyone's.
 */
export const sessionPolicies: PolicyTable = {
  [`POST ${session}`]: { ...publicRoute, audit: auditSignIn },
  [`GET ${session}`]: signedIn,
  [`DELETE ${session}`]: { ...signedIn, audit: () => ({ type: 'session', id: null }) },
  [`GET ${userSessions}`]: selfOrAdminSessions,
  [`DELETE ${userSessions}`]: selfOrAdminSessions,
  [`DELETE ${userSessions}/:session_id`]: selfOrAdminSessions,
};

/** The browser sign-in routes. */
export const sessionRoutes: RoutePlugin = {
  name: 'sessions',
  policies: sessionPolicies,
  register(app, services) {
    registerSessionRoutes(app, {
      authEnabled: services.config.authEnabled,
      users: services.users,
      sessions: services.sessions,
      permissions: services.permissions,
      secrets: services.secrets,
    });
  },
};
