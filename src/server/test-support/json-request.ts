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

/** A `call` that sends a JSON body to one server, as the tests define it. */
export type JsonCall = (method: string, path: string, body?: unknown) => Promise<JsonAnswer>;

/**
 * Registers model `name` (when it does not exist yet) with version 1 made from a new run of experiment 0, and
 * points `alias` at it: the registry state monitoring tests start from.
 * Example: `await registerAliasedVersion(call, 'churn', 'champion');`
 */
export async function registerAliasedVersion(call: JsonCall, name: string, alias: string): Promise<void> {
  const mlflow = '/api/2.0/mlflow';
  const expectOk = (answer: JsonAnswer, what: string): void => {
    if (answer.status !== 200) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.json)}`);
  };
  const existing = await call('GET', `${mlflow}/registered-models/get?name=${encodeURIComponent(name)}`);
  if (existing.status !== 200)
    expectOk(await call('POST', `${mlflow}/registered-models/create`, { name }), 'create');
  const run = await call('POST', `${mlflow}/runs/create`, { experiment_id: '0' });
  expectOk(run, 'runs/create');
  const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
  const version = await call('POST', `${mlflow}/model-versions/create`, {
    name,
    source: `runs:/${runId}/model`,
    run_id: runId,
  });
  expectOk(version, 'model-versions/create');
  const number = (version.json.model_version as { version: string }).version;
  expectOk(
    await call('POST', `${mlflow}/registered-models/alias`, { name, alias, version: number }),
    'alias',
  );
}
