import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { PermissionService } from '../../security/permissions/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { UserService } from '../../security/users/index.js';
import { loadServerConfig } from '../../shared/config.js';
import { installErrorHandling } from '../error-handler.js';
import { registeredRoutes } from '../auth/index.js';
import { startServer, type RunningServer } from '../start-server.js';
import type { TypedApp } from '../typed-app.js';
import { basicAuthorization, jsonRequest, type JsonAnswer } from '../test-support/json-request.js';
import { routePoliciesOf } from '../app.js';
import { routePlugins } from '../route-plugins.js';
import { publicRoute, signedIn } from './policy-helpers.js';
import { DuplicateRoutePolicyError, installAuthorization, RoutePolicies } from './index.js';
import { testPasswordHashing, testStartOptions } from '../test-support/test-start-options.js';

const passwords = {
  admin: 'Admin-Strong-Pass-42',
  alice: 'Alice-Strong-Pass-42',
  bob: 'Bob-Strong-Pass-4242',
} as const;
type Who = keyof typeof passwords;

/** Calls `server` signed in as `who`; a string body (an artifact's bytes) goes as text/plain. */
function client(server: RunningServer) {
  return (who: Who, method: string, path: string, body?: unknown): Promise<JsonAnswer> =>
    jsonRequest(server.address, method, path, body, {
      authorization: basicAuthorization(who, passwords[who]),
      ...(typeof body === 'string' ? { 'content-type': 'text/plain' } : {}),
    });
}

const api = '/api/2.0/mlflow';

