import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchemaValidationError,
} from 'fastify';
import { BosunError, httpStatusOf, InvalidParameterError, type ErrorCode } from '../shared/index.js';
import { invalidParameter, missingParameter } from './param-errors.js';
import { literalAt } from './python-json.js';
import { bodyTextOf } from './text-input.js';

/** The body of every error response, as MLflow's client reads it. */
export interface ErrorBody {
  error_code: ErrorCode;
  message: string;
}

/** The segments of AJV's JSON pointer (`/runs/1/tags` is `runs`, `1`, `tags`). */
function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .filter((raw) => raw !== '')
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** `/runs/1/tags` + `/key` from AJV's JSON pointer, as `runs[1].tags.key` (MLflow's notation). */
function pointerToPath(pointer: string, child?: string): string {
  let path = '';
  for (const part of pointerSegments(pointer)) {
    path += /^\d+$/.test(part) ? `[${part}]` : path === '' ? part : `.${part}`;
  }
  if (child !== undefined) path += path === '' ? child : `.${child}`;
  return path;
}

/**
 * The one place where a request that fails its schema becomes an MLflow error: the first AJV error turned into
 * the message MLflow's server gives, e.g. "Missing value for required parameter 'experiment_id'. See the API
 * docs ..." or "Invalid value 9.0 for parameter 'artifact_location' supplied:  Hint: Value was of type
 * 'float'. ...". Fastify calls it as the `schemaErrorFormatter` (no body text); the error handler calls it again
 * with the JSON text of the request body, so that the value is shown as the client wrote it (`9.0`, not `9`).
 * Needs AJV's `verbose` option so that the offending value is available.
 */
export function formatSchemaError(
  errors: FastifySchemaValidationError[],
  dataVar: string,
  bodyText?: string,
): Error {
  const first = errors[0];
  if (!first) return invalidParameter(dataVar, undefined, 'The request does not match the schema.');
  const params = first.params as Record<string, unknown>;
  if (first.keyword === 'required' && typeof params.missingProperty === 'string') {
    return missingParameter(pointerToPath(first.instancePath, params.missingProperty));
  }
  const path = pointerToPath(first.instancePath) || dataVar;
  const data = (first as { data?: unknown }).data;
  if (first.keyword === 'type' && data === undefined) return missingParameter(path);
  const literal =
    bodyText === undefined ? undefined : literalAt(bodyText, pointerSegments(first.instancePath));
  // An id in another spelling (`01`, ` 1`): the schema's description says which spelling is expected.
  const expected = (first as { parentSchema?: { description?: unknown } }).parentSchema?.description;
  if (
    first.keyword === 'pattern' &&
    path === 'version' &&
    typeof data === 'string' &&
    !/^\s*[+-]?\d+\s*$/.test(data)
  ) {
    // Not an integer at all: MLflow's own words (its registry calls `int(version)`).
    return new InvalidParameterError(
      `Parameter 'version' must be an integer, got '${data.length > 200 ? `${data.slice(0, 200)}...` : data}'.`,
    );
  }
  if (first.keyword === 'pattern' && typeof expected === 'string') {
    return invalidParameter(path, data, `Expected ${expected}.`, literal);
  }
  return invalidParameter(path, data, undefined, literal);
}

/** A schema failure of a JSON body, formatted again with the body's text (see `formatSchemaError`). */
function withBodyText(err: Error, request: FastifyRequest): Error {
  const { validation, validationContext } = err as { validation?: unknown; validationContext?: unknown };
  if (validationContext !== 'body' || !Array.isArray(validation)) return err;
  const text = bodyTextOf(request);
  return text === undefined
    ? err
    : formatSchemaError(validation as FastifySchemaValidationError[], 'body', text);
}

function statusCodeOf(err: { statusCode?: unknown }): number | undefined {
  return typeof err.statusCode === 'number' ? err.statusCode : undefined;
}

/** Error code for a framework error that carries only an HTTP status. */
function codeForStatus(status: number): ErrorCode {
  if (status === 404 || status === 405) return 'ENDPOINT_NOT_FOUND';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 429) return 'REQUEST_LIMIT_EXCEEDED';
  if (status === 503) return 'TEMPORARILY_UNAVAILABLE';
  return 'BAD_REQUEST';
}

/** Messages for framework errors whose own text is unhelpful or too revealing. */
function frameworkMessage(err: FastifyError, status: number, bodyLimit: number): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `The request body is larger than the server's limit of ${bodyLimit} bytes`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported Content-Type for this endpoint';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'The Content-Length header does not match the request body';
    default:
      return status === 404 ? 'Not found' : err.message;
  }
}

/**
 * Every error becomes a JSON `{error_code, message}` with the status of its code: a `BosunError` as raised;
 * a framework error (bad JSON, body too large, bad Content-Type) as a 4xx; anything else as a 500 with a
 * generic message (the stack goes to the log, never to the client).
 */
export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler(
    (thrown: FastifyError | BosunError | Error, request: FastifyRequest, reply: FastifyReply) => {
      const err = withBodyText(thrown, request);
      if (err instanceof BosunError) {
        const status = httpStatusOf[err.code];
        const body: ErrorBody = { error_code: err.code, message: err.message };
        // NOT_IMPLEMENTED answers a feature Bosun does not have on purpose; it is no server fault.
        if (status >= 500 && err.code !== 'NOT_IMPLEMENTED') request.log.error({ err }, 'request failed');
        else request.log.debug({ code: err.code }, err.message);
        return reply.code(status).send(body);
      }
      const status = statusCodeOf(err as { statusCode?: unknown });
      if (status !== undefined && status >= 400 && status < 500) {
        const code = codeForStatus(status);
        const body: ErrorBody = {
          error_code: code,
          message: frameworkMessage(err as FastifyError, status, bodyLimit),
        };
        request.log.debug({ code: (err as FastifyError).code }, err.message);
        return reply.code(status).send(body);
      }
      request.log.error({ err }, 'unexpected error');
      const body: ErrorBody = { error_code: 'INTERNAL_ERROR', message: 'Internal server error' };
      return reply.code(500).send(body);
    },
  );

  app.setNotFoundHandler((request, reply) => {
    const path = (request.url.split('?', 1)[0] ?? '').slice(0, 300);
    const body: ErrorBody = {
      error_code: 'ENDPOINT_NOT_FOUND',
      message: `No API endpoint ${request.method} ${path}`,
    };
    return reply.code(404).send(body);
  });
}
