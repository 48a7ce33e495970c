import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { openPlatform, type Platform } from '../../platform/index.js';
import { cleanPickle } from '../../registry/governance/test-support/pickles.js';
import { UserService } from '../../security/users/index.js';
import { loadServerConfig, type ServerConfig } from '../../shared/config.js';
import { buildApp } from '../app.js';
import { startServer, type RunningServer } from '../start-server.js';
import { basicAuthorization, jsonRequest, type JsonAnswer } from '../test-support/json-request.js';
import { testConfig } from '../test-support/test-server.js';
import type { TypedApp } from '../typed-app.js';
import { testPasswordHashing, testStartOptions } from '../test-support/test-start-options.js';

const mlflow = '/api/2.0/mlflow';
const native = '/api/bosun/v1/registry';

interface Served {
  platform: Platform;
  app: TypedApp;
  base: string;
  call(method: string, path: string, body?: unknown): Promise<JsonAnswer>;
  close(): Promise<void>;
}

async function serve(config: Partial<ServerConfig>): Promise<Served> {
  const platform = await openPlatform(testConfig(config));
  const app = await buildApp(platform);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;
  return {
    platform,
    app,
    base,
    call: (method, path, body) => jsonRequest(base, method, path, body),
    async close() {
      await app.close();
      await platform.close();
    },
  };
}

const version = (answer: JsonAnswer): { version: string; tags?: { key: string; value: string }[] } =>
  answer.json.model_version as { version: string; tags?: { key: string; value: string }[] };