describe.each(testEngines)('permissions on %s', (engine) => {
  let db: TestDatabase;
  let dir: string;
  let lenient: RunningServer; // default READ
  let strict: RunningServer; // default NO_PERMISSIONS, same database
  let asLenient: ReturnType<typeof client>;
  let asStrict: ReturnType<typeof client>;
  let aliceExperiment: string;
  let aliceRun: string;
  let bobExperiment: string;
  let bobRun: string;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-authz-'));
    const users = new UserService({ handle: db.handle, scrypt: testPasswordHashing });
    await users.bootstrapAdmin('admin', passwords.admin);
    await users.createUser({ username: 'alice', password: passwords.alice });
    await users.createUser({ username: 'bob', password: passwords.bob });
    const configFor = (defaultPermission: string) =>
      loadServerConfig(
        {
          port: 0,
          backendStoreUri: db.uri,
          artifactsDestination: join(dir, 'artifacts'),
          logLevel: 'silent',
          authEnabled: true,
          defaultPermission,
        },
        {},
      );
    lenient = await startServer(configFor('READ'), testStartOptions);
    strict = await startServer(configFor('NO_PERMISSIONS'), testStartOptions);
    asLenient = client(lenient);
    asStrict = client(strict);

    const made = await asLenient('alice', 'POST', `${api}/experiments/create`, { name: 'alice-exp' });
    expect(made.status).toBe(200);
    aliceExperiment = String(made.json.experiment_id);
    const run = await asLenient('alice', 'POST', `${api}/runs/create`, { experiment_id: aliceExperiment });
    aliceRun = String((run.json.run as { info: { run_id: string } }).info.run_id);
    expect(
      (
        await asLenient('alice', 'POST', `${api}/runs/log-metric`, {
          run_id: aliceRun,
          key: 'loss',
          value: 0.5,
          timestamp: 1,
        })
      ).status,
    ).toBe(200);
    const put = await asLenient(
      'alice',
      'PUT',
      `/api/2.0/mlflow-artifacts/artifacts/${aliceExperiment}/${aliceRun}/artifacts/secret.txt`,
      'alice-private-bytes',
    );
    expect(put.status).toBe(200);
    expect(
      (await asLenient('alice', 'POST', `${api}/registered-models/create`, { name: 'alice-model' })).status,
    ).toBe(200);
    const version = await asLenient('alice', 'POST', `${api}/model-versions/create`, {
      name: 'alice-model',
      source: `runs:/${aliceRun}/artifacts`,
      run_id: aliceRun,
    });
    expect(version.status).toBe(200);

    const bobMade = await asLenient('bob', 'POST', `${api}/experiments/create`, { name: 'bob-exp' });
    bobExperiment = String(bobMade.json.experiment_id);
    const bobRunMade = await asLenient('bob', 'POST', `${api}/runs/create`, { experiment_id: bobExperiment });
    bobRun = String((bobRunMade.json.run as { info: { run_id: string } }).info.run_id);
    expect(
      (await asLenient('bob', 'POST', `${api}/registered-models/create`, { name: 'bob-model' })).status,
    ).toBe(200);
  });

  afterAll(async () => {
    await lenient?.close();
    await strict?.close();
    await db?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without a grant and default NO_PERMISSIONS, another user gets 403 on every read, never the data', async () => {
    const reads = [
      `${api}/experiments/get?experiment_id=${aliceExperiment}`,
      `${api}/experiments/get-by-name?experiment_name=alice-exp`,
      `${api}/runs/get?run_id=${aliceRun}`,
      `${api}/metrics/get-history?run_id=${aliceRun}&metric_key=loss`,
      `${api}/metrics/get-history-bulk-interval?run_ids=${aliceRun}&metric_key=loss`,
      `${api}/artifacts/list?run_id=${aliceRun}`,
      `/api/2.0/mlflow-artifacts/artifacts/${aliceExperiment}/${aliceRun}/artifacts/secret.txt`,
      `/api/2.0/mlflow-artifacts/artifacts?path=${aliceExperiment}/${aliceRun}/artifacts`,
      `${api}/registered-models/get?name=alice-model`,
      `${api}/registered-models/get-latest-versions?name=alice-model`,
      `${api}/model-versions/get?name=alice-model&version=1`,
      `${api}/model-versions/get-download-uri?name=alice-model&version=1`,
      `${api}/model-versions/get-artifact?name=alice-model&version=1&path=secret.txt`,
      `/api/bosun/v1/lineage/runs/${aliceRun}`,
      `/api/bosun/v1/lineage/models/alice-model/versions/1`,
    ];
    for (const path of reads) {
      const answer = await asStrict('bob', 'GET', path);
      expect([path, answer.status]).toEqual([path, 403]);
      expect(answer.json.error_code).toBe('PERMISSION_DENIED');
      expect(JSON.stringify(answer.json)).not.toContain('alice-private-bytes');
    }
    // The owner and the administrator still read.
    expect((await asStrict('alice', 'GET', `${api}/runs/get?run_id=${aliceRun}`)).status).toBe(200);
    expect((await asStrict('admin', 'GET', `${api}/runs/get?run_id=${aliceRun}`)).status).toBe(200);
  });

  it('filters every search and list to what the caller may read', async () => {
    const experiments = await asStrict('bob', 'POST', `${api}/experiments/search`, { max_results: 100 });
    const ids = (experiments.json.experiments as { experiment_id: string }[]).map((e) => e.experiment_id);
    expect(ids).toEqual([bobExperiment]);
    const viaGet = await asStrict('bob', 'GET', `${api}/experiments/search?max_results=100`);
    expect((viaGet.json.experiments as unknown[]).length).toBe(1);

    const runs = await asStrict('bob', 'POST', `${api}/runs/search`, {
      experiment_ids: [aliceExperiment, bobExperiment],
    });
    expect((runs.json.runs as { info: { run_id: string } }[]).map((r) => r.info.run_id)).toEqual([bobRun]);
    expect(
      (await asStrict('bob', 'POST', `${api}/runs/search`, { experiment_ids: [aliceExperiment] })).json,
    ).toEqual({});

    const models = await asStrict('bob', 'GET', `${api}/registered-models/search?max_results=100`);
    expect((models.json.registered_models as { name: string }[]).map((m) => m.name)).toEqual(['bob-model']);
    const versions = await asStrict('bob', 'GET', `${api}/model-versions/search?max_results=100`);
    expect(versions.json.model_versions ?? []).toEqual([]);
    const events = await asStrict('bob', 'GET', '/api/bosun/v1/registry/events?max_results=100');
    const eventModels = new Set((events.json.events as { model_name: string }[]).map((e) => e.model_name));
    expect([...eventModels]).toEqual(['bob-model']);

    // With default READ the same searches see everything.
    const all = await asLenient('bob', 'POST', `${api}/experiments/search`, { max_results: 100 });
    expect((all.json.experiments as unknown[]).length).toBeGreaterThanOrEqual(3);
    // The administrator always sees everything.
    const adminModels = await asStrict('admin', 'GET', `${api}/registered-models/search?max_results=100`);
    expect((adminModels.json.registered_models as unknown[]).length).toBe(2);
  });

  it('READ cannot write, and a new version cannot point at files its creator may not read', async () => {
    expect((await asLenient('bob', 'GET', `${api}/runs/get?run_id=${aliceRun}`)).status).toBe(200);
    const writes: [string, string, unknown][] = [
      ['POST', `${api}/runs/log-metric`, { run_id: aliceRun, key: 'x', value: 1, timestamp: 1 }],
      ['POST', `${api}/runs/set-tag`, { run_id: aliceRun, key: 'x', value: 'y' }],
      ['POST', `${api}/runs/update`, { run_id: aliceRun, status: 'FINISHED' }],
      ['POST', `${api}/runs/create`, { experiment_id: aliceExperiment }],
      ['POST', `${api}/experiments/update`, { experiment_id: aliceExperiment, new_name: 'taken' }],
      ['POST', `${api}/model-versions/create`, { name: 'alice-model', source: `runs:/${bobRun}/m` }],
      ['PATCH', `${api}/registered-models/update`, { name: 'alice-model', description: 'mine now' }],
      ['POST', `${api}/registered-models/alias`, { name: 'alice-model', alias: 'prod', version: '1' }],
    ];
    for (const [method, path, body] of writes) {
      expect([path, (await asLenient('bob', method, path, body)).status]).toEqual([path, 403]);
    }
    const upload = await asLenient(
      'bob',
      'PUT',
      `/api/2.0/mlflow-artifacts/artifacts/${aliceExperiment}/${aliceRun}/artifacts/evil.txt`,
      'overwrite',
    );
    expect(upload.status).toBe(403);
    // Bob's own model, pointing at Alice's run: refused where Alice's experiment is unreadable.
    const stolen = await asStrict('bob', 'POST', `${api}/model-versions/create`, {
      name: 'bob-model',
      source: `runs:/${aliceRun}/artifacts`,
    });
    expect(stolen.status).toBe(403);
    const viaPath = await asStrict('bob', 'POST', `${api}/model-versions/create`, {
      name: 'bob-model',
      source: `mlflow-artifacts:/${aliceExperiment}/${aliceRun}/artifacts/model`,
    });
    expect(viaPath.status).toBe(403);
  });

  it('EDIT can change but not delete; MANAGE can delete and grant; grants need MANAGE', async () => {
    const grant = { experiment_id: aliceExperiment, username: 'bob', permission: 'EDIT' };
    expect((await asLenient('bob', 'POST', `${api}/experiments/permissions/create`, grant)).status).toBe(403);
    expect((await asLenient('alice', 'POST', `${api}/experiments/permissions/create`, grant)).status).toBe(
      200,
    );
    expect(
      (
        await asLenient('bob', 'POST', `${api}/runs/log-metric`, {
          run_id: aliceRun,
          key: 'by-bob',
          value: 1,
          timestamp: 1,
        })
      ).status,
    ).toBe(200);
    const deletes: [string, string, unknown?][] = [
      ['POST', `${api}/runs/delete`, { run_id: aliceRun }],
      ['POST', `${api}/experiments/delete`, { experiment_id: aliceExperiment }],
      ['DELETE', `/api/2.0/mlflow-artifacts/artifacts/${aliceExperiment}/${aliceRun}/artifacts/secret.txt`],
    ];
    for (const [method, path, body] of deletes) {
      expect([path, (await asLenient('bob', method, path, body)).status]).toEqual([path, 403]);
    }
    // EDIT cannot grant either.
    const toAdmin = { experiment_id: aliceExperiment, username: 'bob', permission: 'MANAGE' };
    expect((await asLenient('bob', 'PATCH', `${api}/experiments/permissions/update`, toAdmin)).status).toBe(
      403,
    );

    const modelGrant = { name: 'alice-model', username: 'bob', permission: 'EDIT' };
    expect(
      (await asLenient('alice', 'POST', `${api}/registered-models/permissions/create`, modelGrant)).status,
    ).toBe(200);
    expect(
      (
        await asLenient('bob', 'POST', `${api}/model-versions/set-tag`, {
          name: 'alice-model',
          version: '1',
          key: 'k',
          value: 'v',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await asLenient('bob', 'DELETE', `${api}/model-versions/delete`, {
          name: 'alice-model',
          version: '1',
        })
      ).status,
    ).toBe(403);
    expect(
      (await asLenient('bob', 'DELETE', `${api}/registered-models/delete`, { name: 'alice-model' })).status,
    ).toBe(403);

    // MANAGE deletes.
    expect((await asLenient('alice', 'PATCH', `${api}/experiments/permissions/update`, toAdmin)).status).toBe(
      200,
    );
    expect((await asLenient('bob', 'POST', `${api}/runs/delete`, { run_id: aliceRun })).status).toBe(200);
    expect((await asLenient('bob', 'POST', `${api}/runs/restore`, { run_id: aliceRun })).status).toBe(200);
  });

  it('grants follow a renamed model and vanish with a deleted one, so a reused name starts clean', async () => {
    expect(
      (await asLenient('alice', 'POST', `${api}/registered-models/create`, { name: 'short-lived' })).status,
    ).toBe(200);
    const renamed = await asLenient('alice', 'POST', `${api}/registered-models/rename`, {
      name: 'short-lived',
      new_name: 'renamed',
    });
    expect(renamed.status).toBe(200);
    // Alice kept MANAGE through the rename: she may delete it.
    expect(
      (await asLenient('alice', 'DELETE', `${api}/registered-models/delete`, { name: 'renamed' })).status,
    ).toBe(200);
    // Bob reuses the name and becomes its manager; Alice's old grant is gone.
    expect(
      (await asLenient('bob', 'POST', `${api}/registered-models/create`, { name: 'renamed' })).status,
    ).toBe(200);
    expect(
      (await asLenient('alice', 'DELETE', `${api}/registered-models/delete`, { name: 'renamed' })).status,
    ).toBe(403);
    expect(
      (await asLenient('bob', 'DELETE', `${api}/registered-models/delete`, { name: 'renamed' })).status,
    ).toBe(200);
  });

  it('keeps the audit log, secrets and user management to administrators', async () => {
    for (const path of [
      '/api/bosun/v1/audit-log',
      '/api/bosun/v1/audit-log/verify',
      '/api/bosun/v1/secrets/list',
    ]) {
      expect([path, (await asLenient('bob', 'GET', path)).status]).toEqual([path, 403]);
    }
    expect((await asLenient('admin', 'GET', '/api/bosun/v1/audit-log')).status).toBe(200);
    const create = { username: 'mallory', password: 'Mallory-Strong-Pass-42' };
    expect((await asLenient('bob', 'POST', `${api}/users/create`, create)).status).toBe(403);
    expect(
      (await asLenient('bob', 'PATCH', `${api}/users/update-admin`, { username: 'bob', is_admin: true }))
        .status,
    ).toBe(403);
    expect((await asLenient('bob', 'DELETE', `${api}/users/delete`, { username: 'alice' })).status).toBe(403);
    expect((await asLenient('bob', 'GET', `${api}/users/get?username=alice`)).status).toBe(403);
    expect((await asLenient('bob', 'GET', `${api}/users/get?username=bob`)).status).toBe(200);
    // The refusals are on record: who was refused, what they asked for, on which resource.
    const audit = await asLenient('admin', 'GET', '/api/bosun/v1/audit-log?outcome=denied&max_results=1000');
    const entries = audit.json.entries as {
      actor: string;
      action: string;
      resource_type: string;
      resource_id: string | null;
      status_code: number;
    }[];
    expect(entries).toContainEqual(
      expect.objectContaining({ actor: 'bob', action: `POST ${api}/users/create`, status_code: 403 }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        actor: 'bob',
        action: `GET ${api}/runs/get`,
        resource_type: 'run',
        resource_id: aliceRun,
        status_code: 403,
      }),
    );
  });
});

