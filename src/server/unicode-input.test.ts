import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, testEngines } from '../db/test-support/test-databases.js';
import type { Engine } from '../db/engine.js';
import { waitFor } from '../shared/test-support/wait-for.js';
import {
  basic,
  expectError,
  startAuthTestServer,
  testAdmin,
  type Answer,
  type AuthTestServer,
} from './test-support/auth-test-server.js';

const asAdmin = basic(testAdmin.username, testAdmin.password);
const MLFLOW = '/api/2.0/mlflow';

interface WireEntry {
  seq: number;
  action: string;
  resource_type: string;
  resource_id: string | null;
  status_code: number | null;
}

/** A request whose body is sent exactly as given: a string (JSON text, escapes and all) or raw bytes. */
async function rawCall(
  t: AuthTestServer,
  method: string,
  path: string,
  body?: string | Uint8Array,
  contentType = 'application/json',
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: asAdmin };
  if (body !== undefined) headers['content-type'] = contentType;
  const res = await fetch(t.server.address + path, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = {};
  }
  return { status: res.status, text, json };
}

/** Audit appends happen after the response: waits until `count` records exist and returns them, newest first. */
async function auditEntries(t: AuthTestServer, count: number): Promise<WireEntry[]> {
  return waitFor(`${count} audit records`, async () => {
    const res = await t.call('GET', '/api/bosun/v1/audit-log?max_results=1000');
    const list = (res.json.entries ?? []) as WireEntry[];
    return list.length >= count ? list : undefined;
  });
}

async function startOn(engine: Engine): Promise<{ t: AuthTestServer; drop: () => Promise<void> }> {
  if (engine === 'sqlite') {
    return { t: await startAuthTestServer('bosun-unicode-'), drop: async () => undefined };
  }
  const pg = await createPostgresDatabase('bosun_unicode');
  return { t: await startAuthTestServer('bosun-unicode-', { backendStoreUri: pg.uri }), drop: pg.drop };
}

