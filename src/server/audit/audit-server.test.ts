import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/index.js';
import { MasterKey } from '../../shared/index.js';
import { loadServerConfig } from '../../shared/config.js';
import { openPlatform } from '../../platform/index.js';
import { buildApp } from '../app.js';
import { outcomeOf, shouldAudit } from './audit-hook.js';
import { resourceOf } from './audit-resources.js';
import { waitFor } from '../../shared/test-support/wait-for.js';
import { startServer, type RunningServer } from '../start-server.js';
import { FakeTrackingService } from '../test-support/fake-tracking-service.js';
import { testConfig } from '../test-support/test-server.js';
import { testStartOptions } from '../test-support/test-start-options.js';

const SECRET_VALUE = 'hunter2-very-secret-value-7f3a9c';

let dir: string;
let server: RunningServer;
const key = MasterKey.generate('test-key-1');

interface Reply {
  status: number;
  json: Record<string, unknown>;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

interface WireEntry {
  seq: number;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  outcome: string;
  status_code: number | null;
  request_id: string | null;
  client_address: string | null;
}

/** Audit appends happen after the response: poll until `count` entries exist. */
async function entries(count: number): Promise<WireEntry[]> {
  return waitFor(`${count} audit entries`, async () => {
    const res = await call(server.address, 'GET', '/api/bosun/v1/audit-log?max_results=1000');
    const list = (res.json.entries ?? []) as WireEntry[];
    return list.length >= count ? list : undefined;
  });
}

function sqliteUri(file: string): string {
  return `sqlite:///${file}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-audit-server-'));
  writeFileSync(join(dir, 'master.key'), key.export(), { mode: 0o600 });
  const config = loadServerConfig(
    {
      port: 0,
      backendStoreUri: sqliteUri(join(dir, 'bosun.db')),
      artifactsDestination: join(dir, 'artifacts'),
      logLevel: 'silent',
      masterKeyFile: join(dir, 'master.key'),
    },
    {},
  );
  server = await startServer(config, testStartOptions);
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('audit hook and secret routes (real server, SQLite)', () => {
  it('records mutating requests with the route pattern, and no GETs', async () => {
    const exp = await call(server.address, 'POST', '/api/2.0/mlflow/experiments/create', { name: 'audited' });
    expect(exp.status).toBe(200);
    const experimentId = exp.json.experiment_id as string;
    const run = await call(server.address, 'POST', '/api/2.0/mlflow/runs/create', {
      experiment_id: experimentId,
    });
    const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
    await call(server.address, 'GET', `/api/2.0/mlflow/runs/get?run_id=${runId}`);
    await call(server.address, 'GET', `/api/2.0/mlflow/experiments/get?experiment_id=${experimentId}`);
    const bad = await call(server.address, 'POST', '/api/2.0/mlflow/runs/log-metric', { run_id: 'nope' });
    expect(bad.status).toBe(400);

    const list = await entries(3);
    const actions = list.map((e) => e.action);
    expect(actions).toEqual([
      'POST /api/2.0/mlflow/runs/log-metric',
      'POST /api/2.0/mlflow/runs/create',
      'POST /api/2.0/mlflow/experiments/create',
    ]);
    expect(list.some((e) => e.action.startsWith('GET'))).toBe(false);
    const [failed, createdRun, createdExp] = list;
    expect(createdRun).toMatchObject({
      actor: 'anonymous',
      resource_type: 'experiment',
      resource_id: experimentId,
      outcome: 'success',
      status_code: 200,
      client_address: '127.0.0.1',
    });
    expect(createdRun?.request_id).toBeTruthy();
    expect(createdExp).toMatchObject({ resource_type: 'experiment', resource_id: 'audited' });
    expect(failed).toMatchObject({
      outcome: 'error',
      status_code: 400,
      resource_type: 'run',
      resource_id: 'nope',
    });

    const byOutcome = await call(server.address, 'GET', '/api/bosun/v1/audit-log?outcome=error');
    expect((byOutcome.json.entries as WireEntry[]).map((e) => e.action)).toEqual([
      'POST /api/2.0/mlflow/runs/log-metric',
    ]);
    const badFilter = await call(server.address, 'GET', '/api/bosun/v1/audit-log?outcome=maybe');
    expect(badFilter.status).toBe(400);
  });

  it("names the resource a route plugin declares for its routes (an artifact write: the artifact's path)", async () => {
    const path = '0/audit-run/artifacts/model.txt';
    const res = await fetch(`${server.address}/api/2.0/mlflow-artifacts/artifacts/${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'bytes',
    });
    expect(res.status).toBe(200);
    const written = await waitFor('the artifact write audited', async () => {
      const list = (await call(server.address, 'GET', '/api/bosun/v1/audit-log?max_results=1000')).json
        .entries as WireEntry[];
      return list.find((e) => e.action === 'PUT /api/2.0/mlflow-artifacts/artifacts/*');
    });
    expect(written).toMatchObject({ resource_type: 'artifact', resource_id: path, status_code: 200 });
  });

  it('keeps one valid chain after a burst of concurrent requests', async () => {
    const before = (await entries(0)).length;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call(server.address, 'POST', '/api/2.0/mlflow/experiments/create', { name: `burst-${i}` }),
      ),
    );
    const list = await entries(before + 40);
    expect(list.length).toBe(before + 40);
    const verify = await call(server.address, 'GET', '/api/bosun/v1/audit-log/verify');
    expect(verify.json).toMatchObject({ valid: true, records: before + 40, head_seq: before + 40 });
  });

  it('round-trips secrets over HTTP, audits the writes, and never stores the value in the audit log', async () => {
    const base = `${server.address}/api/bosun/v1/secrets`;
    const put = await call(base, 'PUT', '/data/team/db-password', { value: SECRET_VALUE, cas: 0 });
    expect(put.status).toBe(200);
    expect(put.json.metadata).toMatchObject({ version: 1, destroyed: false, deletion_time: null });
    expect(JSON.stringify(put.json)).not.toContain(SECRET_VALUE);

    const conflict = await call(base, 'PUT', '/data/team/db-password', { value: 'x', cas: 0 });
    expect(conflict.status).toBe(409);
    const v2 = await call(base, 'PUT', '/data/team/db-password', { value: `${SECRET_VALUE}-2`, cas: 1 });
    expect(v2.json.metadata).toMatchObject({ version: 2 });

    const latest = await call(base, 'GET', '/data/team/db-password');
    expect(latest.json).toMatchObject({ path: 'team/db-password', value: `${SECRET_VALUE}-2` });
    const first = await call(base, 'GET', '/data/team/db-password?version=1');
    expect(first.json.value).toBe(SECRET_VALUE);

    const meta = await call(base, 'GET', '/metadata/team/db-password');
    expect(meta.json.metadata).toMatchObject({ path: 'team/db-password', current_version: 2 });
    expect(JSON.stringify(meta.json)).not.toContain(SECRET_VALUE);

    const listed = await call(base, 'GET', '/list?prefix=team');
    expect(listed.json).toEqual({ keys: ['team/db-password'] });

    expect((await call(base, 'POST', '/delete/team/db-password', {})).status).toBe(200);
    const deleted = await call(base, 'GET', '/data/team/db-password');
    expect(deleted.json.value).toBeNull();
    expect((await call(base, 'POST', '/undelete/team/db-password', { versions: [2] })).status).toBe(200);
    expect((await call(base, 'GET', '/data/team/db-password')).json.value).toBe(`${SECRET_VALUE}-2`);
    expect((await call(base, 'POST', '/destroy/team/db-password', { versions: [1] })).status).toBe(200);
    expect((await call(base, 'GET', '/data/team/db-password?version=1')).json.value).toBeNull();
    expect((await call(base, 'POST', '/undelete/team/db-password', {})).status).toBe(400);
    expect((await call(base, 'PUT', '/data/team/other', { value: 42 })).status).toBe(400);
    expect((await call(base, 'DELETE', '/metadata/team/db-password')).status).toBe(200);
    expect((await call(base, 'GET', '/data/team/db-password')).status).toBe(404);

    const list = await entries(1);
    const puts = list.filter(
      (e) => e.action === 'PUT /api/bosun/v1/secrets/data/*' && e.resource_id === 'team/db-password',
    );
    expect(puts.map((e) => e.outcome)).toEqual(['success', 'error', 'success']);
    expect(puts[0]).toMatchObject({ resource_type: 'secret', status_code: 200 });
    expect(list.some((e) => e.action === 'DELETE /api/bosun/v1/secrets/metadata/*')).toBe(true);
    // Reads of a value are audited (who read which secret); metadata and listings are not.
    const reads = list.filter(
      (e) => e.action === 'GET /api/bosun/v1/secrets/data/*' && e.resource_id === 'team/db-password',
    );
    expect(reads.map((e) => e.status_code)).toEqual([404, 200, 200, 200, 200, 200]); // newest first
    expect(reads.at(-1)).toMatchObject({ resource_type: 'secret', outcome: 'success', actor: 'anonymous' });
    expect(
      list.filter(
        (e) => e.action.startsWith('GET') && !e.action.startsWith('GET /api/bosun/v1/secrets/data/'),
      ),
    ).toEqual([]);

    // Search every stored audit column for the value, straight from the database.
    const handle = openDatabase(sqliteUri(join(dir, 'bosun.db')));
    try {
      const rows = await sql<Record<string, unknown>>`select * from audit_log`.execute(handle.db);
      const text = JSON.stringify(rows.rows);
      expect(text).toContain('team/db-password');
      expect(text).not.toContain(SECRET_VALUE);
      expect(text).not.toContain('hunter2');
    } finally {
      await handle.close();
    }
  });
});

