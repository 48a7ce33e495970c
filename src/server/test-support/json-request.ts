/** A JSON API answer: the status, the body's text and the parsed object (`{}` when the body is not JSON). */
export interface JsonAnswer {
  status: number;
  text: string;
  json: Record<string, unknown>;
}

/** The `Authorization` header value of HTTP Basic sign-in. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/**
 * Sends `method path` to a running server, with `body` as JSON (a string is sent as it is) and the given headers.
 * Example: `await jsonRequest(server.address, 'POST', '/api/2.0/mlflow/runs/create', { experiment_id: '0' },
 *             { authorization: basicAuthorization('alice', password) })`.
 */
export async function jsonRequest(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  const sent: Record<string, string> = { ...headers };
  if (body !== undefined) sent['content-type'] ??= 'application/json';
  const res = await fetch(base + path, {
    method,
    headers: sent,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      json = parsed as Record<string, unknown>;
    }
  } catch {
    json = {};
  }
  return { status: res.status, text, json };
}
