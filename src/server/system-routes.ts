import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { migrationState } from '../db/index.js';
import { checkReadiness, type Readiness } from './readiness.js';
import type { TypedApp } from './typed-app.js';
import { errorBodySchema } from './openapi-responses.js';
import { NotImplementedError } from '../shared/index.js';
import { bosunVersion, mlflowApiVersion } from './version.js';
import { apiPaths, publicRoute, signedIn } from './authz/policy-helpers.js';
import type { PolicyTable } from './authz/policy-types.js';
import type { RoutePlugin } from './route-plugin.js';

export interface SystemRouteDeps {
  /** The readiness checks (database, migrations, secrets key); absent: always ready. */
  readiness?: () => Promise<Readiness>;
}

const alwaysReady: Readiness = {
  ready: true,
  database: 'ok',
  migrations: 'current',
  pendingMigrations: [],
  unknownMigrations: [],
  secrets: 'disabled',
};

const migrationsReport = Type.Union(
  [Type.Literal('current'), Type.Literal('behind'), Type.Literal('ahead'), Type.Literal('unchecked')],
  {
    description:
      'current; behind: the database lacks migrations this code has; ahead: it has migrations this code does not know (a newer release ran them); unchecked: the database did not answer',
  },
);
const secretsReport = Type.Union(
  [Type.Literal('ok'), Type.Literal('disabled'), Type.Literal('stale_key'), Type.Literal('unchecked')],
  {
    description:
      'informational, never makes the server unready: stale_key means another process rotated the master key and this one must be restarted with the new key to read secrets',
  },
);
const ReadinessBody = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  version: Type.String(),
  database: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  migrations: migrationsReport,
  pending_migrations: Type.Array(Type.String()),
  unknown_migrations: Type.Array(Type.String()),
  secrets: secretsReport,
});
const NativeHealthBody = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  version: Type.String(),
  database: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  migrations: migrationsReport,
  secrets: secretsReport,
});

const ServerInfo = Type.Object({ store_type: Type.String(), workspaces_enabled: Type.Boolean() });
const Versions = Type.Object({
  version: Type.String({ description: "Bosun's own version" }),
  mlflow_api_version: Type.String({ description: 'the MLflow release whose REST API Bosun serves' }),
});

/** MLflow's client stops sending spans for the rest of the process when a refusal contains this phrase. */
export const spanLoggingRefusal =
  'REST OTLP span logging is not supported by Bosun: it does not store traces (MLflow tracing is not implemented).';

/**
 * Health, versions and server-info: what load balancers, the MLflow client and operators probe. `/health` and
 * `/health/live` are liveness (the process answers); `/health/ready` and `/api/bosun/v1/health` are readiness
 * (see readiness.ts). `/version` is
 * the MLflow API version (the client gates features on it); Bosun's own version is `/api/bosun/v1/version`.
 */
export function registerSystemRoutes(app: TypedApp, deps: SystemRouteDeps): void {
  const readiness = deps.readiness ?? (async () => alwaysReady);
  const live = async (_req: unknown, reply: FastifyReply) =>
    reply.type('text/plain; charset=utf-8').send('OK');
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        summary: "Liveness probe: the text OK while the process serves HTTP (MLflow's /health)",
      },
    },
    live,
  );
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness probe: the text OK while the process serves HTTP; touches no database',
      },
    },
    live,
  );
  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['system'],
        summary:
          'Readiness probe: 200 when the database answers and its schema is the one this code expects, 503 otherwise',
        response: { 200: ReadinessBody, 503: ReadinessBody },
      },
    },
    async (req, reply) => {
      const r = await readiness();
      if (!r.ready) req.log.warn({ readiness: r }, 'not ready');
      return reply.code(r.ready ? 200 : 503).send({
        status: r.ready ? 'ready' : 'not_ready',
        version: bosunVersion(),
        database: r.database,
        migrations: r.migrations,
        pending_migrations: r.pendingMigrations,
        unknown_migrations: r.unknownMigrations,
        secrets: r.secrets,
      });
    },
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
        summary: 'Readiness, in the shape of earlier releases: the server, its database and its schema',
        response: { 200: NativeHealthBody, 503: NativeHealthBody },
      },
    },
    async (req, reply) => {
      const r = await readiness();
      if (!r.ready) req.log.warn({ readiness: r }, 'not ready');
      return reply.code(r.ready ? 200 : 503).send({
        status: r.ready ? 'ok' : 'unavailable',
        version: bosunVersion(),
        database: r.database,
        migrations: r.migrations,
        secrets: r.secrets,
      });
    },
  );
}

/** Probes are public; server-info (which MLflow 3 clients ask first) needs a signed-in user. */
export const systemPolicies: PolicyTable = {
  'GET /health': publicRoute,
  'GET /health/live': publicRoute,
  'GET /health/ready': publicRoute,
  'GET /version': publicRoute,
  [`GET ${apiPaths.native}/health`]: publicRoute,
  [`GET ${apiPaths.native}/version`]: publicRoute,
  'POST /v1/traces': signedIn,
  [`GET ${apiPaths.mlflowV3}/server-info`]: signedIn,
};

/** Liveness, readiness, versions, server-info and the OTLP span endpoint's refusal. */
export const systemRoutes: RoutePlugin = {
  name: 'system',
  policies: systemPolicies,
  register(app, services) {
    const { secrets, database } = services;
    registerSystemRoutes(app, {
      readiness: () =>
        checkReadiness({
          checkDatabase: services.checkDatabase,
          migrationState: () => migrationState(database),
          ...(secrets.enabled ? { secretsKeyIsCurrent: () => secrets.store.keyIsCurrent() } : {}),
        }),
    });
  },
};
