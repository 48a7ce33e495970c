import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidParameterError } from '../shared/index.js';
import { codeUnitEscape, findTextFault, toStorableText } from '../shared/index.js';

/**
 * Refusal of text that is not well-formed Unicode, at the HTTP edge. A JavaScript string may hold a lone UTF-16
 * surrogate (JSON.parse makes one from `"\ud800"`) that no database stores faithfully, and PostgreSQL refuses
 * NUL in text: accepted, either one is stored as something else than what was sent, or fails the request with
 * a 500 on one engine only. Every request's JSON body, query string and path parameters are therefore checked
 * before validation, and refused with 400 INVALID_PARAMETER_VALUE naming the field. Raw uploads (artifact
 * files) are streams and are not read as text; their path parameters are checked like any other.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A body's bytes as text; bytes that are not UTF-8 are refused instead of being replaced with U+FFFD. */
export function decodeUtf8Body(body: Buffer | string): string {
  if (typeof body === 'string') return body;
  try {
    return utf8.decode(body);
  } catch {
    throw new InvalidParameterError('The request body is not valid UTF-8 text');
  }
}

function fieldError(field: string, text: string): InvalidParameterError | undefined {
  const fault = findTextFault(text);
  if (fault === undefined) return undefined;
  const what =
    fault.kind === 'nul'
      ? `a NUL character (\\u0000) at offset ${fault.index}, which cannot be stored`
      : `a lone UTF-16 surrogate (${codeUnitEscape(fault.codeUnit)}) at offset ${fault.index}: ` +
        'text must be well-formed Unicode';
  return new InvalidParameterError(
    `Invalid value for parameter '${toStorableText(field)}' supplied: it contains ${what}.`,
  );
}

