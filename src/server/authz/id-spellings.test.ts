/*
 * Identifiers have one spelling. A permission check that compares an id as text while the database reads it as
 * a number let `experiment_id=01` past a NO_PERMISSIONS grant on experiment 1; every other spelling of an id
 * (leading zeros, signs, decimals, blanks, unicode digits, hex, exponents, overlong digit strings) is refused
 * with 400 INVALID_PARAMETER_VALUE by request validation, before authorization runs. This file walks every
 * operation of the served OpenAPI document, sends each bad spelling in each id-taking field, and cross-checks
 * that every field the route policy table reads an id from is among the walked ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { UserService } from '../../security/users/index.js';
import { loadServerConfig } from '../../shared/config.js';
import { startServer, type RunningServer } from '../start-server.js';
import { basicAuthorization, jsonRequest, type JsonAnswer } from '../test-support/json-request.js';
import type { FieldRef, Requirement } from './policy-types.js';
import { routePlugins } from '../route-plugins.js';
import { RoutePolicies } from './route-policies.js';
import { testPasswordHashing, testStartOptions } from '../test-support/test-start-options.js';

const passwords = {
  admin: 'Admin-Strong-Pass-42',
  alice: 'Alice-Strong-Pass-42',
  bob: 'Bob-Strong-Pass-4242',
};
type Who = keyof typeof passwords;

const api = '/api/2.0/mlflow';

/** What an id-taking field holds, by field name. */
type IdKind = 'experiment' | 'version' | 'serial' | 'run' | 'logged-model' | 'username';
const fieldKinds: Readonly<Record<string, IdKind>> = {
  experiment_id: 'experiment',
  experiment_ids: 'experiment',
  resource_id: 'experiment', // sent with resource_type 'experiment'
  run_id: 'run',
  run_uuid: 'run',
  run_ids: 'run',
  source_run_id: 'run',
  model_id: 'logged-model',
  version: 'version',
  id: 'serial',
  token_id: 'serial',
  username: 'username',
};

const numericSpellings = [
  '01',
  '001',
  '+1',
  '-1',
  '1.0',
  ' 1',
  '1 ',
  '\t1',
  '1\n',
  '99999999999999999999',
  '2147483648',
  '１',
  '١',
  '0x1',
  '1e0',
  '1_0',
  '1\u0000',
];
/** Bad spellings of each kind of id (the empty string aside: it means "absent" for optional fields). */
const badSpellings: Readonly<Record<IdKind, readonly string[]>> = {
  experiment: [...numericSpellings, '00'],
  version: [...numericSpellings, '0', '00'],
  serial: [...numericSpellings, '0'],
  run: [' abc', 'abc ', 'ａｂｃ', 'a/b', '..', 'a'.repeat(300), 'abc\u0000', 'abc\u00e9'],
  'logged-model': [' m-abc', 'm-abc ', 'm-ａｂｃ', 'm/../x', 'm'.repeat(300), 'm-abc\u0000'],
  username: [' bob', 'bob ', 'ｂob', 'bo\u0301b', 'bob\u0000', '\u212Aate'],
};

/** Calls `server` signed in as `who`. */
function client(server: RunningServer) {
  return (who: Who, method: string, path: string, body?: unknown): Promise<JsonAnswer> =>
    jsonRequest(server.address, method, path, body, {
      authorization: basicAuthorization(who, passwords[who]),
    });
}

// ---- the OpenAPI document, as far as this walk reads it -------------------------------------------------------

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
}
interface Parameter {
  in: 'query' | 'path' | 'header';
  name: string;
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };

/** One id-taking field of one operation: where it is, and (for lists of objects) the list holding it. */
interface IdField {
  method: string;
  path: string;
  in: 'query' | 'path' | 'body';
  field: string;
  kind: IdKind;
  /** `body.<list>[0].<field>`, for ids inside a list of objects (`metrics[].model_id`). */
  list?: string;
  /** The field is a list of ids (`experiment_ids`, `run_ids`). */
  many: boolean;
  /** Whether the refusal names the field (routes that read their query string themselves may not). */
  namesField?: boolean;
}

