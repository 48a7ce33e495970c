import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Experiment } from '../tracking/types.js';
import { FakeTrackingService } from './test-support/fake-tracking-service.js';
import { startTestServer, type TestServer } from './test-support/test-server.js';

const api = '/api/2.0/mlflow';

/** A service whose experiment lookup fails the way a bug would: a plain Error with internals in its text. */
class ExplodingTrackingService extends FakeTrackingService {
  override async getExperiment(): Promise<Experiment> {
    throw new Error('SQLITE_CORRUPT at /srv/secret/path.db');
  }
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    tracking: new ExplodingTrackingService(),
    config: { bodyLimitBytes: 4096 },
  });
});
afterAll(async () => server.close());

/** A POST with no Content-Type header at all (fetch always adds one). */
function postWithoutContentType(path: string, body: string): Promise<{ status: number; text: string }> {
  const url = new URL(server.base + path);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('error responses are JSON {error_code, message}', () => {
  it('malformed JSON ⇒ 400 BAD_REQUEST', async () => {
    const res = await server.call('POST', `${api}/runs/create`, '{"experiment_id": ', {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/application\/json/);
    expect(res.json).toEqual({
      error_code: 'BAD_REQUEST',
      message: expect.stringMatching(/^Malformed JSON/),
    });
  });

  it('a JSON body that is not an object ⇒ 400', async () => {
    const res = await server.call('POST', `${api}/runs/create`, '[1,2]', {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(400);
    expect(res.json?.error_code).toBe('BAD_REQUEST');
  });

  it("missing required field ⇒ 400 INVALID_PARAMETER_VALUE with MLflow's message", async () => {
    const res = await server.call('POST', `${api}/experiments/delete`, {});
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message:
        "Missing value for required parameter 'experiment_id'. See the API docs for more information about request parameters.",
    });
  });

  it('missing required query parameter and missing run_id/run_uuid ⇒ 400', async () => {
    const get = await server.call('GET', `${api}/experiments/get-by-name`);
    expect(get.status).toBe(400);
    expect(get.json?.message).toMatch(/^Missing value for required parameter 'experiment_name'/);
    const run = await server.call('GET', `${api}/runs/get`);
    expect(run.status).toBe(400);
    expect(run.json?.message).toMatch(/^Missing value for required parameter 'run_id'/);
  });

  it('missing field inside a list names its position', async () => {
    const res = await server.call('POST', `${api}/runs/log-batch`, {
      run_id: 'r',
      metrics: [
        { key: 'a', value: 1, timestamp: 1 },
        { key: 'b', value: 2 },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.json?.message).toMatch(/^Missing value for required parameter 'metrics\[1\]\.timestamp'/);
  });

  it('wrong type ⇒ 400 INVALID_PARAMETER_VALUE naming the value and its type', async () => {
    const res = await server.call('POST', `${api}/runs/log-metric`, {
      run_id: 'r',
      key: 'k',
      value: 1,
      timestamp: 'yesterday',
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringMatching(
        /^Invalid value "yesterday" for parameter 'timestamp' supplied: {2}Hint: Value was of type 'str'\./,
      ),
    });
    const badValue = await server.call('POST', `${api}/runs/log-metric`, {
      run_id: 'r',
      key: 'k',
      value: true,
      timestamp: 1,
    });
    expect(badValue.status).toBe(400);
    expect(badValue.json?.message).toMatch(/^Invalid value true for parameter 'value' supplied/);
    const badEnum = await server.call('POST', `${api}/runs/update`, { run_id: 'r', status: 'DONE' });
    expect(badEnum.status).toBe(400);
    expect(badEnum.json?.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('unknown endpoint and wrong method ⇒ 404 ENDPOINT_NOT_FOUND', async () => {
    const unknown = await server.call('POST', `${api}/runs/explode`, {});
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({
      error_code: 'ENDPOINT_NOT_FOUND',
      message: expect.stringContaining('/runs/explode'),
    });
    const wrongMethod = await server.call('GET', `${api}/runs/create`);
    expect(wrongMethod.status).toBe(404);
    expect(wrongMethod.json?.error_code).toBe('ENDPOINT_NOT_FOUND');
    const root = await server.call('GET', '/nothing-here');
    expect(root.json?.error_code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('a body over the limit ⇒ 413 with a JSON error body', async () => {
    const res = await server.call('POST', `${api}/runs/log-batch`, {
      run_id: 'r',
      tags: [{ key: 'k', value: 'x'.repeat(10_000) }],
    });
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error_code: 'BAD_REQUEST', message: expect.stringContaining('4096 bytes') });
  });

  it('an unexpected exception ⇒ 500 INTERNAL_ERROR with a generic message', async () => {
    const res = await server.call('GET', `${api}/experiments/get?experiment_id=1`);
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ error_code: 'INTERNAL_ERROR', message: 'Internal server error' });
    expect(res.text).not.toContain('SQLITE');
  });

  it('a BosunError keeps its code and status (missing run ⇒ 404 RESOURCE_DOES_NOT_EXIST)', async () => {
    const res = await server.call('GET', `${api}/runs/get?run_id=nope`);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Run with id=nope not found',
    });
  });
});

describe('lenient bodies', () => {
  it('parses a body sent without Content-Type as JSON', async () => {
    const res = await postWithoutContentType(
      `${api}/experiments/create`,
      JSON.stringify({ name: 'no-type' }),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toHaveProperty('experiment_id');
  });

  it('refuses the body types a cross-site form or fetch can send without a preflight, with 415', async () => {
    for (const type of [
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/html<script>alert(1)</script>',
    ]) {
      const res = await server.call('POST', `${api}/experiments/create`, JSON.stringify({ name: type }), {
        'content-type': type,
      });
      expect([type, res.status, res.json?.error_code]).toEqual([type, 415, 'BAD_REQUEST']);
      expect(res.contentType).toMatch(/^application\/json/);
      expect(res.text).not.toContain('<script>');
    }
    for (const type of ['application/json; charset=utf-8', 'Application/JSON', 'application/vnd.api+json']) {
      const res = await server.call('POST', `${api}/experiments/create`, JSON.stringify({ name: type }), {
        'content-type': type,
      });
      expect([type, res.status]).toEqual([type, 200]);
    }
  });

  it('drops __proto__ keys instead of polluting prototypes', async () => {
    const res = await server.call(
      'POST',
      `${api}/experiments/create`,
      '{"name":"proto","__proto__":{"polluted":true}}',
      {
        'content-type': 'application/json',
      },
    );
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('paths', () => {
  it('a malformed URL ⇒ 400 JSON', async () => {
    const res = await server.call('GET', `${api}/logged-models/%E0%A4%A`);
    expect(res.status).toBe(400);
    expect(res.json?.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('a logged-model tag key of 250 characters fits in the path', async () => {
    const res = await server.call('DELETE', `${api}/logged-models/m-1/tags/${'k'.repeat(250)}`);
    expect(res.status).toBe(404);
    expect(res.json?.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});
