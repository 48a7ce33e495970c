import { Type } from '@sinclair/typebox';
import type { TypedApp } from './typed-app.js';
import { bosunVersion } from './version.js';
import { apiPaths, publicRoute, signedIn } from './authz/policy-helpers.js';
import type { PolicyTable } from './authz/policy-types.js';
import type { RoutePlugin } from './route-plugin.js';

export interface SystemRouteDeps {
  /** Resolves when the database answers; rejects otherwise. */
  checkDatabase?: () => Promise<void>;
}

const ServerInfo = Type.Object({ store_type: Type.String(), workspaces_enabled: Type.Boolean() });

/** Health, version and server-info: what load balancers, the MLflow client's telemetry and operators probe. */
export function registerSystemRoutes(app: TypedApp, deps: SystemRouteDeps): void {
  app.get(
    '/health',
    { schema: { tags: ['system'], summary: 'Liveness probe: the text OK' } },
    async (_req, reply) => reply.type('text/plain; charset=utf-8').send('OK'),
  );

  app.get(
    '/version',
    { schema: { tags: ['system'], summary: "Bosun's version, as plain text" } },
    async (_req, reply) => reply.type('text/plain; charset=utf-8').send(bosunVersion()),
  );

  for (const prefix of ['/api/3.0/mlflow', '/ajax-api/3.0/mlflow']) {
    app.get(
      `${prefix}/server-info`,
      {
        schema: {
          tags: ['system'],
          summary: 'What kind of MLflow-compatible server this is',
          hide: prefix.startsWith('/ajax-api'),
          response: { 200: ServerInfo },
        },
      },
      async () => ({ store_type: 'SqlStore', workspaces_enabled: false }),
    );
  }

  app.get(
    '/api/bosun/v1/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Readiness: the server and its database',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            version: Type.String(),
            database: Type.Literal('ok'),
          }),
          503: Type.Object({
            status: Type.Literal('unavailable'),
            version: Type.String(),
            database: Type.Literal('error'),
          }),
        },
      },
    },
    async (req, reply) => {
      try {
        await deps.checkDatabase?.();
        return reply.code(200).send({ status: 'ok', version: bosunVersion(), database: 'ok' });
      } catch (err) {
        req.log.warn({ err }, 'database health check failed');
        return reply.code(503).send({ status: 'unavailable', version: bosunVersion(), database: 'error' });
      }
    },
  );
}

/** Probes are public; server-info (which MLflow 3 clients ask first) needs a signed-in user. */
export const systemPolicies: PolicyTable = {
  'GET /health': publicRoute,
  'GET /version': publicRoute,
  [`GET ${apiPaths.native}/health`]: publicRoute,
  [`GET ${apiPaths.mlflowV3}/server-info`]: signedIn,
};

/** Health, version, readiness and server-info. */
export const systemRoutes: RoutePlugin = {
  name: 'system',
  policies: systemPolicies,
  register(app, services) {
    registerSystemRoutes(app, { checkDatabase: services.checkDatabase });
  },
};