function typeOf(schema: Schema | undefined): string | undefined {
  if (!schema) return undefined;
  if (Array.isArray(schema.type)) return schema.type[0];
  if (schema.type) return schema.type;
  return schema.anyOf ? typeOf(schema.anyOf[0]) : undefined;
}

function idFieldsOf(doc: OpenApi): IdField[] {
  const found: IdField[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const upper = method.toUpperCase();
      for (const p of op.parameters ?? []) {
        const kind = fieldKinds[p.name];
        if (kind === undefined || p.in === 'header') continue;
        found.push({
          method: upper,
          path,
          in: p.in,
          field: p.name,
          kind,
          many: typeOf(p.schema) === 'array',
        });
      }
      const body = op.requestBody?.content?.['application/json']?.schema;
      for (const [name, schema] of Object.entries(body?.properties ?? {})) {
        const kind = fieldKinds[name];
        if (kind !== undefined) {
          found.push({
            method: upper,
            path,
            in: 'body',
            field: name,
            kind,
            many: typeOf(schema) === 'array',
          });
          continue;
        }
        const item = schema.items;
        if (typeOf(schema) === 'array' && typeOf(item) === 'object') {
          for (const inner of Object.keys(item?.properties ?? {})) {
            const innerKind = fieldKinds[inner];
            if (innerKind === undefined) continue;
            found.push({
              method: upper,
              path,
              in: 'body',
              field: inner,
              kind: innerKind,
              list: name,
              many: false,
            });
          }
        }
      }
    }
  }
  return found;
}

/** A request to one operation: the field under test holds `value`, every other required field a valid value. */
function requestFor(
  doc: OpenApi,
  target: IdField,
  value: string,
  samples: Readonly<Record<string, unknown>>,
): { method: string; url: string; body?: unknown } {
  const op = doc.paths[target.path]![target.method.toLowerCase()]!;
  const sampleOf = (name: string, schema: Schema | undefined): unknown => {
    if (name in samples) return samples[name];
    const type = typeOf(schema);
    if (type === 'integer' || type === 'number') return 1;
    if (type === 'boolean') return false;
    if (type === 'array') return [];
    if (type === 'object') return fill(schema);
    return schema?.enum?.[0] ?? 'x';
  };
  const fill = (schema: Schema | undefined): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const name of schema?.required ?? []) out[name] = sampleOf(name, schema?.properties?.[name]);
    // Optional ids too (`run_id` of log-batch when the field under test is `metrics[].run_id`).
    for (const name of Object.keys(schema?.properties ?? {})) {
      if (!(name in out) && name in fieldKinds && name in samples) out[name] = samples[name];
    }
    return out;
  };
  const valueFor = (name: string, schema: Schema | undefined) =>
    name === target.field && target.list === undefined
      ? target.many
        ? [value]
        : value
      : sampleOf(name, schema);

  let url = target.path;
  const query = new URLSearchParams();
  for (const p of op.parameters ?? []) {
    if (p.in === 'path') {
      const v = String(valueFor(p.name, p.schema));
      url = url.replace(`{${p.name}}`, p.name === '*' ? v : encodeURIComponent(v));
    } else if (p.in === 'query' && (p.required || (p.name === target.field && target.in === 'query'))) {
      const v = valueFor(p.name, p.schema);
      for (const item of Array.isArray(v) ? v : [v]) query.append(p.name, String(item));
    }
  }
  if (target.in === 'query' && !query.has(target.field)) query.append(target.field, value);
  const search = query.toString();
  const request: { method: string; url: string; body?: unknown } = {
    method: target.method,
    url: search ? `${url}?${search}` : url,
  };
  const bodySchema = op.requestBody?.content?.['application/json']?.schema;
  if (bodySchema) {
    const body = fill(bodySchema);
    if (target.in === 'body') {
      if (target.list !== undefined) {
        const itemSchema = bodySchema.properties?.[target.list]?.items;
        body[target.list] = [{ ...fill(itemSchema), [target.field]: value }];
      } else {
        body[target.field] = valueFor(target.field, bodySchema.properties?.[target.field]);
      }
    }
    request.body = body;
  }
  return request;
}

