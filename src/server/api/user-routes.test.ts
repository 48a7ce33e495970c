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
const asAlice = basic('alice', alicePassword);

const users = '/api/bosun/v1/users';

beforeAll(async () => {
  harness = await startAuthTestServer('bosun-user-routes-');
  const created = await call('POST', '/api/2.0/mlflow/users/create', {
    username: 'alice',
    password: alicePassword,
  });
  expect(created.status).toBe(200);
});
afterAll(async () => {
  await harness?.close();
});

describe('GET users/me', () => {
  it('answers who the caller is, with their grants and the default permission', async () => {
    const experiment = await call('POST', '/api/2.0/mlflow/experiments/create', { name: 'alice-exp' });
    const experimentId = experiment.json.experiment_id as string;
    await call('POST', '/api/2.0/mlflow/experiments/permissions/create', {
      experiment_id: experimentId,
      username: 'alice',
      permission: 'EDIT',
    });
    const me = await call('GET', `${users}/me`, undefined, asAlice);
    expect(me.status).toBe(200);
    expect(me.json).toEqual({
      user: {
        id: expect.any(Number) as number,
        username: 'alice',
        is_admin: false,
        created_at: expect.any(Number) as number,
        updated_at: expect.any(Number) as number,
        last_login_at: expect.any(Number) as number,
        disabled: false,
      },
      grants: [{ resource_type: 'experiment', resource: experimentId, permission: 'EDIT' }],
      default_permission: 'READ',
    });
    const adminMe = await call('GET', `${users}/me`);
    expect(adminMe.json.user).toMatchObject({ username: admin, is_admin: true });
    expect(adminMe.text).not.toMatch(/password|hash/i);
  });
});

describe('GET users', () => {
  it('lists every user by username, without secrets', async () => {
    const answer = await call('GET', users);
    expect(answer.status).toBe(200);
    expect((answer.json.users as { username: string }[]).map((u) => u.username)).toEqual([admin, 'alice']);
    expect(answer.text).not.toMatch(/password|hash/i);
  });
});

describe('API tokens', () => {
  it('creates a token shown once, lists it without the secret, and revokes it', async () => {
    const created = await call('POST', `${users}/alice/tokens`, { name: 'ci' });
    expect(created.status).toBe(200);
    const token = created.json.token as string;
    expect(token).toMatch(/^bsn_/);
    const info = created.json.token_info as { id: number; prefix: string; name: string };
    expect(info).toMatchObject({ name: 'ci', user_id: expect.any(Number) as number });
    expect(token.startsWith(info.prefix)).toBe(true);

    // The token signs in as alice.
    const me = await call('GET', `${users}/me`, undefined, `Bearer ${token}`);
    expect(me.json.user).toMatchObject({ username: 'alice' });

    const listed = await call('GET', `${users}/alice/tokens`);
    expect(listed.status).toBe(200);
    expect(listed.json.tokens).toEqual([
      expect.objectContaining({
        id: info.id,
        name: 'ci',
        prefix: info.prefix,
        last_used_at: expect.any(Number) as number,
      }),
    ]);
    expect(listed.text).not.toContain(token);

    const revoked = await call('DELETE', `${users}/alice/tokens/${info.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.token_info).toMatchObject({ id: info.id, revoked_at: expect.any(Number) as number });
    expect((await call('GET', `${users}/me`, undefined, `Bearer ${token}`)).status).toBe(401);
    // Revoking twice is harmless.
    expect((await call('DELETE', `${users}/alice/tokens/${info.id}`)).status).toBe(200);
  });

  it('lets a user manage their own tokens', async () => {
    const created = await call(
      'POST',
      `${users}/alice/tokens`,
      { name: 'laptop', expires_at: '2099-01-01T00:00:00Z' },
      asAlice,
    );
    expect(created.status).toBe(200);
    expect(created.json.token_info).toMatchObject({
      name: 'laptop',
      expires_at: Date.parse('2099-01-01T00:00:00Z'),
    });
    const listed = await call('GET', `${users}/alice/tokens`, undefined, asAlice);
    expect((listed.json.tokens as { name: string }[]).map((t) => t.name)).toContain('laptop');
  });

  it('refuses bad names, expiries and ids, and unknown users and tokens', async () => {
    expectError(await call('POST', `${users}/alice/tokens`, { name: '  ' }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await call('POST', `${users}/alice/tokens`, {}), 400, 'INVALID_PARAMETER_VALUE');
    expectError(
      await call('POST', `${users}/alice/tokens`, { name: 'old', expires_at: Date.now() - 1000 }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await call('POST', `${users}/alice/tokens`, { name: 'odd', expires_at: 'next week' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(await call('POST', `${users}/nobody/tokens`, { name: 'x' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await call('GET', `${users}/nobody/tokens`), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await call('DELETE', `${users}/alice/tokens/999999`), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await call('DELETE', `${users}/alice/tokens/abc`), 400, 'INVALID_PARAMETER_VALUE');
    // A token of another user is not found under this one.
    const adminToken = await call('POST', `${users}/${admin}/tokens`, { name: 'admin-cli' });
    const adminTokenId = (adminToken.json.token_info as { id: number }).id;
    expectError(
      await call('DELETE', `${users}/alice/tokens/${adminTokenId}`),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
  });
});

describe('OpenAPI document', () => {
  it('documents the native user routes', async () => {
    const doc = await call('GET', '/api/bosun/v1/openapi.json');
    const paths = doc.json.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    expect(paths[`${users}/me`]?.get?.responses?.['200']).toBeDefined();
    expect(paths[users]?.get?.responses?.['200']).toBeDefined();
    expect(paths[`${users}/{username}/tokens`]?.post?.responses?.['200']).toBeDefined();
    expect(paths[`${users}/{username}/tokens`]?.get?.responses?.['200']).toBeDefined();
    expect(paths[`${users}/{username}/tokens/{token_id}`]?.delete?.responses?.['200']).toBeDefined();
  });
});

describe('permission checks (enforced by the authorization hook)', () => {
  it('refuses the user list and other users’ tokens to non-administrators', async () => {
    expectError(await call('GET', users, undefined, asAlice), 403, 'PERMISSION_DENIED');
    expectError(await call('GET', `${users}/${admin}/tokens`, undefined, asAlice), 403, 'PERMISSION_DENIED');
    expectError(
      await call('POST', `${users}/${admin}/tokens`, { name: 'stolen' }, asAlice),
      403,
      'PERMISSION_DENIED',
    );
    expectError(
      await call('DELETE', `${users}/${admin}/tokens/1`, undefined, asAlice),
      403,
      'PERMISSION_DENIED',
    );
  });
});