describe.each(testEngines)('one request must not break the audit log (real server on %s)', (engine) => {
  let t: AuthTestServer;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ t, drop } = await startOn(engine));
  });
  afterAll(async () => {
    await t?.close();
    await drop?.();
  });

  it('refuses a registered model named with a lone surrogate, and the chain still verifies', async () => {
    // The probe's body, byte for byte: JSON.parse turns the escape into a lone UTF-16 surrogate.
    const created = await rawCall(t, 'POST', `${MLFLOW}/registered-models/create`, '{"name":"\\ud800x"}');
    const ok = await t.call('POST', `${MLFLOW}/registered-models/create`, { name: 'after-the-probe' });
    expect(ok.status).toBe(200);
    const entries = await auditEntries(t, 2);
    // First what the probe saw: `audit-log verify` on the untampered chain.
    const verify = await t.call('GET', '/api/bosun/v1/audit-log/verify');
    expect(verify.json).toMatchObject({ valid: true, records: entries.length });

    expectError(created, 400, 'INVALID_PARAMETER_VALUE');
    expect(created.json.message).toContain("'name'");
    const refused = entries.find((e) => e.status_code === 400);
    expect(refused).toMatchObject({
      action: 'POST /api/2.0/mlflow/registered-models/create',
      resource_type: 'registered_model',
    });
    // The caller's text is kept as evidence, with the lone surrogate written out explicitly.
    expect(refused?.resource_id).toBe('\\ud800x');

    const search = await t.call('GET', `${MLFLOW}/registered-models/search?max_results=100`);
    const names = ((search.json.registered_models ?? []) as { name: string }[]).map((m) => m.name);
    expect(names).toEqual(['after-the-probe']);
  });

  it('refuses NUL and lone surrogates in bodies, keys, query strings and path parameters', async () => {
    const cases: [string, string, string | undefined, string][] = [
      ['POST', `${MLFLOW}/experiments/create`, '{"name":"a\\u0000b"}', 'name'],
      [
        'POST',
        `${MLFLOW}/experiments/create`,
        '{"name":"ok","tags":[{"key":"k","value":"\\udfff"}]}',
        'tags',
      ],
      ['POST', `${MLFLOW}/experiments/create`, '{"name":"ok","\\udc00":"x"}', '\\udc00'],
      [
        'POST',
        `${MLFLOW}/registered-models/create`,
        '{"name":"pair-then-lone-\\ud83d\\ude00\\ud83d"}',
        'name',
      ],
      ['GET', `${MLFLOW}/registered-models/get?name=%ff`, undefined, 'name'],
      ['GET', `${MLFLOW}/registered-models/get?name=%ed%a0%80`, undefined, 'name'],
      ['GET', `${MLFLOW}/registered-models/get?name=a%00b`, undefined, 'name'],
      ['GET', `${MLFLOW}/experiments/get-by-name?experiment_name=x%c0%ae`, undefined, 'experiment_name'],
      ['PUT', '/api/bosun/v1/secrets/data/app/key', '{"value":"\\udc00"}', 'value'],
      ['PUT', '/api/bosun/v1/secrets/data/app/key', '{"value":"a\\u0000"}', 'value'],
      ['GET', '/api/bosun/v1/secrets/data/a%ed%a0%80b', undefined, 'path'],
      ['GET', '/api/2.0/mlflow-artifacts/artifacts/x%ff', undefined, 'path'],
      ['PUT', '/api/2.0/mlflow-artifacts/artifacts/0/r/%ed%b0%80.txt', 'data', 'path'],
      // Text that is hashed or used as a key: a password, a webhook signing secret.
      [
        'POST',
        `${MLFLOW}/users/create`,
        '{"username":"eve","password":"Long-enough-\\ud800-pass"}',
        'password',
      ],
      [
        'POST',
        '/api/bosun/v1/webhooks',
        '{"url":"https://example.com/h","secret":"0123456789abcdef\\udfff"}',
        'secret',
      ],
      ['GET', '/api/bosun/v1/users/a%00b/tokens', undefined, 'username'],
    ];
    for (const [method, path, body, field] of cases) {
      const answer = await rawCall(t, method, path, body);
      expect({ status: answer.status, code: answer.json.error_code }, `${method} ${path} ${body}`).toEqual({
        status: 400,
        code: 'INVALID_PARAMETER_VALUE',
      });
      expect(String(answer.json.message), `${method} ${path}`).toContain(field);
    }
    const verify = await t.call('GET', '/api/bosun/v1/audit-log/verify');
    expect(verify.json, JSON.stringify(verify.json)).toMatchObject({ valid: true });
  });

  it('refuses a JSON body that is not valid UTF-8, on MLflow and native routes', async () => {
    const bad = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const surrogateBytes = Buffer.concat([
      Buffer.from('{"value":"'),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"}'),
    ]);
    for (const [method, path, body] of [
      ['POST', `${MLFLOW}/experiments/create`, bad],
      ['PUT', '/api/bosun/v1/secrets/data/app/utf8', surrogateBytes],
    ] as const) {
      const answer = await rawCall(t, method, path, body);
      expectError(answer, 400, 'INVALID_PARAMETER_VALUE');
      expect(String(answer.json.message)).toContain('UTF-8');
    }
  });

  it('accepts well-formed text of every kind and stores it unchanged', async () => {
    const name = `ok-é-\u0301-😀-\ufffd-${'界'.repeat(50)}`;
    const created = await t.call('POST', `${MLFLOW}/registered-models/create`, { name });
    expect(created.status).toBe(200);
    const got = await t.call('GET', `${MLFLOW}/registered-models/get?name=${encodeURIComponent(name)}`);
    expect((got.json.registered_model as { name: string }).name).toBe(name);
    // A bare '%' that is no escape is kept as text, as before.
    const percent = await t.call('GET', `${MLFLOW}/registered-models/get?name=50%`);
    expectError(percent, 404, 'RESOURCE_DOES_NOT_EXIST');
  });
});

describe('raw artifact uploads are not parsed as text', () => {
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthTestServer('bosun-unicode-art-', { serveArtifacts: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores bytes that are not UTF-8 as they are', async () => {
    const bytes = new Uint8Array([0xed, 0xa0, 0x80, 0xff, 0x00, 0x7b]);
    const path = '/api/2.0/mlflow-artifacts/artifacts/0/run/blob.bin';
    const put = await rawCall(t, 'PUT', path, bytes, 'application/json');
    expect(put.status).toBe(200);
    const res = await fetch(t.server.address + path, { headers: { authorization: asAdmin } });
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });
});
