import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentNullMembers } from './openapi-null-members.js';
import { startTestServer, type TestServer } from './test-support/test-server.js';

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  nullable?: boolean;
};
type Doc = {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
};

const body = (schema: Schema) => ({ requestBody: { content: { 'application/json': { schema } } } });

describe('documentNullMembers', () => {
  it('marks optional members nullable at every depth, required ones not, and only on MLflow paths', () => {
    const tagSchema: Schema = {
      type: 'object',
      properties: { key: { type: 'string' }, value: { type: 'string' } },
      required: ['key'],
    };
    const runCreate: Schema = {
      type: 'object',
      properties: {
        experiment_id: { type: 'string' },
        tags: { type: 'array', items: tagSchema },
      },
      required: ['experiment_id'],
    };
    const native: Schema = { type: 'object', properties: { note: { type: 'string' } } };
    const doc = documentNullMembers<Doc>({
      paths: {
        '/api/2.0/mlflow/runs/create': { post: body(runCreate) },
        '/api/bosun/v1/notes': { post: body(native) },
      },
    });
    const created =
      doc.paths['/api/2.0/mlflow/runs/create']!.post!.requestBody!.content!['application/json']!.schema!;
    expect(created.properties!.experiment_id!.nullable).toBeUndefined();
    expect(created.properties!.tags!.nullable).toBe(true);
    expect(created.properties!.tags!.items!.properties!.key!.nullable).toBeUndefined();
    expect(created.properties!.tags!.items!.properties!.value!.nullable).toBe(true);
    expect(native.properties!.note!.nullable).toBeUndefined();
  });
});

describe('the served document and the server agree on null members', () => {
  let server: TestServer;
  let doc: Doc;
  beforeAll(async () => {
    server = await startTestServer();
    doc = (await server.call('GET', '/api/bosun/v1/openapi.json')).json as unknown as Doc;
  });
  afterAll(async () => server.close());

  it('documents every optional member of every MLflow JSON body as nullable', () => {
    const missing: string[] = [];
    let checked = 0;
    const walk = (where: string, schema: Schema | undefined): void => {
      if (!schema) return;
      if (schema.items) walk(`${where}[]`, schema.items);
      const required = new Set(schema.required ?? []);
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        if (!required.has(name)) {
          checked += 1;
          if (property.nullable !== true) missing.push(`${where}.${name}`);
        }
        walk(`${where}.${name}`, property);
      }
    };
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/2.0/mlflow/') && !path.startsWith('/api/3.0/mlflow/')) continue;
      for (const [method, operation] of Object.entries(item)) {
        walk(`${method.toUpperCase()} ${path}`, operation.requestBody?.content?.['application/json']?.schema);
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  it('answers a null optional member as if it were absent, and a null required one as missing', async () => {
    const searched = await server.call('POST', '/api/2.0/mlflow/experiments/search', {
      max_results: 10,
      view_type: null,
    });
    expect(searched.status).toBe(200);
    const runs = await server.call('POST', '/api/2.0/mlflow/runs/search', {
      experiment_ids: ['0'],
      run_view_type: null,
    });
    expect(runs.status).toBe(200);
    const missing = await server.call('POST', '/api/2.0/mlflow/experiments/create', { name: null });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect(String(missing.json?.message)).toContain("Missing value for required parameter 'name'");
  });
});
