import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentErrorResponses, errorSchemaName, errorStatusesFor } from './openapi-responses.js';
import { startTestServer, type TestServer } from './test-support/test-server.js';

type Operation = {
  responses: Record<string, { description?: string; content?: Record<string, { schema: unknown }> }>;
  security?: unknown[];
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
};
type Doc = {
  components: { schemas: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
  paths: Record<string, Record<string, Operation>>;
};

function sampleDocument(): Doc {
  const ok = { 200: { description: 'Default Response' } };
  return {
    components: { schemas: {} },
    paths: {
      '/health': { get: { responses: { ...ok } } },
      '/api/bosun/v1/health': {
        get: { responses: { ...ok, 503: { description: 'unavailable' } } },
      },
      '/api/2.0/mlflow/experiments/create': {
        post: { responses: { ...ok }, requestBody: { content: { 'application/json': { schema: {} } } } },
      },
      '/api/2.0/mlflow/experiments/search': {
        get: {
          responses: { ...ok },
          parameters: [
            { name: 'max_results', in: 'query' },
            { name: 'filter', in: 'query' },
          ],
        },
      },
      '/api/2.0/mlflow/runs/get': {
        get: { responses: { ...ok }, parameters: [{ name: 'run_id', in: 'query' }] },
      },
      '/api/2.0/mlflow-artifacts/artifacts/{*}': {
        get: { responses: { ...ok }, parameters: [{ name: '*', in: 'path' }] },
      },
    },
  };
}

const publicRoutes = ['/health', '/api/bosun/v1/health'];

function statuses(op: Operation | undefined): string[] {
  return Object.keys(op?.responses ?? {}).sort();
}

describe('documentErrorResponses (auth on)', () => {
  const doc = documentErrorResponses(sampleDocument(), { authEnabled: true, publicRoutes });

  it('documents only 400 on a public route, which needs no credentials', () => {
    expect(statuses(doc.paths['/health']?.get)).toEqual(['200', '400']);
    expect(doc.paths['/health']?.get?.security).toEqual([]);
  });

  it("keeps the route's own statuses (the readiness probe's 503) as they are", () => {
    const probe = doc.paths['/api/bosun/v1/health']?.get;
    expect(statuses(probe)).toEqual(['200', '400', '503']);
    expect(probe?.responses['503']?.description).toBe('unavailable');
    expect(probe?.responses['200']?.description).toBe('Default Response');
  });

  it('documents 400, 401, 403, 404, 409, 413 and 415 on an operation that takes a body', () => {
    expect(statuses(doc.paths['/api/2.0/mlflow/experiments/create']?.post)).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '415',
    ]);
  });

  it('documents no 404 on a search whose parameters are filters, and 404 on a lookup by id', () => {
    expect(statuses(doc.paths['/api/2.0/mlflow/experiments/search']?.get)).toEqual([
      '200',
      '400',
      '401',
      '403',
    ]);
    expect(statuses(doc.paths['/api/2.0/mlflow/runs/get']?.get)).toEqual(['200', '400', '401', '403', '404']);
  });

  it('gives every added response the MLflow error body', () => {
    const added = doc.paths['/api/2.0/mlflow/experiments/create']?.post?.responses['413'];
    expect(added?.content?.['application/json']?.schema).toEqual({
      $ref: `#/components/schemas/${errorSchemaName}`,
    });
    expect(doc.components.schemas[errorSchemaName]).toMatchObject({
      type: 'object',
      required: ['error_code', 'message'],
      properties: { error_code: { type: 'string' }, message: { type: 'string' } },
    });
    const codes = (
      doc.components.schemas[errorSchemaName] as { properties: { error_code: { enum: string[] } } }
    ).properties.error_code.enum;
    expect(codes).toEqual(expect.arrayContaining(['INVALID_PARAMETER_VALUE', 'RESOURCE_DOES_NOT_EXIST']));
  });

  it('declares Basic and Bearer auth and requires one of them off the public routes', () => {
    expect(doc.components.securitySchemes).toEqual({
      basicAuth: { type: 'http', scheme: 'basic' },
      bearerAuth: { type: 'http', scheme: 'bearer' },
    });
    expect(doc.paths['/api/2.0/mlflow/runs/get']?.get?.security).toEqual([
      { basicAuth: [] },
      { bearerAuth: [] },
    ]);
  });

  it('names a wildcard path parameter `path` instead of `*`', () => {
    expect(doc.paths['/api/2.0/mlflow-artifacts/artifacts/{*}']).toBeUndefined();
    const get = doc.paths['/api/2.0/mlflow-artifacts/artifacts/{path}']?.get;
    expect(get?.parameters).toEqual([{ name: 'path', in: 'path' }]);
    expect(statuses(get)).toContain('404');
  });
});

