import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { PlatformServices } from '../platform/index.js';
import { installAuthorization } from './authz/index.js';
import { installCors, installSecurity, publicRoutes, type SecurityOptions } from './auth/index.js';
import { documentErrorResponses } from './openapi-responses.js';
import { requestValidatorCompiler } from './validator-compiler.js';
import { installTextInputGuard } from './text-input.js';
import { formatSchemaError, installErrorHandling, type ErrorBody } from './error-handler.js';
import { registerArtifactRoutes, type ArtifactRouteDeps } from './mlflow/artifact-routes.js';
import { registerMlflowRoutes } from './mlflow/index.js';
import { registerMlflowRegistryRoutes } from './mlflow/registry-routes.js';
import { registerLineageRoutes } from './api/lineage-routes.js';
import { registerRegistryEventRoutes } from './api/registry-event-routes.js';
import { registerGovernanceRoutes } from './api/governance-routes.js';
import { registerSystemRoutes } from './system-routes.js';
import type { TypedApp } from './typed-app.js';
import { installAuditHook, registerAuditRoutes } from './audit/index.js';
import { registerSecretRoutes } from './api/secret-routes.js';
import { registerUserRoutes } from './api/user-routes.js';
import { registerMlflowAuthRoutes } from './mlflow/auth-routes.js';
import { bosunVersion } from './version.js';

/** How the app is built around the platform's services; production passes nothing. */
export interface AppOptions {
  /** A ready logger (tests pass a silent one); by default Fastify's pino logger at `config.logLevel`. */
  logger?: FastifyBaseLogger;
  /** Called on every failed sign-in. */
  onAuthFailure?: SecurityOptions['onAuthFailure'];
}

export const openApiPath = '/api/bosun/v1/openapi.json';

/**
 * The HTTP application around the platform's services, without listening: routes, validation, error mapping
 * and the OpenAPI document.
 * Example: `const app = await buildApp(await openPlatform(config)); await app.listen({ port: 5000 });`
 */
export async function buildApp(services: PlatformServices, options: AppOptions = {}): Promise<TypedApp> {
  const { config } = services;
  const deps = { ...services, ...options };
  const verbose = config.logLevel === 'debug' || config.logLevel === 'trace';
  const app = Fastify({
    ...(deps.logger
      ? { loggerInstance: deps.logger }
      : {
          logger: {
            level: config.logLevel,
            redact: ['req.headers.authorization', 'req.headers.cookie'],
          },
        }),
    // Request lines only when debugging: at info level they would cost more than the work behind them.
    logController: new LogController({ disableRequestLogging: !verbose }),
    bodyLimit: config.bodyLimitBytes,
    schemaErrorFormatter: formatSchemaError,
    // Logged-model tag keys travel in the path and may be up to 250 characters (find-my-way's default is 100).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    frameworkErrors: (err, _request, reply) => {
      // A path whose percent-escapes are not UTF-8 (`%ff`, an encoded surrogate `%ed%a0%80`): find-my-way refuses it.
      const body: ErrorBody =
        err.code === 'FST_ERR_BAD_URL'
          ? {
              error_code: 'INVALID_PARAMETER_VALUE',
              message: `Invalid URL path: it is not valid percent-encoded UTF-8 (${err.message})`,
            }
          : { error_code: 'BAD_REQUEST', message: `Bad request: ${err.message}` };
      reply.raw.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
      reply.raw.end(JSON.stringify(body));
    },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Response schemas document the API; the bodies are written by JSON.stringify from objects already in
  // wire form (fast, and it never drops a field a schema forgot).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setValidatorCompiler(requestValidatorCompiler());
  installErrorHandling(app, config.bodyLimitBytes);
  // Before any route: bodies, query strings and path parameters that are not well-formed Unicode get a 400.
  installTextInputGuard(app);
  const audit = { db: deps.database.db, auditLog: deps.auditLog };
  installAuditHook(app, audit);
  // Before any route, so that its hooks cover every route and its inventory lists them all.
  installSecurity(app, {
    config,
    users: deps.users,
    ...(deps.onAuthFailure ? { onAuthFailure: deps.onAuthFailure } : {}),
  });
  const { governance } = deps;
  installAuthorization(app, {
    tracking: deps.tracking,
    permissions: deps.permissions,
    modelOfApproval: (id) => governance.modelNameOfApproval(Number(id)),
  });

  await installCors(app, config.corsOrigins);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Bosun',
        version: bosunVersion(),
        description:
          'Bosun tracking server: the MLflow REST API 2.0 (tracking, logged models, artifacts) and the native API.',
      },
    },
    // The error statuses every operation can answer (400, 401, 403, 404, 409, 413, 415) and the auth schemes.
    transformObject: (doc) =>
      'openapiObject' in doc
        ? documentErrorResponses(doc.openapiObject, { authEnabled: config.authEnabled, publicRoutes })
        : doc.swaggerObject,
  });

  registerSystemRoutes(app, { checkDatabase: deps.checkDatabase });
  await registerMlflowRoutes(app, deps.tracking);
  await registerMlflowRegistryRoutes(app, deps.registry, deps.artifacts);
  registerRegistryEventRoutes(app, { events: deps.events.registry, webhooks: deps.webhooks });
  registerGovernanceRoutes(app, { governance, registry: deps.registry });
  registerLineageRoutes(app, deps.lineage);
  registerAuditRoutes(app, audit);
  registerSecretRoutes(app, { store: deps.secrets.enabled ? deps.secrets.store : undefined });
  const userDeps = { users: deps.users, permissions: deps.permissions };
  registerUserRoutes(app, userDeps);
  await registerMlflowAuthRoutes(app, { ...userDeps, tracking: deps.tracking, registry: deps.registry });
  if (config.serveArtifacts) {
    const artifactDeps: ArtifactRouteDeps = {
      artifacts: deps.artifacts,
      tracking: deps.tracking,
      versionsUsingPath: deps.versionsUsingArtifactPath,
    };
    await app.register(async (scope: TypedApp) => {
      await registerArtifactRoutes(scope, artifactDeps);
    });
  }

  app.get(openApiPath, { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
