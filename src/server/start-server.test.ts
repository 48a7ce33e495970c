import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../shared/config.js';
import { startServer, type RunningServer } from './start-server.js';
import { testStartOptions } from './test-support/test-start-options.js';

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-start-'));
  const config = loadServerConfig(
    {
      port: 0,
      backendStoreUri: `sqlite:///${dir}/bosun.db`,
      artifactsDestination: `${dir}/artifacts`,
      logLevel: 'silent',
    },
    {},
  );
  server = await startServer(config, testStartOptions);
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(server.address + path, init);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('startServer (SQLite, real tracking service)', () => {
  it('listens on the bound port and serves the MLflow API end to end', async () => {
    expect(server.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await call('GET', '/api/bosun/v1/health');
    expect(health.json).toMatchObject({ status: 'ok', database: 'ok' });

    const created = await call('POST', '/api/2.0/mlflow/runs/create', { experiment_id: '0', start_time: 5 });
    expect(created.status).toBe(200);
    const runId = (created.json.run as { info: { run_id: string } }).info.run_id;
    const logged = await call('POST', '/api/2.0/mlflow/runs/log-metric', {
      run_id: runId,
      run_uuid: runId,
      key: 'loss',
      value: 'NaN',
      timestamp: 10,
      step: 1,
    });
    expect(logged).toEqual({ status: 200, json: {} });
    const history = await call('GET', `/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=loss`);
    expect(history.json.metrics).toEqual([
      expect.objectContaining({ key: 'loss', value: 'NaN', timestamp: 10, step: 1 }),
    ]);

    const missing = await call('GET', '/api/2.0/mlflow/experiments/get-by-name?experiment_name=nope');
    expect(missing).toEqual({
      status: 404,
      json: expect.objectContaining({ error_code: 'RESOURCE_DOES_NOT_EXIST' }),
    });
  });

  it('close() is idempotent and stops the listener', async () => {
    const address = server.address;
    await server.close();
    await server.close();
    await expect(fetch(`${address}/health`)).rejects.toThrow();
  });
});