describe('audit selection', () => {
  it('audits mutations on the API and every 401/403, not other reads', () => {
    expect(shouldAudit('POST', '/api/2.0/mlflow/runs/create', 200)).toBe(true);
    // The web UI's copies of the API, and its upload route, which has no /api twin.
    expect(shouldAudit('POST', '/ajax-api/2.0/mlflow/runs/create', 200)).toBe(true);
    expect(shouldAudit('POST', '/ajax-api/2.0/mlflow/upload-artifact?run_uuid=r&path=f', 200)).toBe(true);
    expect(shouldAudit('GET', '/ajax-api/2.0/mlflow/runs/get?run_id=1', 200)).toBe(false);
    expect(shouldAudit('DELETE', '/api/2.0/mlflow-artifacts/artifacts/x?y=1', 404)).toBe(true);
    expect(shouldAudit('GET', '/api/2.0/mlflow/runs/get?run_id=1', 200)).toBe(false);
    expect(shouldAudit('GET', '/api/2.0/mlflow/runs/get', 401)).toBe(true);
    expect(shouldAudit('GET', '/', 403)).toBe(true);
    expect(shouldAudit('POST', '/static/x', 200)).toBe(false);
    expect(shouldAudit('GET', '/api/bosun/v1/secrets/data/team/key?version=2', 200)).toBe(true);
    expect(shouldAudit('GET', '/api/bosun/v1/secrets/metadata/team/key', 200)).toBe(false);
    expect(shouldAudit('GET', '/api/bosun/v1/secrets/list?prefix=team', 200)).toBe(false);
    expect([200, 302, 401, 403, 404, 500].map(outcomeOf)).toEqual([
      'success',
      'success',
      'unauthenticated',
      'denied',
      'error',
      'error',
    ]);
    expect(resourceOf('registry', { params: {}, body: { name: 'm', value: 'v' }, query: {} })).toEqual({
      type: 'registered_model',
      id: 'm',
    });
  });
});

