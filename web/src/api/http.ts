import { ApiError } from './api-error';

/** A JSON object as it comes off the wire, before the parsers in this folder give it a type. */
export type WireObject = Record<string, unknown>;

function isRecord(value: unknown): value is WireObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One call to the server's documented HTTP API, same origin (relative URL, so a server under a path prefix
 * works), JSON in and out. Any answer but 2xx becomes an ApiError carrying the server's message.
 * Example: `const answer = await callApi('POST', '/api/2.0/mlflow/runs/search', { experiment_ids: ['1'] })`.
 */
export async function callApi(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: WireObject,
  signal?: AbortSignal,
): Promise<WireObject> {
  let response: Response;
  try {
    response = await fetch(path.replace(/^\//, ''), {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError('NETWORK_ERROR', 0, `The server could not be reached (${String(err)}).`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const code = isRecord(parsed) && typeof parsed.error_code === 'string' ? parsed.error_code : 'HTTP_ERROR';
    const message =
      isRecord(parsed) && typeof parsed.message === 'string'
        ? parsed.message
        : `The server answered ${response.status} ${response.statusText}.`;
    throw new ApiError(code, response.status, message);
  }
  if (!isRecord(parsed))
    throw new ApiError('MALFORMED_RESPONSE', response.status, `${path} did not answer JSON.`);
  return parsed;
}
