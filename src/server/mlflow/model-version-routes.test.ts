import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistryServer, type RegistryTestServer } from './test-support/registry-test-server.js';

const api = '/api/2.0/mlflow';
let server: RegistryTestServer;

/** A GET whose target is sent byte for byte (fetch would normalise `..` segments first). */
function rawGet(target: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const url = new URL(server.base);
    const req = httpRequest({ host: url.hostname, port: url.port, path: target, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: res.headers,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  server = await startRegistryServer();
  await server.call('POST', `${api}/registered-models/create`, { name: 'mv' });
});
afterAll(async () => server.close());

describe('model-version routes', () => {
  it('a version created without a description answers description "" (as MLflow stores and sends it)', async () => {
    await server.call('POST', `${api}/registered-models/create`, { name: 'mv-no-description' });
    const created = await server.call('POST', `${api}/model-versions/create`, {
      name: 'mv-no-description',
      source: `runs:/${server.runId}/model`,
      run_id: server.runId,
    });
    expect(created.status).toBe(200);
    expect((created.json.model_version as { description?: unknown }).description).toBe('');
    const got = await server.call('GET', `${api}/model-versions/get?name=mv-no-description&version=1`);
    expect((got.json.model_version as { description?: unknown }).description).toBe('');
  });

  it('create answers the MLflow wire object; get, PATCH update, tags, DELETE', async () => {
    const created = await server.call('POST', `${api}/model-versions/create`, {
      name: 'mv',
      source: `runs:/${server.runId}/model`,
      run_id: server.runId,
      description: 'first',
      tags: [{ key: 'k', value: 'v' }],
    });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({
      model_version: {
        name: 'mv',
        version: '1',
        creation_timestamp: expect.any(Number),
        last_updated_timestamp: expect.any(Number),
        current_stage: 'None',
        description: 'first',
        source: `runs:/${server.runId}/model`,
        run_id: server.runId,
        status: 'READY',
        // Every version is scanned on registration (governance); this one's source folder holds no file.
        tags: [
          { key: 'bosun.scan.status', value: 'failed' },
          { key: 'k', value: 'v' },
        ],
      },
    });
    const uri = await server.call('GET', `${api}/model-versions/get-download-uri?name=mv&version=1`);
    expect(uri.json).toEqual({ artifact_uri: `mlflow-artifacts:/0/${server.runId}/artifacts/model` });

    const updated = await server.call('PATCH', `${api}/model-versions/update`, {
      name: 'mv',
      version: '1',
      description: 'better',
    });
    expect((updated.json.model_version as { description: string }).description).toBe('better');
    await server.call('POST', `${api}/model-versions/set-tag`, {
      name: 'mv',
      version: '1',
      key: 'x',
      value: 'y',
    });
    await server.call('DELETE', `${api}/model-versions/delete-tag`, { name: 'mv', version: '1', key: 'k' });
    const got = await server.call('GET', `${api}/model-versions/get?name=mv&version=1`);
    expect((got.json.model_version as { tags: unknown }).tags).toEqual([
      { key: 'bosun.scan.status', value: 'failed' },
      { key: 'x', value: 'y' },
    ]);

    const bad = await server.call('GET', `${api}/model-versions/get?name=mv&version=one`);
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe('INVALID_PARAMETER_VALUE');

    expect(
      (await server.call('DELETE', `${api}/model-versions/delete`, { name: 'mv', version: '1' })).json,
    ).toEqual({});
    expect((await server.call('GET', `${api}/model-versions/get?name=mv&version=1`)).status).toBe(404);
  });

  it('refuses unsafe sources with 400 INVALID_PARAMETER_VALUE, prompt tag or not', async () => {
    for (const source of ['file:///etc/', '/etc', '//proc/self/root', 'mlflow-artifacts://h/..%2f..%2fetc']) {
      const res = await server.call('POST', `/ajax-api/2.0/mlflow/model-versions/create`, {
        name: 'mv',
        source,
        tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }],
      });
      expect(res.status, source).toBe(400);
      expect(res.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(res.json.message).toMatch(/^Invalid model version source/);
    }
  });

  it('transition-stage archives existing versions; search filters by run_id and version_number', async () => {
    for (let i = 0; i < 3; i++) {
      await server.call('POST', `${api}/model-versions/create`, {
        name: 'mv',
        source: `runs:/${server.runId}/m`,
      });
    }
    await server.call('POST', `${api}/model-versions/transition-stage`, {
      name: 'mv',
      version: '2',
      stage: 'Staging',
      archive_existing_versions: 'false',
    });
    const moved = await server.call('POST', `${api}/model-versions/transition-stage`, {
      name: 'mv',
      version: '3',
      stage: 'staging',
      archive_existing_versions: true,
    });
    expect((moved.json.model_version as { current_stage: string }).current_stage).toBe('Staging');
    const filter = encodeURIComponent(`run_id = '${server.runId}' AND version_number >= 3`);
    const found = await server.call(
      'GET',
      `${api}/model-versions/search?filter=${filter}&order_by=version_number`,
    );
    expect(
      (found.json.model_versions as { version: string; current_stage: string }[]).map((v) => v.version),
    ).toEqual(['3', '4']);
    const two = await server.call('GET', `${api}/model-versions/get?name=mv&version=2`);
    expect((two.json.model_version as { current_stage: string }).current_stage).toBe('Archived');
  });

  it('get-artifact serves a version file from the artifact store and nothing outside it', async () => {
    await server.artifacts.put('0/r/artifacts/model/MLmodel', Buffer.from('flavors: {}\n'));
    await server.artifacts.put('0/r/artifacts/secret.txt', Buffer.from('outside the version'));
    await server.call('POST', `${api}/registered-models/create`, { name: 'files' });
    await server.call('POST', `${api}/model-versions/create`, {
      name: 'files',
      source: 'mlflow-artifacts:/0/r/artifacts/model',
    });
    await server.call('POST', `${api}/model-versions/create`, { name: 'files', source: 's3://bucket/model' });

    const ok = await rawGet('/model-versions/get-artifact?name=files&version=1&path=MLmodel');
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('flavors: {}\n');
    expect(ok.headers['content-disposition']).toMatch(/filename="MLmodel"/);
    const ajax = await rawGet(
      '/ajax-api/2.0/mlflow/model-versions/get-artifact?name=files&version=1&path=MLmodel',
    );
    expect(ajax.status).toBe(200);

    for (const path of [
      '../secret.txt',
      '..%2Fsecret.txt',
      '%252e%252e/secret.txt',
      '/etc/passwd',
      '..\\secret.txt',
    ]) {
      const res = await rawGet(`/model-versions/get-artifact?name=files&version=1&path=${path}`);
      expect(res.status, path).toBe(400);
      expect(res.body).not.toContain('outside the version');
    }
    const remote = await rawGet('/model-versions/get-artifact?name=files&version=2&path=MLmodel');
    expect(remote.status).toBe(400);
    const missing = await rawGet('/model-versions/get-artifact?name=files&version=1&path=nope');
    expect(missing.status).toBe(404);
  });
});