describe('the route policy table', () => {
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bosun-authz-routes-'));
    server = await startServer(
      loadServerConfig(
        {
          port: 0,
          backendStoreUri: `sqlite:///${dir}/bosun.db`,
          artifactsDestination: `${dir}/artifacts`,
          logLevel: 'silent',
          authEnabled: true,
        },
        {
          BOSUN_ADMIN_USERNAME: 'admin',
          BOSUN_ADMIN_PASSWORD: passwords.admin,
          // So that the CORS preflight route exists too.
          BOSUN_CORS_ORIGINS: 'https://app.example.com',
        },
      ),
      testStartOptions,
    );
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('declares a policy for every registered route (fail closed), and no policy names a route that does not exist', () => {
    const policies = routePoliciesOf(server.app);
    const routes = registeredRoutes(server.app).filter((r) => r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(150);
    const undeclared = routes
      .filter((r) => !policies.policyFor(r.method, r.url))
      .map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
    const served = new Set(routes.map((r) => `${r.method} ${r.url.replace(/^\/ajax-api\//, '/api/')}`));
    const stale = policies
      .entries()
      .map(([key]) => key)
      .filter((key) => !served.has(key));
    expect(stale).toEqual([]);
    expect([...policies.publicRouteKeys].sort()).toEqual(
      [
        'GET /api/bosun/v1/health',
        'GET /api/bosun/v1/openapi.json',
        'GET /api/bosun/v1/version',
        'GET /health',
        'GET /health/live',
        'GET /health/ready',
        'GET /version',
        'OPTIONS *',
        // Browser sign-in (src/server/api/session-routes.ts): how a browser gets credentials.
        'POST /api/bosun/v1/session',
        // The web UI's files (src/server/ui): they hold no data.
        'GET /',
        'GET /assets/*',
        // A pipeline trigger's webhook (src/server/api/pipeline-trigger-routes.ts): its own bearer token, checked
        // by the route (401 without it), not a user's credentials.
        'POST /api/bosun/v1/pipelines/triggers/:pipeline/:name/fire',
      ].sort(),
    );
  });

  it('refuses a route without a declared policy, even with auth off', async () => {
    const app = Fastify() as unknown as TypedApp;
    installErrorHandling(app, 1024);
    installAuthorization(app, {
      tracking: {
        getRunInfo: () => Promise.reject(new Error('unused')),
        getLoggedModel: () => Promise.reject(new Error('unused')),
        getExperimentByName: () => Promise.reject(new Error('unused')),
      },
      // Auth is off: no grant is read or written for a route that is refused before its handler.
      permissions: new Proxy({} as PermissionService, {
        get: () => () => Promise.reject(new Error('unused')),
      }),
      policies: RoutePolicies.assemble([{ name: 'probes', policies: { 'GET /health': publicRoute } }]),
    });
    let ran = false;
    app.get('/api/2.0/mlflow/undeclared', async () => {
      ran = true;
      return { secret: 'data' };
    });
    app.get('/health', async () => ({ status: 'OK' }));
    const refused = await app.inject({ method: 'GET', url: '/api/2.0/mlflow/undeclared' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    expect(ran).toBe(false);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    await app.close();
  });

  it('refuses, when the table is assembled, a route two plugins declare', () => {
    const first = { name: 'first', policies: { 'GET /api/bosun/v1/things': signedIn } };
    const second = { name: 'second', policies: { 'GET /api/bosun/v1/things': publicRoute } };
    expect(() => RoutePolicies.assemble([first, second])).toThrow(DuplicateRoutePolicyError);
    expect(() => RoutePolicies.assemble([first, second])).toThrow(
      "Route policy 'GET /api/bosun/v1/things' is declared by both 'first' and 'second'.",
    );
    // A plugin declaring a route another plugin of the server already declares is refused the same way.
    const copy = { name: 'copy', policies: { 'GET /health': publicRoute } };
    expect(() => RoutePolicies.assemble([...routePlugins, copy])).toThrow(
      "Route policy 'GET /health' is declared by both 'system' and 'copy'.",
    );
    expect(() => RoutePolicies.assemble(routePlugins)).not.toThrow();
  });
});
