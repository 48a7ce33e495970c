import fastifySwagger from '@fastify/swagger';
import { documentNullMembers } from './openapi-null-members.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { PlatformServices } from '../platform/index.js';
import { installAuthorization, RoutePolicies } from './authz/index.js';
import { installSecurity, type SecurityOptions } from './auth/index.js';
import { documentErrorResponses } from './openapi-responses.js';
import { requestValidatorCompiler } from './validator-compiler.js';
import { installTextInputGuard } from './text-input.js';
import { formatSchemaError, installErrorHandling, type ErrorBody } from './error-handler.js';
import type { TypedApp } from './typed-app.js';
import { installAuditHook } from './audit/index.js';
import type { RoutePlugin } from './route-plugin.js';
import { routePlugins } from './route-plugins.js';
import { bosunVersion } from './version.js';

export { openApiPath } from './openapi-route.js';

/** How the app is built around the platform's services; production passes nothing. */
export interface AppOptions {
  /** A ready logger (tests pass a silent one); by default Fastify's pino logger at `config.logLevel`. */
  logger?: FastifyBaseLogger;
  /** Called on every failed sign-in. */
  onAuthFailure?: SecurityOptions['onAuthFailure'];
  /** The route plugins to serve; by default every one (`routePlugins`). */
  plugins?: readonly RoutePlugin[];
}

const appPolicies = new WeakMap<object, RoutePolicies>();

/** The policy table an app was built with (assembled from its plugins), for route-inventory tests. */
export function routePoliciesOf(app: TypedApp): RoutePolicies {
  const policies = appPolicies.get(app);
  if (!policies) throw new Error('This app was not built by buildApp.');
  return policies;
}

/**
 * The HTTP application around the platform's services, without listening: validation, error mapping,
 * authentication, authorization and auditing, then every route plugin of `routePlugins` in order (each brings
 * its routes and their policies; the policies are assembled into one table first, so a route declared by two
 * plugins stops the build) and the OpenAPI document.
 * Example: `const app = await buildApp(await openPlatform(config)); await app.listen({ port: 5000 });`
 */
export async function buildApp(services: PlatformServices, options: AppOptions = {}): Promise<TypedApp> {
  const { config } = services;
  const plugins = options.plugins ?? routePlugins;
  // Before anything else: two plugins declaring the same route stop the app from being built.
  const policies = RoutePolicies.assemble(plugins);
  const verbose = config.logLevel === 'debug' || config.logLevel === 'trace';
  const app = Fastify({
    ...(options.logger
      ? { loggerInstance: options.logger }
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

  // forceCloseConnections ends the keep-alive connections idle when closing starts; one whose response finishes
  // a moment later would hold the close until its keep-alive timeout (72 s: a test's teardown waited 70 s for
  // one). So idle connections are swept until the server has closed; requests in flight still finish.
  let sweep: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    sweep = setInterval(() => app.server.closeIdleConnections(), 50);
  });
  app.addHook('onClose', async () => {
    clearInterval(sweep);
  });

  // Response schemas document the API; the bodies are written by JSON.stringify from objects already in
  // wire form (fast, and it never drops a field a schema forgot).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setValidatorCompiler(requestValidatorCompiler());
  installErrorHandling(app, config.bodyLimitBytes);
  // Before any route: bodies, query strings and path parameters that are not well-formed Unicode get a 400.
  installTextInputGuard(app);
  installAuditHook(app, { db: services.database.db, auditLog: services.auditLog }, (method, pattern) =>
    policies.policyFor(method, pattern),
  );
  // Before any route, so that its hooks cover every route and its inventory lists them all.
  installSecurity(app, {
    config,
    users: services.users,
    sessions: services.sessions,
    stepTokens: services.stepTokens,
    policies,
    ...(options.onAuthFailure ? { onAuthFailure: options.onAuthFailure } : {}),
  });
  installAuthorization(app, {
    tracking: services.tracking,
    permissions: services.permissions,
    policies,
    modelOfApproval: (id) => services.governance.modelNameOfApproval(Number(id)),
  });

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
        ? documentNullMembers(
            documentErrorResponses(doc.openapiObject, {
              authEnabled: config.authEnabled,
              publicRoutes: policies.publicRoutes,
              publicOperations: policies.publicRouteKeys,
            }),
          )
        : doc.swaggerObject,
  });

  for (const plugin of plugins) await plugin.register(app, services);

  await app.ready();
  appPolicies.set(app, policies);
  return app;
}
