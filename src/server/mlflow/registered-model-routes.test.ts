import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistryServer, type RegistryTestServer } from './test-support/registry-test-server.js';

const api = '/api/2.0/mlflow';

let server: RegistryTestServer;
beforeAll(async () => {
  server = await startRegistryServer();
});
afterAll(async () => server.close());

describe('registered-model routes', () => {
  it('create, get, rename, PATCH update and DELETE with a JSON body', async () => {
    const created = await server.call('POST', `${api}/registered-models/create`, {
      name: 'wire-rm',
      description: 'd',
      tags: [{ key: 'team', value: 'ml' }],
    });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({
      registered_model: {
        name: 'wire-rm',
        creation_timestamp: expect.any(Number),
        last_updated_timestamp: expect.any(Number),
        description: 'd',
        tags: [{ key: 'team', value: 'ml' }],
      },
    });
    const duplicate = await server.call('POST', `${api}/registered-models/create`, { name: 'wire-rm' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');

    const renamed = await server.call('POST', `${api}/registered-models/rename`, {
      name: 'wire-rm',
      new_name: 'wire-rm2',
    });
    expect((renamed.json.registered_model as { name: string }).name).toBe('wire-rm2');
    const updated = await server.call('PATCH', `${api}/registered-models/update`, {
      name: 'wire-rm2',
      description: 'new',
    });
    expect((updated.json.registered_model as { description: string }).description).toBe('new');

    const missing = await server.call('GET', `${api}/registered-models/get?name=wire-rm`);
    expect(missing.status).toBe(404);
    expect(missing.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');

    expect(
      (await server.call('DELETE', `${api}/registered-models/delete`, { name: 'wire-rm2' })).json,
    ).toEqual({});
    expect(
      (await server.call('GET', `/ajax-api/2.0/mlflow/registered-models/get?name=wire-rm2`)).status,
    ).toBe(404);
  });

  it('tags, aliases (POST, GET, DELETE) and latest versions by POST and GET', async () => {
    await server.call('POST', `${api}/registered-models/create`, { name: 'wire-alias' });
    for (let i = 0; i < 2; i++) {
      const v = await server.call('POST', `${api}/model-versions/create`, {
        name: 'wire-alias',
        source: `runs:/${server.runId}/model`,
      });
      expect(v.status).toBe(200);
    }
    expect(
      (
        await server.call('POST', `${api}/registered-models/set-tag`, {
          name: 'wire-alias',
          key: 'k',
          value: 'v',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await server.call('DELETE', `${api}/registered-models/delete-tag`, {
          name: 'wire-alias',
          key: 'nope',
        })
      ).status,
    ).toBe(200);
    const set = await server.call('POST', `${api}/registered-models/alias`, {
      name: 'wire-alias',
      alias: 'champion',
      version: '1',
    });
    expect(set.json).toEqual({});
    const got = await server.call('GET', `${api}/registered-models/alias?name=wire-alias&alias=champion`);
    expect(got.json.model_version).toMatchObject({ name: 'wire-alias', version: '1', aliases: ['champion'] });
    const model = await server.call('GET', `${api}/registered-models/get?name=wire-alias`);
    expect(model.json.registered_model).toMatchObject({
      aliases: [{ alias: 'champion', version: '1' }],
      tags: [{ key: 'k', value: 'v' }],
      latest_versions: [{ version: '2', current_stage: 'None', status: 'READY' }],
    });
    await server.call('DELETE', `${api}/registered-models/alias`, { name: 'wire-alias', alias: 'champion' });
    const gone = await server.call('GET', `${api}/registered-models/alias?name=wire-alias&alias=champion`);
    expect(gone.status).toBe(400);
    expect(gone.json.error_code).toBe('INVALID_PARAMETER_VALUE');

    await server.call('POST', `${api}/model-versions/transition-stage`, {
      name: 'wire-alias',
      version: '1',
      stage: 'production',
      archive_existing_versions: false,
    });
    const post = await server.call('POST', `${api}/registered-models/get-latest-versions`, {
      name: 'wire-alias',
      stages: ['Production'],
    });
    expect((post.json.model_versions as { version: string }[]).map((v) => v.version)).toEqual(['1']);
    const get = await server.call(
      'GET',
      `${api}/registered-models/get-latest-versions?name=wire-alias&stages=None&stages=Production`,
    );
    expect((get.json.model_versions as { version: string }[]).map((v) => v.version)).toEqual(['2', '1']);
    const one = await server.call(
      'GET',
      `${api}/registered-models/get-latest-versions?name=wire-alias&stages=None`,
    );
    expect((one.json.model_versions as { version: string }[]).map((v) => v.version)).toEqual(['2']);
  });

  it('search answers pages with next_page_token and omits empty lists', async () => {
    for (const name of ['page-1', 'page-2', 'page-3']) {
      await server.call('POST', `${api}/registered-models/create`, { name });
    }
    const first = await server.call(
      'GET',
      `${api}/registered-models/search?filter=${encodeURIComponent("name LIKE 'page-%'")}&max_results=2&order_by=name%20DESC`,
    );
    expect((first.json.registered_models as { name: string }[]).map((m) => m.name)).toEqual([
      'page-3',
      'page-2',
    ]);
    const token = first.json.next_page_token as string;
    const second = await server.call(
      'GET',
      `${api}/registered-models/search?filter=${encodeURIComponent("name LIKE 'page-%'")}&max_results=2&order_by=name%20DESC&page_token=${encodeURIComponent(token)}`,
    );
    expect((second.json.registered_models as { name: string }[]).map((m) => m.name)).toEqual(['page-1']);
    expect(second.json).not.toHaveProperty('next_page_token');
    const none = await server.call(
      'GET',
      `${api}/registered-models/search?filter=${encodeURIComponent("name = 'x'")}`,
    );
    expect(none.json).toEqual({});
    const bad = await server.call(
      'GET',
      `${api}/registered-models/search?filter=${encodeURIComponent('name = x')}`,
    );
    expect(bad.status).toBe(400);
  });
});
