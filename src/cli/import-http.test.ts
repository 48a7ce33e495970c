import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BosunClientError } from '../client/index.js';
import { InvalidParameterError } from '../shared/index.js';
import { defaultRetryPolicy, retryPolicyOf, WireClient } from './import-http.js';

describe("the importer's retry policy (MLflow's MLFLOW_HTTP_REQUEST_* settings)", () => {
  it('defaults to 3 retries from 0.5 s, and reads both settings', () => {
    expect(retryPolicyOf({})).toEqual(defaultRetryPolicy);
    expect(defaultRetryPolicy).toEqual({ retries: 3, backoffMs: 500 });
    expect(
      retryPolicyOf({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: '7', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '2' }),
    ).toEqual({ retries: 7, backoffMs: 2000 });
    expect(
      retryPolicyOf({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.1' }),
    ).toEqual({
      retries: 0,
      backoffMs: 100,
    });
  });

  it('refuses values that are not a count or a number of seconds, naming the variable', () => {
    for (const [name, value] of [
      ['MLFLOW_HTTP_REQUEST_MAX_RETRIES', '-1'],
      ['MLFLOW_HTTP_REQUEST_MAX_RETRIES', '1.5'],
      ['MLFLOW_HTTP_REQUEST_MAX_RETRIES', 'many'],
      ['MLFLOW_HTTP_REQUEST_MAX_RETRIES', '101'],
      ['MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', '-0.5'],
      ['MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', 'NaN'],
      ['MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', 'Infinity'],
    ] as const) {
      expect(() => retryPolicyOf({ [name]: value })).toThrow(InvalidParameterError);
      expect(() => retryPolicyOf({ [name]: value })).toThrow(`Invalid ${name} '${value}'`);
    }
  });
});

describe('WireClient retries what is worth another try', () => {
  let server: Server;
  let base: string;
  /** Answers 503 to the first `busy` requests of each path, then 200; 400 on /bad. Counts requests per path. */
  const seen = new Map<string, number>();
  let busy = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '';
      const n = (seen.get(path) ?? 0) + 1;
      seen.set(path, n);
      if (path === '/bad') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"error_code":"INVALID_PARAMETER_VALUE","message":"no"}');
      } else if (n <= busy) {
        res.writeHead(503).end('busy');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('gets through after two 503s with two retries left, and gives up after one retry', async () => {
    busy = 2;
    const patient = new WireClient({ baseUrl: base }, undefined, { retries: 2, backoffMs: 0 });
    expect(await patient.json('GET', '/a')).toEqual({ ok: true });
    expect(seen.get('/a')).toBe(3);

    const hasty = new WireClient({ baseUrl: base }, undefined, { retries: 1, backoffMs: 0 });
    const failed = await hasty.json('GET', '/b').catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(BosunClientError);
    expect((failed as BosunClientError).status).toBe(503);
    expect(seen.get('/b')).toBe(2);
  });

  it('does not retry a refusal (400)', async () => {
    const client = new WireClient({ baseUrl: base }, undefined, { retries: 5, backoffMs: 0 });
    const failed = await client.json('GET', '/bad').catch((e: unknown) => e);
    expect((failed as BosunClientError).errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(seen.get('/bad')).toBe(1);
  });
});
