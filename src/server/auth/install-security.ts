import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AuthenticationError,
  disabledUserMessage,
  type AuthenticationFailureReason,
  type User,
  type UserService,
} from '../../security/users/index.js';
import type { SessionRefusal, SessionService } from '../../security/sessions/index.js';
import type { StepTokenRefusal, StepTokenService } from '../../pipelines/index.js';
import type { ServerConfig } from '../../shared/index.js';
import type { TypedApp } from '../typed-app.js';
import type { RoutePolicies } from '../authz/route-policies.js';
import { allowedHostEntries, isHostAllowed } from './host-allowlist.js';
import type { AuthMethod } from './request-user.js';
import { clearedSessionCookie, cameOverTls, readSessionCookie, showsSameOrigin } from './session-cookie.js';
import './request-user.js';

export interface AuthFailure {
  request: FastifyRequest;
  /**
   * Why, for the audit log only: `missing_credentials`, `malformed_header`, a UserService reason or a
   * SessionService one (the `bosun_session` cookie).
   */
  reason:
    | AuthenticationFailureReason
    | SessionRefusal
    | StepTokenRefusal
    | 'missing_credentials'
    | 'malformed_header';
  /** The username a Basic attempt named (never the password). */
  username?: string;
}

export interface SecurityOptions {
  config: Pick<ServerConfig, 'authEnabled' | 'allowedHosts' | 'host'> &
    Partial<Pick<ServerConfig, 'corsOrigins'>>;
  /** Who may sign in (consulted only when `config.authEnabled`). */
  users: UserService;
  /** Browser sessions: without it the `bosun_session` cookie signs nobody in. */
  sessions?: Pick<SessionService, 'check'>;
  /** Pipeline step tokens (scoped to one step's run): checked before the users' API tokens. */
  stepTokens?: Pick<StepTokenService, 'check'>;
  /** The routes' policies: those declared `public` are served without credentials. */
  policies: Pick<RoutePolicies, 'isPublic'>;
  /** Called on every failed sign-in (for the audit log). Must not throw. */
  onAuthFailure?: (failure: AuthFailure) => void;
}

export interface RouteEntry {
  method: string;
  url: string;
}

const inventories = new WeakMap<object, RouteEntry[]>();

/** Every route registered after `installSecurity` (one entry per method), for route-inventory tests. */
export function registeredRoutes(app: TypedApp): RouteEntry[] {
  return [...(inventories.get(app) ?? [])];
}

const unauthenticatedBody = {
  error_code: 'UNAUTHENTICATED',
  message: 'Authentication required: invalid or missing credentials.',
};

/**
 * The 401 answer. Scripts of a web page (`Sec-Fetch-Dest: empty`) and requests that came with the session
 * cookie get it without the `WWW-Authenticate: Basic` challenge, which would make the browser pop up its own
 * password dialog over the sign-in page; a stale session cookie is cleared. `message` replaces the generic one
 * only where the caller proved who they are (a disabled user).
 */
export function sendUnauthenticated(
  request: FastifyRequest,
  reply: FastifyReply,
  message?: string,
): FastifyReply {
  const withCookie = readSessionCookie(request.headers.cookie) !== undefined;
  if (!withCookie && request.headers['sec-fetch-dest'] !== 'empty') {
    reply.header('www-authenticate', 'Basic realm="bosun"');
  }
  if (withCookie && request.headers.authorization === undefined) {
    reply.header('set-cookie', clearedSessionCookie(cameOverTls(request)));
  }
  return reply
    .code(401)
    .type('application/json; charset=utf-8')
    .send(message === undefined ? unauthenticatedBody : { error_code: 'UNAUTHENTICATED', message });
}

function sendCrossSite(reply: FastifyReply, message: string): FastifyReply {
  return reply
    .code(403)
    .type('application/json; charset=utf-8')
    .send({ error_code: 'PERMISSION_DENIED', message });
}

type Credentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'missing' }
  | { kind: 'malformed' };