// Issue 10, finding 1, end to end: the sources the mlflow client sends with a local artifact root, and what the
// registry's guarantees (scanning, immutable registered files, promotion gates) make of them.
describe.each(testEngines)('model version sources over HTTP on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let destination: string;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-mv-source-routes-'));
    destination = join(dir, 'artifacts');
    mkdirSync(destination, { recursive: true });
  });
  afterAll(async () => {
    await database.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serving artifacts: a local source in the store is scanned, immutable and downloaded through the proxy', async () => {
    const server = await serve({
      backendStoreUri: database.uri,
      artifactsDestination: destination,
      serveArtifacts: true,
    });
    try {
      const exp = await server.call('POST', `${mlflow}/experiments/create`, {
        name: 'direct-writes',
        artifact_location: join(destination, 'team', 'a'),
      });
      expect(exp.status).toBe(200);
      const run = await server.call('POST', `${mlflow}/runs/create`, {
        experiment_id: exp.json.experiment_id,
      });
      const info = (run.json.run as { info: { run_id: string; artifact_uri: string } }).info;
      expect(info.artifact_uri).toBe(join(destination, 'team', 'a', info.run_id, 'artifacts'));
      // A client on the server's machine writes the model where the run says.
      const folder = join(info.artifact_uri, 'model');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'model.pkl'), cleanPickle);
      await server.call('POST', `${mlflow}/registered-models/create`, { name: 'direct' });
      const created = await server.call('POST', `${mlflow}/model-versions/create`, {
        name: 'direct',
        source: pathToFileURL(folder).href,
        run_id: info.run_id,
      });
      expect(created.status).toBe(200);
      expect(version(created).tags).toContainEqual({ key: 'bosun.scan.status', value: 'clean' });
      const storePath = `team/a/${info.run_id}/artifacts/model`;
      const uri = await server.call('GET', `${mlflow}/model-versions/get-download-uri?name=direct&version=1`);
      expect(uri.json).toEqual({ artifact_uri: `mlflow-artifacts:/${storePath}` });
      const deleted = await server.call(
        'DELETE',
        `/api/2.0/mlflow-artifacts/artifacts/${storePath}/model.pkl`,
      );
      expect(deleted.status).toBe(400);
      expect(String(deleted.json.message)).toMatch(/direct/);
      const overwritten = await server.call(
        'PUT',
        `/api/2.0/mlflow-artifacts/artifacts/${storePath}/model.pkl`,
        'x',
      );
      expect(overwritten.status).toBe(400);
      // Nor through the web UI's upload, which writes to the experiment's folder itself.
      const uploaded = await server.call(
        'POST',
        `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${info.run_id}&path=model/model.pkl`,
        'x',
      );
      expect(uploaded.status).toBe(400);
      expect(String(uploaded.json.message)).toMatch(/immutable/);
      expect(readFileSync(join(folder, 'model.pkl'))).toEqual(cleanPickle);
      // Outside the run's folder: MLflow's 400.
      const outside = await server.call('POST', `${mlflow}/model-versions/create`, {
        name: 'direct',
        source: join(destination, 'team'),
        run_id: info.run_id,
      });
      expect(outside.status).toBe(400);
      expect(outside.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    } finally {
      await server.close();
    }
  });

  it('not serving artifacts, a root outside the store: file:// versions are immutable through the server', async () => {
    const fileRoot = join(dir, 'mlruns');
    mkdirSync(fileRoot, { recursive: true });
    const server = await serve({
      backendStoreUri: database.uri,
      artifactsDestination: destination,
      defaultArtifactRoot: pathToFileURL(fileRoot).href,
      serveArtifacts: false,
    });
    try {
      const exp = await server.call('POST', `${mlflow}/experiments/create`, { name: 'file-root' });
      const run = await server.call('POST', `${mlflow}/runs/create`, {
        experiment_id: exp.json.experiment_id,
      });
      const info = (run.json.run as { info: { run_id: string; artifact_uri: string } }).info;
      expect(info.artifact_uri.startsWith('file://')).toBe(true);
      const folder = join(fileURLToPath(info.artifact_uri), 'model');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'model.pkl'), cleanPickle);
      await server.call('POST', `${mlflow}/registered-models/create`, { name: 'file-root' });
      const created = await server.call('POST', `${mlflow}/model-versions/create`, {
        name: 'file-root',
        source: `${info.artifact_uri}/model`,
        run_id: info.run_id,
      });
      expect(created.status).toBe(200);
      expect(version(created).tags).toContainEqual({ key: 'bosun.scan.status', value: 'failed' });
      for (const path of ['model/model.pkl', 'model/new-file']) {
        const uploaded = await server.call(
          'POST',
          `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${info.run_id}&path=${path}`,
          'x',
        );
        expect(uploaded.status, path).toBe(400);
        expect(String(uploaded.json.message), path).toMatch(/file-root/);
      }
      expect(readFileSync(join(folder, 'model.pkl'))).toEqual(cleanPickle);
      // Elsewhere in the run, uploads work.
      const elsewhere = await server.call(
        'POST',
        `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${info.run_id}&path=notes.txt`,
        'x',
      );
      expect(elsewhere.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('a runs:/ source whose run is not here is registered, never scanned, and fails a clean-scan gate', async () => {
    const server = await serve({
      backendStoreUri: database.uri,
      artifactsDestination: destination,
      serveArtifacts: true,
    });
    try {
      await server.call('POST', `${mlflow}/registered-models/create`, { name: 'elsewhere' });
      const created = await server.call('POST', `${mlflow}/model-versions/create`, {
        name: 'elsewhere',
        source: 'runs:/run_id/model',
        run_id: 'run_id',
      });
      expect(created.status).toBe(200);
      expect(version(created).tags).toContainEqual({ key: 'bosun.scan.status', value: 'failed' });
      const uri = await server.call(
        'GET',
        `${mlflow}/model-versions/get-download-uri?name=elsewhere&version=1`,
      );
      expect(uri.json).toEqual({ artifact_uri: 'runs:/run_id/model' });
      const scan = await server.call('GET', `${native}/models/elsewhere/versions/1/scan`);
      expect(scan.json.scan).toMatchObject({
        status: 'failed',
        error: 'not scannable: the source run is not on this server',
      });
      const mismatch = await server.call('POST', `${mlflow}/model-versions/create`, {
        name: 'elsewhere',
        source: 'runs:/run_id/model',
        run_id: 'run_id_1',
      });
      expect(mismatch.status).toBe(400);
      expect(mismatch.json.error_code).toBe('INVALID_PARAMETER_VALUE');

      const policy = await server.call('PUT', `${native}/models/elsewhere/policies`, {
        target: 'alias:champion',
        require_clean_scan: true,
      });
      expect(policy.status).toBe(200);
      const refused = await server.call('POST', `${mlflow}/registered-models/alias`, {
        name: 'elsewhere',
        alias: 'champion',
        version: '1',
      });
      expect(refused.status).toBe(409);
      expect(String(refused.json.message)).toMatch(
        /scan failed \(not scannable: the source run is not on this server\)/,
      );
    } finally {
      await server.close();
    }
  });

  it('not serving artifacts: download URIs of versions in the store name the local folder', async () => {
    const server = await serve({
      backendStoreUri: database.uri,
      artifactsDestination: destination,
      defaultArtifactRoot: destination,
      serveArtifacts: false,
    });
    try {
      const exp = await server.call('POST', `${mlflow}/experiments/create`, { name: 'no-serve' });
      const run = await server.call('POST', `${mlflow}/runs/create`, {
        experiment_id: exp.json.experiment_id,
      });
      const info = (run.json.run as { info: { run_id: string; artifact_uri: string } }).info;
      const folder = join(info.artifact_uri, 'model');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'model.pkl'), cleanPickle);
      await server.call('POST', `${mlflow}/registered-models/create`, { name: 'no-serve' });
      for (const source of [folder, `runs:/${info.run_id}/model`]) {
        const created = await server.call('POST', `${mlflow}/model-versions/create`, {
          name: 'no-serve',
          source,
          run_id: info.run_id,
        });
        expect(created.status, source).toBe(200);
        expect(version(created).tags, source).toContainEqual({ key: 'bosun.scan.status', value: 'clean' });
        const uri = await server.call(
          'GET',
          `${mlflow}/model-versions/get-download-uri?name=no-serve&version=${version(created).version}`,
        );
        expect(uri.json, source).toEqual({ artifact_uri: folder });
      }
      const uploaded = await server.call(
        'POST',
        `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${info.run_id}&path=model/model.pkl`,
        'x',
      );
      expect(uploaded.status).toBe(400);
      expect(readFileSync(join(folder, 'model.pkl'))).toEqual(cleanPickle);
    } finally {
      await server.close();
    }
  });
});