describe('documentErrorResponses (auth off)', () => {
  const doc = documentErrorResponses(sampleDocument(), { authEnabled: false, publicRoutes });

  it('documents neither 401/403 nor security schemes', () => {
    expect(statuses(doc.paths['/api/2.0/mlflow/runs/get']?.get)).toEqual(['200', '400', '404']);
    expect(doc.components.securitySchemes).toBeUndefined();
    expect(doc.paths['/api/2.0/mlflow/runs/get']?.get?.security).toBeUndefined();
  });

  it('errorStatusesFor: a DELETE takes a body (Fastify parses one), a GET does not', () => {
    const options = { authEnabled: false, publicRoutes };
    expect(
      errorStatusesFor('DELETE', '/x/{id}', { parameters: [{ name: 'id', in: 'path' }] }, options),
    ).toEqual([400, 404, 409, 413, 415]);
    expect(errorStatusesFor('GET', '/x', {}, options)).toEqual([400]);
  });
});

describe('the served document lists the statuses the server really answers', () => {
  let server: TestServer;
  let doc: Doc;
  beforeAll(async () => {
    server = await startTestServer({ config: { serveArtifacts: true, bodyLimitBytes: 1024 } });
    doc = (await server.call('GET', '/api/bosun/v1/openapi.json')).json as unknown as Doc;
  });
  afterAll(async () => server.close());

  function documented(method: string, path: string): string[] {
    return statuses(doc.paths[path]?.[method]);
  }

  it('has no blanket default response on any operation, and 400 on every one', () => {
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        operations += 1;
        expect(Object.keys(op.responses), `${method} ${path}`).not.toContain('default');
        expect(Object.keys(op.responses), `${method} ${path}`).toContain('400');
      }
    }
    expect(operations).toBeGreaterThan(30);
  });

  it('415 for an unsupported Content-Type', async () => {
    const res = await server.call('POST', '/api/2.0/mlflow/experiments/create', 'name=x', {
      'content-type': 'text/csv',
    });
    expect(res.status).toBe(415);
    expect(documented('post', '/api/2.0/mlflow/experiments/create')).toContain('415');
  });

  it('413 for a body over the limit', async () => {
    const res = await server.call('POST', '/api/2.0/mlflow/experiments/create', { name: 'x'.repeat(4096) });
    expect(res.status).toBe(413);
    expect(documented('post', '/api/2.0/mlflow/experiments/create')).toContain('413');
  });

  it('404 for a run that does not exist', async () => {
    const res = await server.call('GET', '/api/2.0/mlflow/runs/get?run_id=0123456789abcdef0123456789abcdef');
    expect(res.status).toBe(404);
    expect(res.json?.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(documented('get', '/api/2.0/mlflow/runs/get')).toContain('404');
  });

  it('501 where the artifact routes lack the feature (documented by the routes themselves)', async () => {
    const res = await server.call('POST', '/api/2.0/mlflow-artifacts/mpu/create/a/b.txt', {});
    expect(res.status).toBe(501);
    expect(documented('post', '/api/2.0/mlflow-artifacts/mpu/create/{path}')).toContain('501');
    const presigned = await server.call('GET', '/api/2.0/mlflow-artifacts/presigned/a/b.txt');
    expect(presigned.status).toBe(501);
    expect(documented('get', '/api/2.0/mlflow-artifacts/presigned/{path}')).toContain('501');
    expect(documented('get', '/api/2.0/mlflow/artifacts/list')).toEqual(['200', '400', '404', '501']);
  });
});
