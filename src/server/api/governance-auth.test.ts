import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/index.js';
import { UserService } from '../../security/users/index.js';
import { loadServerConfig } from '../../shared/config.js';
import { startServer, type RunningServer } from '../start-server.js';
import { testPasswordHashing, testStartOptions } from '../test-support/test-start-options.js';

const adminPassword = 'Correct-Horse-42-battery';
const userPassword = 'Another-Strong-Pass-7';
const mlflow = '/api/2.0/mlflow';
const native = '/api/bosun/v1/registry';

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

let dir: string;
let server: RunningServer;
let handle: DatabaseHandle;
const tokens: Record<string, string> = {};

async function call(
  as: string,
  method: string,
  path: string,
  body?: unknown,
  assertedHeader?: string,
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${tokens[as] ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (assertedHeader !== undefined) headers['x-bosun-user'] = assertedHeader;
  const res = await fetch(server.address + path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function newVersion(model: string): Promise<string> {
  const run = await call('admin', 'POST', `${mlflow}/runs/create`, { experiment_id: '0' });
  const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
  const mv = await call('admin', 'POST', `${mlflow}/model-versions/create`, {
    name: model,
    source: `runs:/${runId}/model`,
    run_id: runId,
  });
  expect(mv.status).toBe(200);
  return (mv.json.model_version as { version: string }).version;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-governance-auth-'));
  const config = loadServerConfig(
    {
      port: 0,
      backendStoreUri: `sqlite:///${dir}/bosun.db`,
      artifactsDestination: `${dir}/artifacts`,
      logLevel: 'silent',
      authEnabled: true,
    },
    { BOSUN_ADMIN_USERNAME: 'admin', BOSUN_ADMIN_PASSWORD: adminPassword },
  );
  // Every signed-in user may change models here: this suite is about who acts, not what they may do.
  server = await startServer({ ...config, defaultPermission: 'MANAGE' }, testStartOptions);
  handle = openDatabase(`sqlite:///${dir}/bosun.db`);
  const users = new UserService({ handle, scrypt: testPasswordHashing });
  const admin = await users.getUser('admin');
  tokens.admin = (await users.createToken(admin.id, { name: 'test' })).token;
  for (const name of ['alice', 'bob']) {
    const user = await users.createUser({ username: name, password: userPassword });
    tokens[name] = (await users.createToken(user.id, { name: 'test' })).token;
  }
  expect((await call('admin', 'POST', `${mlflow}/registered-models/create`, { name: 'gov' })).status).toBe(
    200,
  );
});
afterAll(async () => {
  await server?.close();
  await handle?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('governance actors with authentication on', () => {
  it('records the signed-in user and refuses an asserted user who is someone else', async () => {
    const version = await newVersion('gov');
    const approvals = `${native}/models/gov/versions/${version}/approvals`;

    // Another name in the body or in X-Bosun-User: refused, and nothing is recorded.
    for (const [body, header] of [
      [{ target: 'alias:champion', user: 'bob' }, undefined],
      [{ target: 'alias:champion' }, 'bob'],
      [{ target: 'alias:champion', user: 'alice' }, 'bob'],
    ] as const) {
      const forged = await call('alice', 'POST', approvals, body, header);
      expect(forged.status).toBe(400);
      expect(forged.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(String(forged.json.message)).toMatch(/'bob' is not the signed-in user 'alice'/);
    }
    expect((await call('alice', 'GET', approvals)).json.approvals).toEqual([]);

    // Nothing asserted, or one's own name in any letter case: the signed-in user acts.
    const requested = await call('alice', 'POST', approvals, { target: 'alias:champion' });
    expect(requested.status).toBe(200);
    expect(requested.json.approval).toMatchObject({ requested_by: 'alice', status: 'requested' });
    const own = await call('alice', 'POST', approvals, { target: 'alias:other', user: 'ALICE' }, 'alice');
    expect(own.json.approval).toMatchObject({ requested_by: 'alice' });
    const id = (requested.json.approval as { id: number }).id;

    // alice cannot approve her own request by claiming to be bob...
    const spoofed = await call('alice', 'POST', `${native}/approvals/${id}/approve`, { user: 'bob' });
    expect(spoofed.status).toBe(400);
    const spoofedHeader = await call('alice', 'POST', `${native}/approvals/${id}/approve`, {}, 'bob');
    expect(spoofedHeader.status).toBe(400);
    // ...nor as herself; bob can, and cannot decide in alice's name either.
    expect((await call('alice', 'POST', `${native}/approvals/${id}/approve`, {})).status).toBe(403);
    expect((await call('bob', 'POST', `${native}/approvals/${id}/approve`, { user: 'alice' })).status).toBe(
      400,
    );
    const approved = await call('bob', 'POST', `${native}/approvals/${id}/approve`, { comment: 'ok' });
    expect(approved.status).toBe(200);
    expect(approved.json.approval).toMatchObject({ status: 'approved', decided_by: 'bob' });

    const log = await call(
      'admin',
      'GET',
      `${native}/events?model_name=gov&type=approval.requested,approval.approved`,
    );
    expect((log.json.events as { type: string; actor: string }[]).map((e) => [e.type, e.actor])).toEqual([
      ['approval.requested', 'alice'],
      ['approval.requested', 'alice'],
      ['approval.approved', 'bob'],
    ]);
  });

  it('applies the same rule to policies, rescans and promotion', async () => {
    const version = await newVersion('gov');
    const policies = `${native}/models/gov/policies`;
    const forgedPolicy = await call('alice', 'PUT', policies, { target: 'alias:prod', user: 'admin' });
    expect(forgedPolicy.status).toBe(400);
    expect((await call('alice', 'PUT', policies, { target: 'alias:prod' })).status).toBe(200);
    expect((await call('alice', 'DELETE', `${policies}?target=alias:prod`, undefined, 'admin')).status).toBe(
      400,
    );
    expect((await call('alice', 'GET', policies)).json.policies).toHaveLength(1);

    const scan = `${native}/models/gov/versions/${version}/scan`;
    expect((await call('bob', 'POST', scan, { user: 'alice' })).status).toBe(400);
    expect((await call('bob', 'POST', scan, {})).status).toBe(200);

    const promote = `${native}/models/gov/versions/${version}/promote`;
    expect((await call('bob', 'POST', promote, { target: 'alias:prod', user: 'mallory' })).status).toBe(400);
    expect((await call('bob', 'POST', promote, { target: 'alias:prod', user: 'bob' })).status).toBe(200);

    const log = await call(
      'admin',
      'GET',
      `${native}/events?model_name=gov&type=policy.set,model_version.scanned,alias.set`,
    );
    const actors = (log.json.events as { type: string; actor?: string }[])
      .filter((e) => e.actor !== undefined)
      .map((e) => [e.type, e.actor]);
    expect(actors).toEqual([
      ['policy.set', 'alice'],
      ['model_version.scanned', 'bob'],
      ['alias.set', 'bob'],
    ]);
  });
});