// The run and logged model a source is checked against are the ones the caller names: the caller must be allowed
// to read their experiment, or any file of someone else's run could be registered by naming it.
describe.each(testEngines)('model version sources and permissions on %s', (engine) => {
  const passwords = {
    admin: 'Correct-Horse-42-battery',
    alice: 'Alice-Strong-Pass-11',
    bob: 'Bob-Strong-Pass-12',
  };
  let database: TestDatabase;
  let dir: string;
  let server: RunningServer;

  const call = (
    as: keyof typeof passwords,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<JsonAnswer> =>
    jsonRequest(server.address, method, path, body, { authorization: basicAuthorization(as, passwords[as]) });

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-mv-source-authz-'));
    const users = new UserService({ handle: database.handle, scrypt: testPasswordHashing });
    await users.bootstrapAdmin('admin', passwords.admin);
    await users.createUser({ username: 'alice', password: passwords.alice });
    await users.createUser({ username: 'bob', password: passwords.bob });
    const artifacts = join(dir, 'artifacts');
    server = await startServer(
      loadServerConfig(
        {
          port: 0,
          backendStoreUri: database.uri,
          artifactsDestination: artifacts,
          defaultArtifactRoot: artifacts,
          serveArtifacts: false,
          logLevel: 'silent',
          authEnabled: true,
          defaultPermission: 'NO_PERMISSIONS',
        },
        {},
      ),
      testStartOptions,
    );
  });
  afterAll(async () => {
    await server?.close();
    await database?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a local source inside another user's run or logged model (403), accepts it for the owner", async () => {
    const exp = await call('alice', 'POST', `${mlflow}/experiments/create`, { name: 'alice-private' });
    expect(exp.status).toBe(200);
    const run = await call('alice', 'POST', `${mlflow}/runs/create`, {
      experiment_id: exp.json.experiment_id,
    });
    const info = (run.json.run as { info: { run_id: string; artifact_uri: string } }).info;
    const made = await call('alice', 'POST', `${mlflow}/logged-models`, {
      experiment_id: exp.json.experiment_id,
    });
    const model = (made.json.model as { info: { model_id: string; artifact_uri: string } }).info;
    expect((await call('bob', 'POST', `${mlflow}/registered-models/create`, { name: 'bobs' })).status).toBe(
      200,
    );

    const viaRun = { name: 'bobs', source: join(info.artifact_uri, 'model'), run_id: info.run_id };
    expect((await call('bob', 'POST', `${mlflow}/model-versions/create`, viaRun)).status).toBe(403);
    const viaModel = { name: 'bobs', source: model.artifact_uri, model_id: model.model_id };
    expect((await call('bob', 'POST', `${mlflow}/model-versions/create`, viaModel)).status).toBe(403);
    const remoteWithModel = { name: 'bobs', source: 's3://bucket/m', model_id: model.model_id };
    expect((await call('bob', 'POST', `${mlflow}/model-versions/create`, remoteWithModel)).status).toBe(403);

    expect(
      (await call('alice', 'POST', `${mlflow}/registered-models/create`, { name: 'alices' })).status,
    ).toBe(200);
    for (const body of [viaRun, viaModel]) {
      const created = await call('alice', 'POST', `${mlflow}/model-versions/create`, {
        ...body,
        name: 'alices',
      });
      expect(created.status).toBe(200);
    }
  });
});