describe('secrets configuration', () => {
  it('answers BAD_REQUEST when no master key is configured', async () => {
    const sub = mkdtempSync(join(tmpdir(), 'bosun-nokey-'));
    const s = await startServer(
      loadServerConfig(
        {
          port: 0,
          backendStoreUri: sqliteUri(join(sub, 'b.db')),
          artifactsDestination: sub,
          logLevel: 'silent',
        },
        {},
      ),
      testStartOptions,
    );
    try {
      const res = await call(s.address, 'GET', '/api/bosun/v1/secrets/list');
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error_code: 'BAD_REQUEST' });
      expect(res.json.message).toContain('secrets are disabled: set BOSUN_MASTER_KEY_FILE');
    } finally {
      await s.close();
      rmSync(sub, { recursive: true, force: true });
    }
  });

  it('refuses to start with a wrong master key, with the store error', async () => {
    const wrong = MasterKey.generate('other-key');
    const config = loadServerConfig(
      {
        port: 0,
        backendStoreUri: sqliteUri(join(dir, 'bosun.db')),
        artifactsDestination: join(dir, 'artifacts'),
        logLevel: 'silent',
      },
      { BOSUN_MASTER_KEY: wrong.export() },
    );
    await expect(startServer(config, testStartOptions)).rejects.toThrow(
      /wrong master key.*test-key-1.*other-key/,
    );
  });
});

describe('server logs', () => {
  it('never contain a secret value, even at debug level', async () => {
    const sub = mkdtempSync(join(tmpdir(), 'bosun-log-'));
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString('utf8'));
        cb();
      },
    });
    const platform = await openPlatform(
      testConfig({
        logLevel: 'debug',
        backendStoreUri: sqliteUri(join(sub, 'b.db')),
        artifactsDestination: join(sub, 'artifacts'),
        masterKey: key,
      }),
      { tracking: new FakeTrackingService() },
    );
    const app = await buildApp(platform, { logger: pino({ level: 'trace' }, sink) });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const addr = app.server.address();
      const base = `http://127.0.0.1:${addr !== null && typeof addr === 'object' ? addr.port : 0}`;
      const secrets = `${base}/api/bosun/v1/secrets`;
      expect((await call(secrets, 'PUT', '/data/app/token', { value: SECRET_VALUE })).status).toBe(200);
      expect((await call(secrets, 'GET', '/data/app/token')).json.value).toBe(SECRET_VALUE);
      expect((await call(secrets, 'PUT', '/data/app/token', { value: SECRET_VALUE, cas: 7 })).status).toBe(
        409,
      );
      expect((await call(secrets, 'PUT', '/data/app/token', { value: [SECRET_VALUE] })).status).toBe(400);
      await app.close();
      const log = chunks.join('');
      expect(log).toContain('/api/bosun/v1/secrets/data/app/token'); // the request lines were logged
      expect(log).not.toContain(SECRET_VALUE);
    } finally {
      await app.close();
      await platform.close();
      rmSync(sub, { recursive: true, force: true });
    }
  });
});
