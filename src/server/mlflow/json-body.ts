import { errorCodes, type FastifyInstance } from 'fastify';
import { badRequest } from '../param-errors.js';
import { decodeUtf8Body, noteBodyText } from '../text-input.js';

/** A JSON key written in lowerCamelCase (`runId":`); a cheap test on the raw text before walking the tree. */
const camelKeyInText = /[a-z0-9][A-Z][A-Za-z0-9_]*"\s*:/;
const upperCase = /[A-Z]/;
const poisonInText = /"(?:__proto__|constructor|prototype)"\s*:/;

function toSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Renames lowerCamelCase keys to snake_case in place, recursively (protobuf's JSON mapping accepts both; Bosun
 * validates the snake_case names). A key whose snake_case twin is also present is dropped: the twin wins.
 */
export function snakeCaseKeys(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) if (item !== null && typeof item === 'object') snakeCaseKeys(item);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (upperCase.test(key)) {
      const snake = toSnake(key);
      if (!(snake in record)) record[snake] = child;
      delete record[key];
    }
    if (child !== null && typeof child === 'object') snakeCaseKeys(child);
  }
}

function dropPoisonKeys(key: string, value: unknown): unknown {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value;
}

/** A cheap test on the raw text before walking the tree for `null` members. */
const nullMemberInText = /:\s*null\b/;

/**
 * Deletes object members whose value is `null`, at any depth, in place (array elements are kept). MLflow reads
 * bodies with protobuf's JSON mapping, where `null` means "not set": `{"run_id": null}` is a missing run id,
 * and an optional field set to `null` is ignored.
 */
export function dropNullMembers(value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      for (const item of current) if (item !== null && typeof item === 'object') stack.push(item);
    } else if (current !== null && typeof current === 'object') {
      const record = current as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const member = record[key];
        if (member === null) delete record[key];
        else if (typeof member === 'object') stack.push(member);
      }
    }
  }
}

/** Deeper than any MLflow request (log-batch is 3 levels); the bound keeps recursive walkers off the stack limit. */
export const maxJsonDepth = 32;

/** Nesting depth of JSON text, counted without recursion; brackets inside strings are skipped. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * Parses a request body as MLflow's server reads it: JSON, whatever the Content-Type says; lowerCamelCase keys
 * as their snake_case names, and `null` members as absent.
 */
export function parseJsonBody(text: string): Record<string, unknown> {
  if (text.length === 0 || text.trim().length === 0) return {};
  if (jsonDepth(text) > maxJsonDepth) {
    throw badRequest(`The request body is nested more than ${maxJsonDepth} levels deep`);
  }
  let parsed: unknown;
  try {
    parsed = poisonInText.test(text) ? JSON.parse(text, dropPoisonKeys) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`Malformed JSON in request body: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest('The request body must be a JSON object');
  }
  if (camelKeyInText.test(text)) snakeCaseKeys(parsed);
  if (nullMemberInText.test(text)) dropNullMembers(parsed);
  return parsed as Record<string, unknown>;
}

/**
 * Whether a request's Content-Type may carry a JSON API body: `application/json` (any parameters), a
 * `+json` type, or none at all (scripts that send none). The types an HTML form or a cross-site `fetch` can send
 * without a CORS preflight (`text/plain`, `application/x-www-form-urlencoded`, `multipart/form-data`) are not.
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined || header.trim() === '') return true;
  const media = (header.split(';')[0] ?? '').trim().toLowerCase();
  return media === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(media);
}

/**
 * Replaces the scope's body parsers with one that reads JSON bodies MLflow's way (lenient keys, depth bound,
 * prototype keys dropped, bytes that are not UTF-8 refused; the app's text guard refuses lone surrogates and
 * NUL, see ../text-input.ts), accepting only JSON content types (see `isJsonContentType`; others get 415): the
 * MLflow client always sends `application/json`, and some calls (DELETE of a logged-model tag) send no body at
 * all. Register inside the scope of the JSON API routes only, never where raw uploads are accepted.
 */
export function useLenientJsonBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    const type = req.headers['content-type'];
    if (!isJsonContentType(type)) {
      done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(), undefined);
      return;
    }
    try {
      const text = decodeUtf8Body(body);
      noteBodyText(req, text);
      done(null, parseJsonBody(text));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  scope.addHook('preValidation', (req, _reply, done) => {
    const query = req.query;
    if (query !== null && typeof query === 'object') {
      for (const key of Object.keys(query)) {
        if (upperCase.test(key)) {
          snakeCaseKeys(query);
          break;
        }
      }
    }
    done();
  });
}
