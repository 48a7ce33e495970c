import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-support/test-server.js';
import { mlflowApiVersion } from './version.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { serveArtifacts: true } });
});
afterAll(async () => server.close());

const packageVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('health, version, server-info', () => {
  it('GET /health ⇒ 200 text OK', async () => {
    const res = await server.call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.text).toBe('OK');
    expect(res.contentType).toMatch(/^text\/plain/);
  });

  it("GET /version ⇒ the MLflow API version, as plain text the mlflow client parses (not Bosun's own)", async () => {
    const res = await server.call('GET', '/version');
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/plain/);
    expect(res.text).toBe(mlflowApiVersion);
    // The client compares it with packaging.version; span logging needs 3.4 or later.
    const [major = 0, minor = 0] = res.text.split('.').map(Number);
    expect(major > 3 || (major === 3 && minor >= 4)).toBe(true);
    expect(res.text).not.toBe(packageVersion);
  });

  it("GET /api/bosun/v1/version ⇒ Bosun's own version and the MLflow API version", async () => {
    const res = await server.call('GET', '/api/bosun/v1/version');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ version: packageVersion, mlflow_api_version: mlflowApiVersion });
  });

  it('POST /v1/traces (OTLP spans, which the version unlocks) ⇒ 501 NOT_IMPLEMENTED that the client recognises', async () => {
    for (const [contentType, body] of [
      ['application/x-protobuf', '\n\u0000'],
      ['application/json', '{"resourceSpans":[]}'],
    ] as const) {
      const res = await server.call('POST', '/v1/traces', body, {
        'content-type': contentType,
        'x-mlflow-experiment-id': '0',
      });
      expect([contentType, res.status]).toEqual([contentType, 501]);
      expect(res.json).toEqual({
        error_code: 'NOT_IMPLEMENTED',
        // MLflow's span exporter stops sending spans when the refusal contains this phrase.
        message: expect.stringContaining('REST OTLP span logging is not supported'),
      });
    }
  });

  it('server-info under /api/3.0 and /ajax-api/3.0', async () => {
    for (const prefix of ['/api/3.0/mlflow', '/ajax-api/3.0/mlflow']) {
      const res = await server.call('GET', `${prefix}/server-info`);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ store_type: 'SqlStore', workspaces_enabled: false });
    }
  });

  it('native health reports the database', async () => {
    const res = await server.call('GET', '/api/bosun/v1/health');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      status: 'ok',
      version: packageVersion,
      database: 'ok',
      migrations: 'current',
      secrets: 'disabled',
    });
  });
});

describe('OpenAPI document', () => {
  it('lists every MLflow tracking route with its request schema, and hides the /ajax-api copies', async () => {
    const res = await server.call('GET', '/api/bosun/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.json as {
      openapi: string;
      info: { version: string };
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.version).toBe(packageVersion);
    const expected: [string, string][] = [
      ['post', 'experiments/create'],
      ['get', 'experiments/get'],
      ['get', 'experiments/get-by-name'],
      ['post', 'experiments/search'],
      ['get', 'experiments/search'],
      ['post', 'experiments/update'],
      ['post', 'experiments/delete'],
      ['post', 'experiments/restore'],
      ['post', 'experiments/set-experiment-tag'],
      ['post', 'experiments/delete-experiment-tag'],
      ['post', 'runs/create'],
      ['get', 'runs/get'],
      ['post', 'runs/update'],
      ['post', 'runs/delete'],
      ['post', 'runs/restore'],
      ['post', 'runs/search'],
      ['post', 'runs/log-metric'],
      ['post', 'runs/log-parameter'],
      ['post', 'runs/set-tag'],
      ['post', 'runs/delete-tag'],
      ['post', 'runs/log-batch'],
      ['post', 'runs/log-inputs'],
      ['post', 'runs/outputs'],
      ['get', 'metrics/get-history'],
      ['get', 'metrics/get-history-bulk-interval'],
      ['post', 'logged-models'],
      ['get', 'logged-models/{model_id}'],
      ['patch', 'logged-models/{model_id}'],
      ['delete', 'logged-models/{model_id}'],
      ['patch', 'logged-models/{model_id}/tags'],
      ['delete', 'logged-models/{model_id}/tags/{tag_key}'],
      ['post', 'logged-models/{model_id}/params'],
      ['post', 'logged-models/search'],
    ];
    for (const [method, path] of expected) {
      expect(doc.paths[`/api/2.0/mlflow/${path}`], `${method} ${path}`).toHaveProperty(method);
    }
    for (const path of [
      '/health',
      '/version',
      '/api/3.0/mlflow/server-info',
      '/api/bosun/v1/health',
      '/api/bosun/v1/version',
    ]) {
      expect(doc.paths[path], path).toHaveProperty('get');
    }
    // The span endpoint's refusal is documented, so that a status-conformance check accepts it.
    expect(doc.paths['/v1/traces']?.post).toHaveProperty(['responses', '501']);
    // The /ajax-api copies of /api routes are hidden; routes MLflow serves under /ajax-api only are documented.
    const ajaxOnly = Object.keys(doc.paths).filter((p) => p.startsWith('/ajax-api'));
    expect(ajaxOnly.filter((p) => doc.paths[p.replace(/^\/ajax-api\//, '/api/')] !== undefined)).toEqual([]);
    expect(ajaxOnly.sort()).toEqual(
      [
        '/ajax-api/2.0/mlflow/logged-models/{model_id}/artifacts/files',
        '/ajax-api/2.0/mlflow/metrics/get-history-bulk',
        '/ajax-api/2.0/mlflow/upload-artifact',
      ].sort(),
    );

    const create = doc.paths['/api/2.0/mlflow/runs/log-metric']?.post as {
      requestBody: { content: Record<string, { schema: { required: string[] } }> };
    };
    expect(create.requestBody.content['application/json']?.schema.required).toEqual([
      'key',
      'value',
      'timestamp',
    ]);
    const get = doc.paths['/api/2.0/mlflow/experiments/get']?.get as {
      parameters: { name: string; in: string }[];
    };
    expect(get.parameters).toContainEqual(expect.objectContaining({ name: 'experiment_id', in: 'query' }));
  });

  it('includes the artifact routes when artifacts are served', async () => {
    const res = await server.call('GET', '/api/bosun/v1/openapi.json');
    const paths = Object.keys((res.json as { paths: Record<string, unknown> }).paths);
    expect(paths.some((p) => p.startsWith('/api/2.0/mlflow-artifacts/artifacts'))).toBe(true);
  });
});
