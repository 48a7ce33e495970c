import { httpStatusOf } from '../shared/index.js';

/**
 * The error responses of the OpenAPI document, added to every operation from what the server really does,
 * so that a client (or a fuzzer checking status-code conformance) finds every status an operation can answer:
 *
 * - 400 everywhere: a request that fails its schema, a bad Host header, malformed JSON.
 * - 401 and 403 on every operation but the public ones (GET/HEAD of `publicRoutes`) when auth is on: no or bad
 *   credentials, and a signed-in user without the permission.
 * - 404 on every operation that names a resource: a path parameter (also answered when the value does not fit
 *   the route), a request body, or a query parameter named like an identifier (`run_id`, `name`, `version`, ...).
 *   Searches and listings, whose query parameters are only filters and paging, never answer 404.
 * - 409 (INVALID_STATE) on every operation that changes something (POST, PUT, PATCH, DELETE).
 * - 413 (body over the limit) and 415 (unsupported Content-Type) on every operation that takes a body
 *   (POST, PUT, PATCH, DELETE: Fastify parses a body on all of these).
 *
 * A status the route's own schema documents (its 200, the readiness probe's 503) is kept as it is.
 * Each added response carries the MLflow error body `{error_code, message}` (components.schemas.Error).
 * When auth is on, the document also declares HTTP Basic and Bearer security schemes and requires one of
 * them on every non-public operation.
 */

/** An OpenAPI fragment: a JSON object. */
type JsonObject = Record<string, unknown>;

export interface ErrorResponseOptions {
  /** Whether the server authenticates requests (401/403 and the security schemes are documented then). */
  authEnabled: boolean;
  /** Route URLs anyone may call with GET or HEAD, e.g. `['/health']` (install-security's `publicRoutes`). */
  publicRoutes: readonly string[];
  /**
   * Other operations that need no credentials, as `"<METHOD> <route>"` (the route policies' `publicRouteKeys`,
   * e.g. `POST /api/bosun/v1/session`): documented without a security requirement, but with their 401/403, which
   * they answer themselves (a wrong password, a cross-site request).
   */
  publicOperations?: readonly string[];
}

/** The name of the error body in `components.schemas`. */
export const errorSchemaName = 'Error';

/**
 * The JSON schema of every error response, `{error_code, message}`. A route that answers a status the rules
 * above do not cover (e.g. 501 for a feature its backend lacks) documents it in its own schema with this:
 * `schema: { response: { 501: errorBodySchema } }`.
 */
export const errorBodySchema = {
  type: 'object',
  required: ['error_code', 'message'],
  properties: {
    error_code: { type: 'string', enum: Object.keys(httpStatusOf) },
    message: { type: 'string' },
  },
} as const;

const basicScheme = 'basicAuth';
const bearerScheme = 'bearerAuth';

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const bodyMethods = new Set<string>(['post', 'put', 'patch', 'delete']);

const descriptions: Record<number, string> = {
  400: 'Bad request: invalid parameter value, malformed body or disallowed Host header',
  401: 'Authentication required: invalid or missing credentials',
  403: 'Permission denied',
  404: 'The resource does not exist',
  409: 'The resource is not in a state that allows the operation',
  413: "The request body is larger than the server's limit",
  415: 'Unsupported Content-Type',
};

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(parent: JsonObject, key: string): JsonObject {
  const existing = parent[key];
  if (isObject(existing)) return existing;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

/** `/a/{*}` (how @fastify/swagger writes a wildcard) as `/a/{path}`. */
function wildcardName(url: string): string {
  return url.replaceAll('{*}', '{path}');
}

/** Query parameters that name one resource (`run_id`, `experiment_ids`, `name`, `alias`), not a filter or a page. */
const identifierParameter = /(^|_)(ids?|uuid|name|username|key|alias|version|path)$/;

function namesResource(operation: JsonObject): boolean {
  if (operation.requestBody !== undefined) return true;
  const parameters = Array.isArray(operation.parameters) ? operation.parameters : [];
  return parameters.some(
    (p) =>
      isObject(p) &&
      (p.in === 'path' ||
        (p.in === 'query' && typeof p.name === 'string' && identifierParameter.test(p.name))),
  );
}

/** The error statuses one operation can answer (sorted), by the rules in this module's comment. */
export function errorStatusesFor(
  method: string,
  url: string,
  operation: JsonObject,
  options: ErrorResponseOptions,
): number[] {
  const m = method.toLowerCase();
  const isPublic = (m === 'get' || m === 'head') && options.publicRoutes.includes(url);
  const statuses = [400];
  if (options.authEnabled && !isPublic) statuses.push(401, 403);
  if (namesResource(operation)) statuses.push(404);
  if (bodyMethods.has(m)) statuses.push(409, 413, 415);
  return statuses.sort((a, b) => a - b);
}

function errorResponse(status: number): JsonObject {
  return {
    description: descriptions[status] ?? 'Error',
    content: {
      'application/json': { schema: { $ref: `#/components/schemas/${errorSchemaName}` } },
    },
  };
}

/**
 * Adds the error responses (and, with auth on, the security requirements) to an OpenAPI 3 document in place
 * and returns it; @fastify/swagger's `transformObject`. Wildcard path parameters (`{*}`) are renamed `path`.
 * Example: `transformObject: (d) => ('openapiObject' in d ? documentErrorResponses(d.openapiObject, opts) : d.swaggerObject)`.
 */
export function documentErrorResponses<T extends object>(document: T, options: ErrorResponseOptions): T {
  const doc = document as JsonObject;
  const components = objectAt(doc, 'components');
  const schemas = objectAt(components, 'schemas');
  schemas[errorSchemaName] = { ...errorBodySchema };
  if (options.authEnabled) {
    const schemes = objectAt(components, 'securitySchemes');
    schemes[basicScheme] = { type: 'http', scheme: 'basic' };
    schemes[bearerScheme] = { type: 'http', scheme: 'bearer' };
  }

  const paths = isObject(doc.paths) ? doc.paths : {};
  const renamed: JsonObject = {};
  for (const [url, item] of Object.entries(paths)) {
    if (isObject(item)) {
      for (const method of methods) {
        const operation = item[method];
        if (!isObject(operation)) continue;
        const responses = objectAt(operation, 'responses');
        for (const status of errorStatusesFor(method, url, operation, options)) {
          responses[String(status)] ??= errorResponse(status);
        }
        if (options.authEnabled) {
          const isPublic =
            ((method === 'get' || method === 'head') && options.publicRoutes.includes(url)) ||
            (options.publicOperations ?? []).includes(
              `${method.toUpperCase()} ${url.replace(/\{([^}]+)\}/g, ':$1')}`,
            );
          operation.security = isPublic ? [] : [{ [basicScheme]: [] }, { [bearerScheme]: [] }];
        }
        if (Array.isArray(operation.parameters)) {
          for (const parameter of operation.parameters) {
            if (isObject(parameter) && parameter.in === 'path' && parameter.name === '*') {
              parameter.name = 'path';
            }
          }
        }
      }
    }
    renamed[wildcardName(url)] = item;
  }
  doc.paths = renamed;
  return document;
}