/** Parses `Authorization: Basic base64(user:password)` or `Bearer <token>` (scheme case-insensitive). */
export function parseAuthorization(header: string | undefined): Credentials {
  if (header === undefined || header.trim() === '') return { kind: 'missing' };
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (!match?.[1] || !match[2]) return { kind: 'malformed' };
  const scheme = match[1].toLowerCase();
  if (scheme === 'bearer') return { kind: 'bearer', token: match[2] };
  if (scheme !== 'basic' || !/^[A-Za-z0-9+/]+={0,2}$/.test(match[2])) return { kind: 'malformed' };
  const decoded = Buffer.from(match[2], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { kind: 'malformed' };
  return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a state-changing request comes from a page of another site (CSRF): browsers send `Origin` on every
 * cross-origin POST/PUT/PATCH/DELETE (and `Sec-Fetch-Site`), and re-send remembered Basic credentials with it.
 * `configuredHosts` are the operator's BOSUN_ALLOWED_HOSTS entries.
 * Clients that are not browsers send neither header. `Origin: null` (sandboxed frames, files) counts as foreign.
 */
export function isCrossSiteWrite(
  request: FastifyRequest,
  configuredHosts: readonly string[],
  corsOrigins: readonly string[] = [],
): boolean {
  if (safeMethods.has(request.method)) return false;
  const origin = request.headers.origin;
  // A page of an origin the operator opened to CORS (BOSUN_CORS_ORIGINS) may write, with its user's credentials.
  if (origin !== undefined && corsOrigins.includes(origin)) return false;
  if (request.headers['sec-fetch-site'] === 'cross-site') return true;
  if (origin === undefined) return false;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return true;
  }
  // Same origin (the Host the browser addressed), or a name the operator listed (BOSUN_ALLOWED_HOSTS): not the
  // loopback defaults on any port, since another local web app is another origin.
  if (host !== '' && host.toLowerCase() === request.headers.host?.toLowerCase()) return false;
  return host === '' || configuredHosts.length === 0 || !isHostAllowed(host, configuredHosts);
}

/**
 * The HTTP security layer, installed before any route: security headers on every response, the Host-header
 * allowlist (against DNS rebinding) and the cross-site write refusal (CSRF) on every request, and — when auth
 * is on — HTTP Basic / Bearer / session-cookie authentication on every route but the public ones (declared `public` by their route plugin), with the user attached as `request.user`. CORS headers are
 * sent only for the origins of `config.corsOrigins` (see `installCors`). Example: `installSecurity(app, { config, users, policies })`.
 */
export function installSecurity(app: TypedApp, options: SecurityOptions): void {
  const { config, users } = options;
  const hosts = allowedHostEntries(config.host, config.allowedHosts);
  const inventory: RouteEntry[] = [];
  inventories.set(app, inventory);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) inventory.push({ method: String(method), url: route.url });
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    if (/^\/(ajax-)?api\//.test(request.url)) reply.header('cache-control', 'no-store');

    if (!isHostAllowed(request.headers.host, hosts)) {
      return reply.code(400).type('application/json; charset=utf-8').send({
        error_code: 'BAD_REQUEST',
        message: 'Host header not allowed. Add the name clients use to BOSUN_ALLOWED_HOSTS.',
      });
    }
    if (isCrossSiteWrite(request, config.allowedHosts, config.corsOrigins)) {
      return sendCrossSite(
        reply,
        'Cross-site request refused: its Origin is not this server. Add the name clients use to BOSUN_ALLOWED_HOSTS.',
      );
    }
    if (!config.authEnabled) return;
    const pattern = request.routeOptions.url;
    if (pattern !== undefined && options.policies.isPublic(request.method, pattern)) return;
    const credentials = parseAuthorization(request.headers.authorization);
    const fail = (reason: AuthFailure['reason'], username?: string): FastifyReply => {
      options.onAuthFailure?.({ request, reason, ...(username !== undefined ? { username } : {}) });
      const disabled = reason === 'disabled_user' || reason === 'user_disabled';
      return sendUnauthenticated(request, reply, disabled ? disabledUserMessage : undefined);
    };
    const cookie = credentials.kind === 'missing' ? readSessionCookie(request.headers.cookie) : undefined;
    if (cookie !== undefined && options.sessions) {
      // Browsers send the cookie with any request to this site: a write must show it comes from its pages.
      if (!safeMethods.has(request.method) && !showsSameOrigin(request)) {
        return sendCrossSite(
          reply,
          'Cross-site request refused: a request signed in by the session cookie must come from a page of this ' +
            'server (the browser sends Origin). Other clients sign in with a password or an API token.',
        );
      }
      const check = await options.sessions.check(cookie);
      if (check.status === 'refused') return fail(check.reason);
      request.user = check.user;
      request.authMethod = 'session';
      request.signInSession = check.session;
      return;
    }
    if (credentials.kind === 'missing') return fail('missing_credentials');
    if (credentials.kind === 'malformed') return fail('malformed_header');
    let user: User;
    let method: AuthMethod;
    try {
      if (credentials.kind === 'basic') {
        user = await users.authenticatePassword(credentials.username, credentials.password, request.ip);
        method = 'basic';
      } else {
        const step = options.stepTokens ? await options.stepTokens.check(credentials.token) : undefined;
        if (step?.status === 'refused') return fail(step.reason);
        if (step?.status === 'valid') {
          const owner = await users.getUser(step.username).catch(() => undefined);
          if (owner === undefined) return fail('unknown_token');
          if (owner.disabled) return fail('user_disabled');
          user = owner;
          request.stepTokenScope = step.scope;
        } else {
          user = (await users.authenticateToken(credentials.token)).user;
        }
        method = 'bearer';
      }
    } catch (err) {
      if (err instanceof AuthenticationError) {
        return fail(err.reason, credentials.kind === 'basic' ? credentials.username : undefined);
      }
      throw err;
    }
    request.user = user;
    request.authMethod = method;
  });
}
