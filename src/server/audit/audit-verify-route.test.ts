import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/index.js';
import { createPostgresDatabase, testEngines } from '../../db/test-support/test-databases.js';
import { loadServerConfig } from '../../shared/config.js';
import { startServer, type RunningServer } from '../start-server.js';
import { testStartOptions } from '../test-support/test-start-options.js';

interface Started {
  server: RunningServer;
  uri: string;
  dispose(): Promise<void>;
}

async function start(engine: 'sqlite' | 'postgres'): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-verify-route-'));
  const pg = engine === 'postgres' ? await createPostgresDatabase('bosun_verify_route') : undefined;
  const uri = pg?.uri ?? `sqlite:///${join(dir, 'bosun.db')}`;
  const config = loadServerConfig(
    { port: 0, backendStoreUri: uri, artifactsDestination: join(dir, 'artifacts'), logLevel: 'silent' },
    {},
  );
  const server = await startServer(config, testStartOptions);
  return {
    server,
    uri,
    async dispose() {
      await server.close();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function json(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.each(testEngines)('GET /api/bosun/v1/audit-log/verify on %s', (engine) => {
  let started: Started | undefined;
  afterEach(async () => {
    await started?.dispose();
    started = undefined;
  });

  it('lists every tampered record, not only the first', async () => {
    started = await start(engine);
    const base = started.server.address;
    for (let i = 0; i < 8; i += 1) {
      expect((await json(base, 'POST', '/api/2.0/mlflow/experiments/create', { name: `e${i}` })).status).toBe(
        200,
      );
    }
    // Appends happen after each response: poll until all eight are there.
    for (;;) {
      const list = await json(base, 'GET', '/api/bosun/v1/audit-log?max_results=100');
      if ((list.body.entries as unknown[]).length >= 8) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await json(base, 'GET', '/api/bosun/v1/audit-log/verify')).body).toMatchObject({
      valid: true,
      records: 8,
    });

    const handle = openDatabase(started.uri);
    try {
      await sql`update audit_log set actor = 'mallory' where seq = 2`.execute(handle.db);
      await sql`delete from audit_log where seq = 6`.execute(handle.db);
    } finally {
      await handle.close();
    }
    const verify = await json(base, 'GET', '/api/bosun/v1/audit-log/verify');
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({
      valid: false,
      records: 7,
      broken_seq: 2,
      reason: 'hash_mismatch',
      break_count: 2,
      breaks: [
        {
          seq: 2,
          reason: 'hash_mismatch',
          message: expect.stringContaining('record 2 does not match its hash'),
        },
        { seq: 6, reason: 'seq_gap', message: expect.stringContaining('record 6 is missing') },
      ],
    });
  });
});
