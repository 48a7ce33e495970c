import { Type } from '@sinclair/typebox';
import type { TypedApp } from './typed-app.js';
import { errorBodySchema } from './openapi-responses.js';
import { NotImplementedError } from '../shared/index.js';
import { bosunVersion, mlflowApiVersion } from './version.js';
import { apiPaths, publicRoute, signedIn } from './authz/policy-helpers.js';
import type { PolicyTable } from './authz/policy-types.js';
import type { RoutePlugin } from './route-plugin.js';

export interface SystemRouteDeps {
  /** Resolves when the database answers; rejects otherwise. */
  checkDatabase?: () => Promise<void>;
}

const ServerInfo = Type.Object({ store_type: Type.String(), workspaces_enabled: Type.Boolean() });
const Versions = Type.Object({
  version: Type.String({ description: "Bosun's own version" }),
  mlflow_api_version: Type.String({ description: 'the MLflow release whose REST API Bosun serves' }),
});

/** MLflow's client stops sending spans for the rest of the process when a refusal contains this phrase. */
export const spanLoggingRefusal =
  'REST OTLP span logging is not supported by Bosun: it does not store traces (MLflow tracing is not implemented).';

/**
 * Health, versions and server-info: what load balancers, the MLflow client and operators probe. `/version` is
 * the MLflow API version (the client gates features on it); Bosun's own version is `/api/bosun/v1/version`.
 */
export function registerSystemRoutes(app: TypedApp, deps: SystemRouteDeps): void {
  app.get(
    '/health',
    { schema: { tags: ['system'], summary: 'Liveness probe: the text OK' } },
    async (_req, reply) => reply.type('text/plain; charset=utf-8').send('OK'),
  );

  app.get(
    '/version',
    {
      schema: {
        tags: ['system'],
        summary:
          'The MLflow release whose REST API this server serves, as plain text (what the mlflow client reads)',
      },
    },
    async (_req, reply) => reply.type('text/plain; charset=utf-8').send(mlflowApiVersion),
  );

  app.get(
    '/api/bosun/v1/version',
    {
      schema: {
        tags: ['system'],
        summary: "Bosun's own version and the MLflow API version it serves",
        response: { 200: Versions },
      },
    },
    async () => ({ version: bosunVersion(), mlflow_api_version: mlflowApiVersion }),
  );

  // MLflow clients from 3.4 on send spans here (OTLP, protobuf or JSON) when the server's version allows it.
  app.register(async (otlp) => {
    otlp.removeAllContentTypeParsers();
    otlp.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    otlp.post(
      '/v1/traces',
      {
        schema: {
          tags: ['system'],
          summary: 'OTLP span export: not implemented (answers 501 NOT_IMPLEMENTED)',
          response: { 501: errorBodySchema },
        },
      },
      async () => {
        throw new NotImplementedError(spanLoggingRefusal);
      },
    );
  });

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
  [`GET ${apiPaths.native}/version`]: publicRoute,
  'POST /v1/traces': signedIn,
  [`GET ${apiPaths.mlflowV3}/server-info`]: signedIn,
};

/** Health, versions, readiness, server-info and the OTLP span endpoint's refusal. */
export const systemRoutes: RoutePlugin = {
  name: 'system',
  policies: systemPolicies,
  register(app, services) {
    registerSystemRoutes(app, { checkDatabase: services.checkDatabase });
  },
};