/** Every FieldRef the policy table reads an id (or a username) from, as `METHOD path in:field`. */
function policyIdFields(): string[] {
  const refs: string[] = [];
  const add = (key: string, ref: FieldRef, nested?: string) => {
    for (const field of typeof ref.field === 'string' ? [ref.field] : ref.field) {
      refs.push(`${key} ${ref.in}:${nested ?? field}`);
    }
  };
  const visit = (key: string, r: Requirement) => {
    switch (r.kind) {
      case 'experiment':
        if (r.locate.by === 'model-version-source' || r.locate.by === 'artifact-path') return;
        if (r.locate.by === 'experiment-name') return;
        add(key, r.locate.from, r.locate.by === 'logged-model-ids' ? r.locate.nested : undefined);
        return;
      case 'registered-model':
        if (r.locate.by === 'approval-id') add(key, r.locate.from);
        return;
      case 'named-resource':
        add(key, r.id);
        return;
      case 'self-or-admin':
        add(key, r.username);
        return;
      case 'public':
      case 'signed-in':
      case 'admin':
        return;
    }
  };
  for (const [key, policy] of RoutePolicies.assemble(routePlugins).entries())
    for (const r of policy.require) visit(key, r);
  return refs;
}

/** `/api/x/{name}` as the policy table writes it: `/api/x/:name`. */
/** A documented operation's policy key (`/ajax-api/` routes with no `/api/` twin share the `/api/` key). */
function routeKey(method: string, path: string): string {
  const pattern = path.replace(/\{([^}]+)\}/g, (_, name: string) => (name === '*' ? '*' : `:${name}`));
  return `${method} ${pattern.replace(/^\/ajax-api\//, '/api/')}`;
}

