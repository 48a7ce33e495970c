import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { AuditLog, AuditOutcome, AuditRecordInput } from '../../security/audit/index.js';
import type { RoutePolicy } from '../authz/policy-types.js';
import { resourceOf } from './audit-resources.js';
import type { TypedApp } from '../typed-app.js';

/** What the audit hook and routes need: the database holding `audit_log` and the log itself. */
export interface AuditDeps {
  db: Kysely<Database>;
  auditLog: AuditLog;
}

const mutatingMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The acting user as the authentication hook left it (`request.user.username`), else 'anonymous'. */
export function actorOf(request: FastifyRequest): string {
  const user: unknown = (request as unknown as { user?: unknown }).user;
  if (typeof user === 'object' && user !== null) {
    const name: unknown = (user as { username?: unknown }).username;
    if (typeof name === 'string' && name !== '') return name;
  }
  return 'anonymous';
}

export function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'success';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'denied';
  return 'error';
}

/** Reads of secret values (`GET /api/bosun/v1/secrets/data/<path>`): the one kind of read that is audited. */
const secretValuePrefixes = ['/api/bosun/v1/secrets/data/', '/ajax-api/bosun/v1/secrets/data/'];

/**
 * Whether a finished request belongs in the audit log: mutations on the API, every 401/403, and every read of a
 * secret's value (who saw which secret, never the value).
 */
export function shouldAudit(method: string, url: string, status: number): boolean {
  if (status === 401 || status === 403) return true;
  const path = url.split('?', 1)[0] ?? '';
  if ((method === 'GET' || method === 'HEAD') && secretValuePrefixes.some((p) => path.startsWith(p)))
    return true;
  // `/ajax-api/` is the web UI's copy of the API (and the only home of its upload route).
  return mutatingMethods.has(method) && (path.startsWith('/api/') || path.startsWith('/ajax-api/'));
}

/** The policy entry of a route (its `audit` names what a request touched), from the assembled route policies. */
export type AuditPolicyLookup = (method: string, pattern: string) => Pick<RoutePolicy, 'audit'> | undefined;

/**
 * The record of one request. Reads only ids from the body, never the body itself. The resource is the one the
 * route's policy entry names (`audit`, see `nameResources`), else `resourceOf('ids', …)`.
 */
export function auditRecordOf(
  request: FastifyRequest,
  reply: FastifyReply,
  policyOf: AuditPolicyLookup = () => undefined,
): AuditRecordInput {
  const routeUrl = request.routeOptions.url;
  const route = routeUrl ?? '(no route)';
  const status = reply.statusCode;
  const input = { params: request.params, body: request.body, query: request.query };
  const audit = routeUrl !== undefined ? policyOf(request.method, routeUrl)?.audit : undefined;
  return {
    actor: actorOf(request),
    action: `${request.method} ${route}`,
    resource: routeUrl ? (audit?.(input) ?? resourceOf('ids', input)) : { type: 'route', id: null },
    outcome: outcomeOf(status),
    statusCode: status >= 100 && status <= 599 ? status : null,
    requestId: String(request.id),
    clientAddress: request.ip,
  };
}

/**
 * Records audited requests once their response is sent. Appends are not awaited by the response path; their
 * failures are logged, never thrown. `idle()` resolves once every pending append has settled; the app's close
 * waits for it so no record is lost on shutdown.
 */
export class AuditRecorder {
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly deps: AuditDeps) {}

  record(request: FastifyRequest, input: AuditRecordInput): void {
    const task = this.deps.auditLog.append(this.deps.db, input).then(
      () => undefined,
      (err: unknown) => {
        request.log.error({ err, action: input.action }, 'audit append failed');
      },
    );
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task));
  }

  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }
}

/**
 * Installs the onResponse audit hook on `app`; call it before routes are registered. `policyOf` finds a route's
 * policy entry (its `audit` field, see `nameResources`); without it a resource is named by `resourceOf('ids', …)`.
 */
export function installAuditHook(
  app: TypedApp,
  deps: AuditDeps,
  policyOf?: AuditPolicyLookup,
): AuditRecorder {
  const recorder = new AuditRecorder(deps);
  app.addHook('onResponse', (request, reply, done) => {
    try {
      if (shouldAudit(request.method, request.url, reply.statusCode)) {
        recorder.record(request, auditRecordOf(request, reply, policyOf));
      }
    } catch (err) {
      request.log.error({ err }, 'audit record failed');
    }
    done();
  });
  app.addHook('onClose', async () => {
    await recorder.idle();
  });
  return recorder;
}
