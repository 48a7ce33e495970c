import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCli } from '../../cli/test-support/capture-cli.js';
import { WorkerStore } from '../../pipelines/index.js';
import { startPipelineHarness, type PipelineHarness } from '../../pipelines/test-support/executor-harness.js';
import { startAuthTestServer, expectError, type AuthTestServer } from '../test-support/auth-test-server.js';

const path = '/api/bosun/v1/pipelines/workers';

describe('GET /api/bosun/v1/pipelines/workers and bosun pipeline workers', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipelineHarness('sqlite');
    const store = new WorkerStore(h.platform.database);
    const now = Date.now();
    const labels = { cpu: 8, memoryBytes: 32 * 2 ** 30, gpu: 1, spot: false };
    const base = { host: 'gpu-host', pid: 4242, labels, concurrency: 2, startedAt: now - 60_000 };
    await store.register({ ...base, workerId: 'gpu-1:a', name: 'gpu-1', heartbeatAt: now });
    // Silent for two minutes without stopping: lost (its steps are handed back).
    await store.register({ ...base, workerId: 'gpu-2:b', name: 'gpu-2', heartbeatAt: now - 120_000 });
    // Stopped two hours ago: no longer listed.
    await store.register({ ...base, workerId: 'old:c', name: 'old', heartbeatAt: now - 7200_000 });
    await store.heartbeat('old:c', { running: 0, state: 'stopped' }, now - 7200_000);
    await store.heartbeat('gpu-1:a', { running: 1, state: 'active' }, now);
  });
  afterAll(async () => h.close());

  it('lists the workers with their labels, load, state and liveness', async () => {
    const res = await fetch(`${h.base}${path}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { executor: string; workers: Record<string, unknown>[] };
    expect(body.executor).toBe('local');
    expect(body.workers.map((w) => [w['name'], w['alive'], w['running'], w['state']])).toEqual([
      ['gpu-1', true, 1, 'active'],
      ['gpu-2', false, 0, 'active'],
    ]);
    expect(body.workers[0]).toMatchObject({
      host: 'gpu-host',
      concurrency: 2,
      labels: { cpu: 8, memory_bytes: 32 * 2 ** 30, gpu: 1, spot: false },
      labels_text: 'cpu=8,memory=32Gi,gpu=1,spot=false',
    });
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${h.base}/api/bosun/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths[path] ?? {})).toContain('get');
  });

  it('bosun pipeline workers prints them, through the API or the database', async () => {
    const http = await captureCli(['pipeline', 'workers', '--tracking-uri', h.base]);
    expect(http.code).toBe(0);
    const lines = http.out
      .trim()
      .split('\n')
      .filter((l) => !/^[-\s]+$/.test(l));
    expect(lines[0]).toMatch(/^NAME\s+HOST\s+LABELS\s+CONCURRENCY\s+RUNNING\s+STATE\s+LAST HEARTBEAT$/i);
    expect(lines[1]).toMatch(
      /^gpu-1\s+gpu-host\s+cpu=8,memory=32Gi,gpu=1,spot=false\s+2\s+1\s+active\s+\d+s ago$/,
    );
    expect(lines[2]).toMatch(/^gpu-2\s.*\slost\s+2m ago$/);
    expect(lines).toHaveLength(3);
    const direct = await captureCli([
      'pipeline',
      'workers',
      '--backend-store-uri',
      h.platform.config.backendStoreUri,
      '--json',
    ]);
    expect(direct.code).toBe(0);
    const json = JSON.parse(direct.out) as { workers: { name: string }[] };
    expect(json.workers.map((w) => w.name)).toEqual(['gpu-1', 'gpu-2']);
  });
});

describe('pipeline workers with auth on', () => {
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthTestServer('bosun-pipeline-workers-');
  });
  afterAll(async () => t.close());

  it('needs a signed-in user; any reader may list', async () => {
    expectError(await t.call('GET', path, undefined, ''), 401, 'UNAUTHENTICATED');
    const answer = await t.call('GET', path);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ executor: 'local', workers: [] });
  });
});
