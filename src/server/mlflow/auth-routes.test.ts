import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basic,
  expectError,
  startAuthTestServer,
  testAdmin,
  type Answer,
  type AuthTestServer,
} from '../test-support/auth-test-server.js';

const admin = testAdmin.username;
const alicePassword = 'Alice-Strong-Pass-7';

let harness: AuthTestServer;
const call = (method: string, path: string, body?: unknown, authorization?: string): Promise<Answer> =>
  harness.call(method, path, body, authorization);

const api = '/api/2.0/mlflow';
const v3 = '/api/3.0/mlflow';

async function createUser(username: string, password = alicePassword): Promise<number> {
  const answer = await call('POST', `${api}/users/create`, { username, password });
  expect(answer.status).toBe(200);
  return (answer.json.user as { id: number }).id;
}

async function createExperiment(name: string): Promise<string> {
  const answer = await call('POST', `${api}/experiments/create`, { name });
  expect(answer.status).toBe(200);
  return answer.json.experiment_id as string;
}

async function createModel(name: string): Promise<void> {
  expect((await call('POST', `${api}/registered-models/create`, { name })).status).toBe(200);
}

beforeAll(async () => {
  harness = await startAuthTestServer('bosun-auth-routes-');
});
afterAll(async () => {
  await harness?.close();
});