function join(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** Plain objects and arrays are JSON; anything else (a stream, a Buffer) is not walked as text. */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A cheap first test: only a string with a surrogate or NUL in it can have a fault. */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const surrogateOrNul = /[\u0000\ud800-\udfff]/;

function isFaulty(text: string): boolean {
  return surrogateOrNul.test(text) && findTextFault(text) !== undefined;
}

/** Whether any string in `value` (member value or key, at any depth) holds a lone surrogate or NUL. */
function hasTextFault(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (isFaulty(current)) return true;
    } else if (Array.isArray(current)) {
      for (const item of current) stack.push(item);
    } else if (current !== null && typeof current === 'object' && isPlainObject(current)) {
      for (const key in current) {
        if (isFaulty(key)) return true;
        stack.push((current as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

/**
 * Throws INVALID_PARAMETER_VALUE for the first string (member value or key, at any depth) that holds a lone
 * surrogate or NUL, naming its field; `root` names a bare string. Walks without recursion, and builds field
 * names only once a fault is known to be there. Only plain objects and arrays are entered: a stream or a Buffer
 * is not text. Example: `checkText({tags: [{value: '\udfff'}]})` throws for `tags[0].value`.
 */
export function checkText(value: unknown, root = 'body'): void {
  if (!hasTextFault(value)) return;
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      const error = fieldError(path === '' ? root : path, current);
      if (error) throw error;
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i -= 1) stack.push([current[i], `${path}[${i}]`]);
    } else if (current !== null && typeof current === 'object' && isPlainObject(current)) {
      for (const [key, member] of Object.entries(current).reverse()) {
        const keyError = fieldError(join(path, key), key);
        if (keyError) throw keyError;
        stack.push([member, join(path, key)]);
      }
    }
  }
}

const bodyTextMark = Symbol('bosun.bodyText');
const bodyTextKey = Symbol('bosun.bodyTextItself');
type BodyTextMark = 'clean' | 'check';

/**
 * Called by a body parser with the text it parsed: text decoded from UTF-8 has no lone surrogate and JSON
 * refuses a raw NUL, so only a `\u` escape can bring either in, and bodies without one are not walked. The text
 * is kept until the request passes validation, for `bodyTextOf`.
 */
export function noteBodyText(request: FastifyRequest, text: string): void {
  const mark: BodyTextMark = text.includes('\\u') ? 'check' : 'clean';
  (request as unknown as Record<symbol, BodyTextMark>)[bodyTextMark] = mark;
  (request as unknown as Record<symbol, string>)[bodyTextKey] = text;
}

/**
 * The JSON text a body parser of ours parsed, for error messages that show a value as the client wrote it
 * (`9.0`, not `9`; see ./param-errors.ts); undefined for bodies our parsers did not read.
 */
export function bodyTextOf(request: FastifyRequest): string | undefined {
  return (request as unknown as Record<symbol, string | undefined>)[bodyTextKey];
}

/** The body, unless a parser of ours saw that its text cannot hold a fault; bodies of other parsers are walked. */
function checkBodyText(request: FastifyRequest): void {
  const mark = (request as unknown as Record<symbol, BodyTextMark | undefined>)[bodyTextMark];
  if (mark !== 'clean') checkText(request.body);
}

/** Decodes one query-string component: `+` is a space, a `%` not followed by two hex digits stays as it is. */
function decodeComponent(text: string): string | undefined {
  if (!text.includes('%')) return text.replace(/\+/g, ' ');
  const escaped = text.replace(/\+/g, ' ').replace(/%(?![0-9a-fA-F]{2})/g, '%25');
  try {
    return decodeURIComponent(escaped);
  } catch {
    return undefined;
  }
}

/**
 * Throws INVALID_PARAMETER_VALUE when a query string's percent-escapes do not decode as UTF-8 (`%ff`, an
 * encoded surrogate `%ed%a0%80`, an overlong `%c0%ae`): Fastify's parser would keep such a value as its raw
 * text. A `%` that starts no escape is kept as text, as before.
 */
export function checkRawQuery(url: string): void {
  const start = url.indexOf('?');
  if (start < 0) return;
  const end = url.indexOf('#', start);
  const query = url.slice(start + 1, end < 0 ? undefined : end);
  if (!query.includes('%')) return;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const key = decodeComponent(rawKey);
    const bad = key === undefined || (eq >= 0 && decodeComponent(part.slice(eq + 1)) === undefined);
    if (!bad) continue;
    throw new InvalidParameterError(
      `Invalid value for parameter '${toStorableText(key ?? rawKey)}' supplied: its percent-encoding is not ` +
        'valid UTF-8.',
    );
  }
}

/** Query and path parameters of a request, refused when they hold invalid Unicode or NUL. */
function checkUrlText(request: FastifyRequest): void {
  if (request.raw.url !== undefined) checkRawQuery(request.raw.url);
  const params = request.params;
  if (params !== null && typeof params === 'object') {
    for (const [name, value] of Object.entries(params as Record<string, unknown>)) {
      // The wildcard of `/artifacts/*` and `/secrets/data/*` is a path.
      if (typeof value === 'string') checkText(value, name === '*' ? 'path' : name);
    }
  }
  checkText(request.query, 'query');
}

/**
 * Installs the checks on `app` and every scope registered after it: the root JSON and text body parsers decode
 * strictly (bytes that are not UTF-8 are refused), and a preValidation hook checks path parameters, query
 * strings and the parsed body. The check runs after parsing, not in the parser, so that a refused request's
 * audit record still names what it tried to touch. Scopes that replace the parsers (the MLflow JSON scopes, see
 * `useLenientJsonBodies`) decode with `decodeUtf8Body` and call `noteBodyText`. Call before routes are
 * registered.
 */
export function installTextInputGuard(app: FastifyInstance): void {
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = decodeUtf8Body(body);
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    noteBodyText(request, text);
    defaultJson(request, text, done);
  });
  app.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, decodeUtf8Body(body));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('preValidation', async (request) => {
    checkUrlText(request);
    checkBodyText(request);
  });
  // The body's text is only needed to word a schema failure (see `bodyTextOf`); past validation it goes.
  app.addHook('preHandler', async (request) => {
    (request as unknown as Record<symbol, string | undefined>)[bodyTextKey] = undefined;
  });
}