describe.each(testEngines)('identifier spellings on %s', (engine) => {
  let db: TestDatabase;
  let dir: string;
  let server: RunningServer; // default READ
  let as: ReturnType<typeof client>;
  let experiment: string;
  let runId: string;
  let loggedModelId: string;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-id-spellings-'));
    const users = new UserService({ handle: db.handle, scrypt: testPasswordHashing });
    await users.bootstrapAdmin('admin', passwords.admin);
    await users.createUser({ username: 'alice', password: passwords.alice });
    await users.createUser({ username: 'bob', password: passwords.bob });
    server = await startServer(
      loadServerConfig(
        {
          port: 0,
          backendStoreUri: db.uri,
          artifactsDestination: join(dir, 'artifacts'),
          logLevel: 'silent',
          authEnabled: true,
          defaultPermission: 'READ',
        },
        {},
      ),
      testStartOptions,
    );
    as = client(server);

    const made = await as('alice', 'POST', `${api}/experiments/create`, { name: 'alice-exp' });
    expect(made.status).toBe(200);
    experiment = String(made.json.experiment_id);
    const run = await as('alice', 'POST', `${api}/runs/create`, { experiment_id: experiment });
    runId = (run.json.run as { info: { run_id: string } }).info.run_id;
    await as('alice', 'POST', `${api}/runs/log-metric`, {
      run_id: runId,
      key: 'loss',
      value: 0.5,
      timestamp: 1,
    });
    const model = await as('alice', 'POST', `${api}/logged-models`, { experiment_id: experiment });
    loggedModelId = (model.json.model as { info: { model_id: string } }).info.model_id;
    expect(
      (await as('alice', 'POST', `${api}/registered-models/create`, { name: 'alice-model' })).status,
    ).toBe(200);
    const version = await as('alice', 'POST', `${api}/model-versions/create`, {
      name: 'alice-model',
      source: `runs:/${runId}/artifacts`,
      run_id: runId,
    });
    expect(version.status).toBe(200);
    // The administrator hides Alice's experiment and model from Bob; everything else Bob may read (READ).
    const hide = await as('admin', 'POST', `${api}/experiments/permissions/create`, {
      experiment_id: experiment,
      username: 'bob',
      permission: 'NO_PERMISSIONS',
    });
    expect(hide.status).toBe(200);
    const hideModel = await as('admin', 'POST', `${api}/registered-models/permissions/create`, {
      name: 'alice-model',
      username: 'bob',
      permission: 'NO_PERMISSIONS',
    });
    expect(hideModel.status).toBe(200);
  });

  afterAll(async () => {
    await server?.close();
    await db?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the reproduction: NO_PERMISSIONS on experiment 1 with default READ; "01" is refused (400), "1" is denied (403)', async () => {
    expect(experiment).toBe('1');
    const padded = await as('bob', 'GET', `${api}/experiments/get?experiment_id=01`);
    expect([padded.status, padded.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(JSON.stringify(padded.json)).not.toContain('alice-exp');
    const plain = await as('bob', 'GET', `${api}/experiments/get?experiment_id=1`);
    expect([plain.status, plain.json.error_code]).toEqual([403, 'PERMISSION_DENIED']);

    const search = await as('bob', 'POST', `${api}/runs/search`, { experiment_ids: ['01'] });
    expect([search.status, search.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(JSON.stringify(search.json)).not.toContain(runId);
    const plainSearch = await as('bob', 'POST', `${api}/runs/search`, { experiment_ids: ['1'] });
    expect([plainSearch.status, plainSearch.json]).toEqual([200, {}]);

    // The /ajax-api copies of the routes validate the same way.
    const ajax = await as('bob', 'GET', '/ajax-api/2.0/mlflow/experiments/get?experiment_id=01');
    expect([ajax.status, ajax.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    const ajaxSearch = await as('bob', 'POST', '/ajax-api/2.0/mlflow/runs/search', {
      experiment_ids: ['01'],
    });
    expect([ajaxSearch.status, ajaxSearch.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    // The message says which spelling is expected.
    expect(String(padded.json.message)).toContain("parameter 'experiment_id'");
    expect(String(padded.json.message)).toContain('without sign, leading zeros or blanks');

    // Alice, the owner, reads it by its one spelling.
    expect((await as('alice', 'GET', `${api}/experiments/get?experiment_id=1`)).status).toBe(200);
  });

  it('grants on a non-canonical id are refused, not stored where they would never match', async () => {
    for (const id of ['01', ' 1', '1.0', '+1', '１', 1.5, -1]) {
      const created = await as('admin', 'POST', `${api}/experiments/permissions/create`, {
        experiment_id: id,
        username: 'alice',
        permission: 'READ',
      });
      expect([id, created.status, created.json.error_code]).toEqual([id, 400, 'INVALID_PARAMETER_VALUE']);
      const unified = await as('admin', 'POST', '/api/3.0/mlflow/users/permissions/grant', {
        username: 'alice',
        resource_type: 'experiment',
        resource_id: String(id),
        permission: 'READ',
      });
      expect([id, unified.status, unified.json.error_code]).toEqual([id, 400, 'INVALID_PARAMETER_VALUE']);
    }
    const asked = await as(
      'admin',
      'GET',
      '/api/3.0/mlflow/users/permissions/get?username=bob&resource_type=experiment&resource_id=01',
    );
    expect([asked.status, asked.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    const user = await as('admin', 'GET', `${api}/users/get?username=alice`);
    expect((user.json.user as { experiment_permissions: unknown[] }).experiment_permissions).toEqual([
      { experiment_id: '1', user_id: expect.any(Number) as number, permission: 'MANAGE' },
    ]);
    // A JSON number is the same id as its canonical text.
    const numeric = await as(
      'admin',
      'GET',
      `${api}/experiments/permissions/get?experiment_id=1&username=bob`,
    );
    expect(numeric.json).toMatchObject({ experiment_permission: { permission: 'NO_PERMISSIONS' } });
  });

  it('an artifact path whose experiment segment is not canonical is refused, never read', async () => {
    for (const first of ['01', '001', '00']) {
      const path = `/api/2.0/mlflow-artifacts/artifacts/${first}/${runId}/artifacts`;
      const answer = await as('bob', 'GET', path);
      expect([first, answer.status, answer.json.error_code]).toEqual([first, 400, 'INVALID_PARAMETER_VALUE']);
    }
    // Not a number at all: no experiment's folder, so only administrators may go there.
    for (const first of ['1.0', '+1', '0x1', '１']) {
      const path = `/api/2.0/mlflow-artifacts/artifacts/${encodeURIComponent(first)}/${runId}/artifacts`;
      const answer = await as('bob', 'GET', path);
      expect([first, answer.status, answer.json.error_code]).toEqual([first, 403, 'PERMISSION_DENIED']);
    }
  });

  it('a registered model is checked under exactly the name the store finds (no trimming, case or unicode folding)', async () => {
    for (const name of [
      'alice-model ',
      ' alice-model',
      'Alice-Model',
      'ALICE-MODEL',
      'alice\u2010model',
      'ａlice-model',
    ]) {
      const answer = await as('bob', 'GET', `${api}/registered-models/get?name=${encodeURIComponent(name)}`);
      expect([name, answer.status]).not.toEqual([name, 200]);
      expect([name, answer.json.error_code]).toEqual([name, 'RESOURCE_DOES_NOT_EXIST']);
    }
    expect((await as('bob', 'GET', `${api}/registered-models/get?name=alice-model`)).status).toBe(403);
  });

  it('walks every id-taking field of every operation: each bad spelling is 400 INVALID_PARAMETER_VALUE naming the field', async () => {
    const doc = (await as('admin', 'GET', '/api/bosun/v1/openapi.json')).json as unknown as OpenApi;
    const fields = idFieldsOf(doc);
    // artifacts/list reads its query string itself (artifact-routes.ts; not in the document's parameters).
    for (const field of ['run_id', 'run_uuid']) {
      fields.push({
        method: 'GET',
        path: `${api}/artifacts/list`,
        in: 'query',
        field,
        kind: 'run',
        many: false,
        namesField: false,
      });
    }
    const samples: Record<string, unknown> = {
      experiment_id: experiment,
      experiment_ids: [experiment],
      resource_id: experiment,
      resource_type: 'experiment',
      run_id: runId,
      run_uuid: runId,
      run_ids: [runId],
      source_run_id: runId,
      model_id: loggedModelId,
      version: '1',
      id: '1',
      token_id: '1',
      username: 'bob',
      name: 'alice-model',
      key: 'k',
      value: 0.5,
      timestamp: 1,
      metric_key: 'loss',
      permission: 'READ',
      source: `runs:/${runId}/artifacts`,
      target: 'alias:prod',
      alias: 'prod',
      '*': `${experiment}/${runId}/artifacts/x`,
    };
    const failures: string[] = [];
    for (const target of fields) {
      const label = `${target.method} ${target.path} ${target.in}:${target.list ? `${target.list}[].` : ''}${target.field}`;
      for (const bad of badSpellings[target.kind]) {
        if (target.in === 'path' && bad === '..') continue; // a different URL, not a different id
        const request = requestFor(doc, target, bad, samples);
        const answer = await as('bob', request.method, request.url, request.body);
        const message = String(answer.json.message ?? '');
        const named = target.namesField === false || message.includes(target.field);
        if (answer.status !== 400 || answer.json.error_code !== 'INVALID_PARAMETER_VALUE' || !named) {
          failures.push(`${label} ${JSON.stringify(bad)} -> ${answer.status} ${message.slice(0, 120)}`);
        }
      }
      // The same request with the id's one spelling gets past validation (whatever it answers then).
      const request = requestFor(doc, target, String(samples[target.field] ?? ''), samples);
      const control = await as('bob', request.method, request.url, request.body);
      const controlMessage = String(control.json.message ?? '');
      if (control.status === 400 && controlMessage.includes(`'${target.field}'`)) {
        failures.push(`${label} control -> ${control.status} ${controlMessage.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);

    // Every field the policy table reads an id from is among the walked ones.
    const walked = new Set(
      fields.map((f) => `${routeKey(f.method, f.path)} ${f.in === 'path' ? 'params' : f.in}:${f.field}`),
    );
    const unwalked = policyIdFields().filter((ref) => !walked.has(ref));
    expect(unwalked).toEqual([]);
    expect(fields.length).toBeGreaterThan(60);
  });
});
