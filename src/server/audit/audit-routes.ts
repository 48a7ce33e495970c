import { Type } from '@sinclair/typebox';
import {
  auditOutcomes,
  type AuditEntry,
  type AuditOutcome,
  type AuditQuery,
  verifyResultToWire,
} from '../../security/audit/index.js';
import { InvalidParameterError } from '../../shared/index.js';
import type { TypedApp } from '../typed-app.js';
import type { AuditDeps } from './audit-hook.js';
import { adminOnly, apiPaths } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';

const prefix = '/api/bosun/v1/audit-log';
const tags = ['audit log'];

const QuerySchema = Type.Object({
  actor: Type.Optional(Type.String()),
  action: Type.Optional(Type.String()),
  outcome: Type.Optional(Type.String({ description: auditOutcomes.join(' | ') })),
  since: Type.Optional(Type.String({ description: 'inclusive, epoch milliseconds' })),
  until: Type.Optional(Type.String({ description: 'exclusive, epoch milliseconds' })),
  max_results: Type.Optional(Type.String({ description: '1-1000, default 100' })),
  page_token: Type.Optional(Type.String()),
});

function integerParam(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,16}$/.test(text)) throw new InvalidParameterError(`Invalid value for parameter '${name}'`);
  return Number(text);
}

function entryToWire(e: AuditEntry) {
  return {
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    resource_type: e.resource.type,
    resource_id: e.resource.id,
    outcome: e.outcome,
    status_code: e.statusCode,
    request_id: e.requestId,
    client_address: e.clientAddress,
    details: e.details,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

/**
 * `GET /api/bosun/v1/audit-log` (filtered, newest first, paged) and `GET /api/bosun/v1/audit-log/verify`.
 * Administrators only once permissions land (issue 4, point 3).
 */
export function registerAuditRoutes(app: TypedApp, deps: AuditDeps): void {
  app.get(
    prefix,
    { schema: { tags, summary: 'Query the audit log (administrators)', querystring: QuerySchema } },
    async (request) => {
      const q = request.query;
      const query: AuditQuery = {};
      if (q.actor) query.actor = q.actor;
      if (q.action) query.action = q.action;
      if (q.outcome) {
        if (!(auditOutcomes as readonly string[]).includes(q.outcome)) {
          throw new InvalidParameterError(`Invalid outcome filter: use one of ${auditOutcomes.join(', ')}`);
        }
        query.outcome = q.outcome as AuditOutcome;
      }
      const since = integerParam(q.since, 'since');
      const until = integerParam(q.until, 'until');
      const maxResults = integerParam(q.max_results, 'max_results');
      if (since !== undefined) query.since = since;
      if (until !== undefined) query.until = until;
      if (maxResults !== undefined) query.maxResults = maxResults;
      if (q.page_token) query.pageToken = q.page_token;
      const page = await deps.auditLog.list(deps.db, query);
      return {
        entries: page.items.map(entryToWire),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      };
    },
  );

  app.get(
    `${prefix}/verify`,
    {
      schema: {
        tags,
        summary: 'Verify the hash chain of the audit log and list every break (administrators)',
      },
    },
    async () => verifyResultToWire(await deps.auditLog.verify(deps.db)),
  );
}

/** Reading and verifying the audit log: administrators only. */
export const auditPolicies: PolicyTable = {
  [`GET ${apiPaths.native}/audit-log`]: adminOnly,
  [`GET ${apiPaths.native}/audit-log/verify`]: adminOnly,
};

/** The audit log's query and verification routes. */
export const auditRoutes: RoutePlugin = {
  name: 'audit-log',
  policies: auditPolicies,
  register(app, services) {
    registerAuditRoutes(app, { db: services.database.db, auditLog: services.auditLog });
  },
};