describe('MLflow users API', () => {
  it('creates a user and answers with MLflow’s User JSON, never a password or hash', async () => {
    const answer = await call('POST', `${api}/users/create`, { username: 'alice', password: alicePassword });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      user: {
        id: expect.any(Number) as number,
        username: 'alice',
        is_admin: false,
        experiment_permissions: [],
        registered_model_permissions: [],
      },
    });
    expect(answer.text).not.toContain(alicePassword);
    expect(answer.text).not.toMatch(/hash|scrypt/i);
    // The new user can sign in.
    expect((await call('GET', `${api}/users/current`, undefined, basic('alice', alicePassword))).status).toBe(
      200,
    );
  });

  it('refuses a taken name, a weak password and missing fields, without echoing the password', async () => {
    expectError(
      await call('POST', `${api}/users/create`, { username: 'ALICE', password: alicePassword }),
      400,
      'RESOURCE_ALREADY_EXISTS',
    );
    const weak = await call('POST', `${api}/users/create`, { username: 'weakling', password: 'short1' });
    expectError(weak, 400, 'INVALID_PARAMETER_VALUE');
    expect(weak.text).not.toContain('short1');
    const wrongType = await call('POST', `${api}/users/create`, {
      username: 'typed',
      password: 123456789012345,
    });
    expectError(wrongType, 400, 'INVALID_PARAMETER_VALUE');
    expect(wrongType.text).not.toContain('123456789012345');
    expectError(
      await call('POST', `${api}/users/create`, { password: alicePassword }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await call('POST', `${api}/users/create`, { username: 'bad name!', password: alicePassword }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('gets a user by name; unknown is 404, missing is 400', async () => {
    const answer = await call('GET', `${api}/users/get?username=alice`);
    expect(answer.status).toBe(200);
    expect(answer.json.user).toMatchObject({ username: 'alice', is_admin: false });
    expectError(await call('GET', `${api}/users/get?username=nobody`), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await call('GET', `${api}/users/get`), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('answers users/current for the caller and users/list for administrators', async () => {
    const me = await call('GET', `${api}/users/current`);
    expect(me.json).toEqual({
      user: { id: expect.any(Number) as number, username: admin, is_admin: true },
      is_basic_auth: true,
    });
    const list = await call('GET', `${api}/users/list`);
    expect(list.status).toBe(200);
    const names = (list.json.users as { username: string; roles: unknown[] }[]).map((u) => u.username);
    expect(names).toEqual(expect.arrayContaining([admin, 'alice']));
    expect(list.text).not.toMatch(/password|hash/i);
  });

  it('lets an administrator change another user’s password', async () => {
    await createUser('carol');
    const next = 'Carol-Brand-New-Pass-9';
    const answer = await call('PATCH', `${api}/users/update-password`, { username: 'carol', password: next });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({});
    expect((await call('GET', `${api}/users/current`, undefined, basic('carol', next))).status).toBe(200);
    expect((await call('GET', `${api}/users/current`, undefined, basic('carol', alicePassword))).status).toBe(
      401,
    );
    expectError(
      await call('PATCH', `${api}/users/update-password`, { username: 'carol', password: 'weak' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await call('PATCH', `${api}/users/update-password`, { username: 'nobody', password: next }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call('PATCH', `${api}/users/update-password`, { username: 'carol' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('makes a user changing their own password prove the current one (as MLflow 3)', async () => {
    await createUser('dave');
    const asDave = basic('dave', alicePassword);
    const next = 'Dave-Other-Pass-2025x';
    const path = `${api}/users/update-password`;
    expectError(
      await call('PATCH', path, { username: 'dave', password: next }, asDave),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await call(
        'PATCH',
        path,
        { username: 'dave', password: next, current_password: 'Not-The-Password-1' },
        asDave,
      ),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await call(
        'PATCH',
        path,
        { username: 'dave', password: alicePassword, current_password: alicePassword },
        asDave,
      ),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    const ok = await call(
      'PATCH',
      path,
      { username: 'dave', password: next, current_password: alicePassword },
      asDave,
    );
    expect(ok.status).toBe(200);
    expect((await call('GET', `${api}/users/current`, undefined, basic('dave', next))).status).toBe(200);
  });

  it('grants and removes administrator rights; refuses to remove the last administrator', async () => {
    await createUser('erin');
    expect(
      (await call('PATCH', `${api}/users/update-admin`, { username: 'erin', is_admin: true })).status,
    ).toBe(200);
    expect((await call('GET', `${api}/users/get?username=erin`)).json.user).toMatchObject({ is_admin: true });
    expect(
      (await call('PATCH', `${api}/users/update-admin`, { username: 'erin', is_admin: 'False' })).status,
    ).toBe(200);
    expect((await call('GET', `${api}/users/get?username=erin`)).json.user).toMatchObject({
      is_admin: false,
    });
    expectError(
      await call('PATCH', `${api}/users/update-admin`, { username: 'erin', is_admin: 'maybe' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await call('PATCH', `${api}/users/update-admin`, { username: 'erin' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await call('PATCH', `${api}/users/update-admin`, { username: 'nobody', is_admin: true }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call('PATCH', `${api}/users/update-admin`, { username: admin, is_admin: false }),
      409,
      'INVALID_STATE',
    );
  });

  it('refuses a non-administrator setting is_admin, even on themself', async () => {
    const answer = await call(
      'PATCH',
      `${api}/users/update-admin`,
      { username: 'alice', is_admin: true },
      basic('alice', alicePassword),
    );
    expectError(answer, 403, 'PERMISSION_DENIED');
    expect((await call('GET', `${api}/users/get?username=alice`)).json.user).toMatchObject({
      is_admin: false,
    });
  });

  it('deletes a user; refuses self-deletion and unknown users', async () => {
    await createUser('frank');
    expect((await call('DELETE', `${api}/users/delete`, { username: 'frank' })).status).toBe(200);
    expectError(await call('GET', `${api}/users/get?username=frank`), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await call('GET', `${api}/users/current`, undefined, basic('frank', alicePassword))).status).toBe(
      401,
    );
    expectError(
      await call('DELETE', `${api}/users/delete`, { username: 'frank' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(await call('DELETE', `${api}/users/delete`, { username: admin }), 400, 'BAD_REQUEST');
    expectError(await call('DELETE', `${api}/users/delete`, {}), 400, 'INVALID_PARAMETER_VALUE');
  });
});

describe('MLflow experiment permissions API', () => {
  it('creates, reads, updates and deletes a grant; the user shows it', async () => {
    const experimentId = await createExperiment('granted');
    const aliceId = ((await call('GET', `${api}/users/get?username=alice`)).json.user as { id: number }).id;
    const created = await call('POST', `${api}/experiments/permissions/create`, {
      experiment_id: experimentId,
      username: 'alice',
      permission: 'EDIT',
    });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({
      experiment_permission: { experiment_id: experimentId, user_id: aliceId, permission: 'EDIT' },
    });
    const got = await call(
      'GET',
      `${api}/experiments/permissions/get?experiment_id=${experimentId}&username=alice`,
    );
    expect(got.json).toEqual(created.json);
    expect((await call('GET', `${api}/users/get?username=alice`)).json.user).toMatchObject({
      experiment_permissions: [{ experiment_id: experimentId, user_id: aliceId, permission: 'EDIT' }],
    });

    const updated = await call('PATCH', `${api}/experiments/permissions/update`, {
      experiment_id: experimentId,
      username: 'alice',
      permission: 'manage',
    });
    expect(updated.status).toBe(200);
    expect(updated.json).toEqual({});
    expect(
      (await call('GET', `${api}/experiments/permissions/get?experiment_id=${experimentId}&username=alice`))
        .json,
    ).toMatchObject({
      experiment_permission: { permission: 'MANAGE' },
    });

    const deleted = await call('DELETE', `${api}/experiments/permissions/delete`, {
      experiment_id: experimentId,
      username: 'alice',
    });
    expect(deleted.status).toBe(200);
    expectError(
      await call('GET', `${api}/experiments/permissions/get?experiment_id=${experimentId}&username=alice`),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call('DELETE', `${api}/experiments/permissions/delete`, {
        experiment_id: experimentId,
        username: 'alice',
      }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('accepts a numeric experiment id and refuses duplicates, unknown experiments and users, bad levels', async () => {
    const experimentId = await createExperiment('numeric-id');
    const path = `${api}/experiments/permissions/create`;
    const created = await call('POST', path, {
      experiment_id: Number(experimentId),
      username: 'alice',
      permission: 'READ',
    });
    expect(created.json).toMatchObject({
      experiment_permission: { experiment_id: experimentId, permission: 'READ' },
    });
    expectError(
      await call('POST', path, { experiment_id: experimentId, username: 'alice', permission: 'EDIT' }),
      400,
      'RESOURCE_ALREADY_EXISTS',
    );
    expectError(
      await call('POST', path, { experiment_id: '987654', username: 'alice', permission: 'READ' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call('POST', path, { experiment_id: experimentId, username: 'nobody', permission: 'READ' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call('POST', path, { experiment_id: experimentId, username: 'carol', permission: 'OWNER' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await call('POST', path, { username: 'carol', permission: 'READ' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await call('PATCH', `${api}/experiments/permissions/update`, {
        experiment_id: experimentId,
        username: 'carol',
        permission: 'READ',
      }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call('GET', `${api}/experiments/permissions/get?experiment_id=${experimentId}`),
      400,
      'INVALID_PARAMETER_VALUE',
    );
  });
});

describe('MLflow registered-model permissions API', () => {
  it('creates, reads, updates and deletes a grant; the user shows it', async () => {
    await createModel('granted-model');
    const created = await call('POST', `${api}/registered-models/permissions/create`, {
      name: 'granted-model',
      username: 'alice',
      permission: 'READ',
    });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({
      registered_model_permission: {
        name: 'granted-model',
        user_id: expect.any(Number) as number,
        permission: 'READ',
      },
    });
    const got = await call(
      'GET',
      `${api}/registered-models/permissions/get?name=granted-model&username=alice`,
    );
    expect(got.json).toEqual(created.json);
    expect((await call('GET', `${api}/users/get?username=alice`)).json.user).toMatchObject({
      registered_model_permissions: [{ name: 'granted-model', permission: 'READ' }],
    });
    expect(
      (
        await call('PATCH', `${api}/registered-models/permissions/update`, {
          name: 'granted-model',
          username: 'alice',
          permission: 'EDIT',
        })
      ).status,
    ).toBe(200);
    expect(
      (await call('GET', `${api}/registered-models/permissions/get?name=granted-model&username=alice`)).json,
    ).toMatchObject({
      registered_model_permission: { permission: 'EDIT' },
    });
    expect(
      (
        await call('DELETE', `${api}/registered-models/permissions/delete`, {
          name: 'granted-model',
          username: 'alice',
        })
      ).status,
    ).toBe(200);
    expectError(
      await call('GET', `${api}/registered-models/permissions/get?name=granted-model&username=alice`),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('refuses grants on unknown models and users, duplicates and bad levels', async () => {
    await createModel('other-model');
    const path = `${api}/registered-models/permissions/create`;
    expectError(
      await call('POST', path, { name: 'no-such-model', username: 'alice', permission: 'READ' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call('POST', path, { name: 'other-model', username: 'nobody', permission: 'READ' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call('POST', path, { name: 'other-model', username: 'alice', permission: 'ALL' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expect(
      (await call('POST', path, { name: 'other-model', username: 'alice', permission: 'READ' })).status,
    ).toBe(200);
    expectError(
      await call('POST', path, { name: 'other-model', username: 'alice', permission: 'READ' }),
      400,
      'RESOURCE_ALREADY_EXISTS',
    );
    expectError(
      await call('DELETE', `${api}/registered-models/permissions/delete`, {
        name: 'other-model',
        username: 'carol',
      }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
  });
});

describe('MLflow 3 unified grant calls', () => {
  it('grants, checks and revokes on experiments and registered models', async () => {
    const experimentId = await createExperiment('unified');
    await createModel('unified-model');
    await createUser('gina');
    const grant = `${v3}/users/permissions/grant`;
    const get = (type: string, id: string) =>
      call(
        'GET',
        `${v3}/users/permissions/get?username=gina&resource_type=${type}&resource_id=${encodeURIComponent(id)}`,
      );

    expect((await get('experiment', experimentId)).json).toEqual({ allowed: false, permission: 'READ' });
    expect(
      (
        await call('POST', grant, {
          username: 'gina',
          resource_type: 'experiment',
          resource_id: experimentId,
          permission: 'EDIT',
        })
      ).json,
    ).toEqual({});
    expect((await get('experiment', experimentId)).json).toEqual({ allowed: true, permission: 'EDIT' });
    expect(
      (
        await call('POST', grant, {
          username: 'gina',
          resource_type: 'registered_model',
          resource_id: 'unified-model',
          permission: 'MANAGE',
        })
      ).status,
    ).toBe(200);
    expect((await get('registered_model', 'unified-model')).json).toEqual({
      allowed: true,
      permission: 'MANAGE',
    });

    expectError(
      await call('POST', grant, {
        username: 'gina',
        resource_type: 'experiment',
        resource_id: experimentId,
        permission: 'READ',
      }),
      400,
      'RESOURCE_ALREADY_EXISTS',
    );
    expectError(
      await call('POST', grant, {
        username: 'gina',
        resource_type: 'scorer',
        resource_id: 'x',
        permission: 'READ',
      }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await call('POST', grant, {
        username: 'gina',
        resource_type: 'experiment',
        resource_id: '424242',
        permission: 'READ',
      }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call('POST', grant, {
        username: 'gina',
        resource_type: 'registered_model',
        resource_id: 'missing',
        permission: 'READ',
      }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );

    const revoke = `${v3}/users/permissions/revoke`;
    expect(
      (
        await call('POST', revoke, {
          username: 'gina',
          resource_type: 'experiment',
          resource_id: experimentId,
        })
      ).status,
    ).toBe(200);
    expect((await get('experiment', experimentId)).json).toEqual({ allowed: false, permission: 'READ' });
    expectError(
      await call('POST', revoke, {
        username: 'gina',
        resource_type: 'experiment',
        resource_id: experimentId,
      }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call(
        'GET',
        `${v3}/users/permissions/get?username=nobody&resource_type=experiment&resource_id=${experimentId}`,
      ),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
  });
});

describe('OpenAPI document', () => {
  it('documents the user and permission routes with their schemas, without the ajax-api copies', async () => {
    const doc = await call('GET', '/api/bosun/v1/openapi.json');
    const paths = doc.json.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    for (const [path, method] of [
      [`${api}/users/create`, 'post'],
      [`${api}/users/get`, 'get'],
      [`${api}/users/update-password`, 'patch'],
      [`${api}/users/update-admin`, 'patch'],
      [`${api}/users/delete`, 'delete'],
      [`${api}/experiments/permissions/create`, 'post'],
      [`${api}/experiments/permissions/get`, 'get'],
      [`${api}/registered-models/permissions/update`, 'patch'],
      [`${api}/registered-models/permissions/delete`, 'delete'],
      [`${v3}/users/permissions/grant`, 'post'],
    ] as const) {
      expect(paths[path]?.[method]?.responses?.['200'], `${method} ${path}`).toBeDefined();
    }
    expect(Object.keys(paths).some((p) => p.startsWith('/ajax-api/') && p.includes('/users/'))).toBe(false);
  });
});

describe('permission checks (enforced by the authorization hook)', () => {
  const asAlice = () => basic('alice', alicePassword);

  it('refuses user management to non-administrators', async () => {
    expectError(
      await call('POST', `${api}/users/create`, { username: 'mallory', password: alicePassword }, asAlice()),
      403,
      'PERMISSION_DENIED',
    );
    expectError(await call('GET', `${api}/users/list`, undefined, asAlice()), 403, 'PERMISSION_DENIED');
    expectError(
      await call('DELETE', `${api}/users/delete`, { username: 'carol' }, asAlice()),
      403,
      'PERMISSION_DENIED',
    );
    expectError(
      await call('GET', `${api}/users/get?username=carol`, undefined, asAlice()),
      403,
      'PERMISSION_DENIED',
    );
    expectError(
      await call(
        'PATCH',
        `${api}/users/update-password`,
        { username: 'carol', password: 'Taken-Over-Pass-1' },
        asAlice(),
      ),
      403,
      'PERMISSION_DENIED',
    );
    // Their own record is theirs to read.
    expect((await call('GET', `${api}/users/get?username=alice`, undefined, asAlice())).status).toBe(200);
  });

  it('refuses grants on an experiment or model the caller does not manage', async () => {
    const experimentId = await createExperiment('not-alices');
    await createModel('not-alices-model');
    expectError(
      await call(
        'POST',
        `${api}/experiments/permissions/create`,
        { experiment_id: experimentId, username: 'alice', permission: 'MANAGE' },
        asAlice(),
      ),
      403,
      'PERMISSION_DENIED',
    );
    expectError(
      await call(
        'POST',
        `${api}/registered-models/permissions/create`,
        { name: 'not-alices-model', username: 'alice', permission: 'MANAGE' },
        asAlice(),
      ),
      403,
      'PERMISSION_DENIED',
    );
    expectError(
      await call(
        'POST',
        `${v3}/users/permissions/grant`,
        { username: 'alice', resource_type: 'experiment', resource_id: experimentId, permission: 'MANAGE' },
        asAlice(),
      ),
      403,
      'PERMISSION_DENIED',
    );
  });

  it('lets the creator of an experiment, who manages it, grant on it', async () => {
    const created = await call('POST', `${api}/experiments/create`, { name: 'alices-own' }, asAlice());
    expect(created.status).toBe(200);
    const experimentId = created.json.experiment_id as string;
    const granted = await call(
      'POST',
      `${api}/experiments/permissions/create`,
      { experiment_id: experimentId, username: 'carol', permission: 'READ' },
      asAlice(),
    );
    expect(granted.status).toBe(200);
    expect(granted.json).toMatchObject({
      experiment_permission: { experiment_id: experimentId, permission: 'READ' },
    });
    // MLflow 3's unified grant and revoke work for the manager too, and only on what they manage.
    const unified = { username: 'carol', resource_type: 'experiment', resource_id: experimentId };
    expect((await call('POST', `${v3}/users/permissions/revoke`, unified, asAlice())).status).toBe(200);
    expect(
      (await call('POST', `${v3}/users/permissions/grant`, { ...unified, permission: 'EDIT' }, asAlice()))
        .status,
    ).toBe(200);
    expectError(
      await call(
        'POST',
        `${v3}/users/permissions/grant`,
        { ...unified, resource_type: 'scorer', permission: 'EDIT' },
        asAlice(),
      ),
      403,
      'PERMISSION_DENIED',
    );
  });
});
