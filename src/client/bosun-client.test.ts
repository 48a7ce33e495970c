import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../shared/errors.js';
import { BosunClient, BosunClientError } from './index.js';

/** An absolute folder name, only parsed and sent, never created or read. */
const artifactsDir = join(tmpdir(), 'bosun-artifacts-example');

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A scripted HTTP server: each test sets `handler` and reads what the client sent from `seen`. */
let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let handler: (req: Seen, res: ServerResponse) => void = (_req, res) => res.end('{}');

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const entry: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text === '' ? undefined : JSON.parse(text),
      };
      seen.push(entry);
      handler(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
});

const run = (id: string) => ({
  info: { run_id: id, experiment_id: '1', status: 'FINISHED', start_time: 1, lifecycle_stage: 'active' },
  data: { metrics: [{ key: 'acc', value: 'NaN', timestamp: 1, step: 0 }] },
});

describe('BosunClient requests', () => {
  it('posts snake_case bodies under /api/2.0/mlflow, keeping a path prefix', async () => {
    handler = (_req, res) => json(res, 200, { experiment_id: '4' });
    const client = new BosunClient({ baseUrl: `${baseUrl}/mlflow/` });
    const id = await client.createExperiment({
      name: 'e',
      artifactLocation: artifactsDir,
      tags: [{ key: 'k', value: 'v' }],
    });
    expect(id).toBe('4');
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/mlflow/api/2.0/mlflow/experiments/create',
      body: { name: 'e', artifact_location: artifactsDir, tags: [{ key: 'k', value: 'v' }] },
    });
    expect(seen[0]?.headers['content-type']).toBe('application/json');
  });

  it('encodes GET queries and sends NaN metric values as strings', async () => {
    handler = (_req, res) =>
      json(res, 200, { metrics: [{ key: 'l', value: '-Infinity', timestamp: 3, step: 1 }] });
    const client = new BosunClient({ baseUrl });
    const page = await client.getMetricHistory({ runId: 'r 1', metricKey: 'l/x', maxResults: 10 });
    expect(seen[0]?.url).toBe(
      '/api/2.0/mlflow/metrics/get-history?run_id=r+1&run_uuid=r+1&metric_key=l%2Fx&max_results=10',
    );
    expect(page).toEqual({ items: [{ key: 'l', value: -Infinity, timestamp: 3, step: 1 }] });

    handler = (_req, res) => json(res, 200, {});
    await client.logMetric('r1', { key: 'loss', value: NaN, timestamp: 5 });
    expect(seen[1]?.body).toEqual({
      run_id: 'r1',
      run_uuid: 'r1',
      key: 'loss',
      value: 'NaN',
      timestamp: 5,
      step: 0,
    });
    await client.logBatch('r1', {
      metrics: [{ key: 'a', value: Infinity, timestamp: 1, step: 2 }],
      params: [{ key: 'p', value: '1' }],
    });
    expect(seen[2]?.body).toEqual({
      run_id: 'r1',
      metrics: [{ key: 'a', value: 'Infinity', timestamp: 1, step: 2 }],
      params: [{ key: 'p', value: '1' }],
    });
  });

  it('sends Basic auth when username and password are set, else Bearer', async () => {
    handler = (_req, res) => json(res, 200, { run: run('a') });
    await new BosunClient({ baseUrl, username: 'u', password: 'p', token: 't' }).getRun('a');
    await new BosunClient({ baseUrl, token: 't' }).getRun('a');
    await new BosunClient({ baseUrl }).getRun('a');
    expect(seen.map((s) => s.headers.authorization)).toEqual([
      `Basic ${Buffer.from('u:p').toString('base64')}`,
      'Bearer t',
      undefined,
    ]);
  });

  it('follows next_page_token in iterateRuns until it is absent', async () => {
    handler = (req, res) => {
      const token = (req.body as { page_token?: string }).page_token;
      if (token === undefined) json(res, 200, { runs: [run('a'), run('b')], next_page_token: 'p2' });
      else if (token === 'p2') json(res, 200, { runs: [run('c')], next_page_token: '' });
      else json(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad token' });
    };
    const client = new BosunClient({ baseUrl });
    const ids: string[] = [];
    for await (const r of client.iterateRuns({
      experimentIds: ['1'],
      filter: 'metrics.acc > 0',
      viewType: 'ALL',
      maxResults: 2,
    })) {
      ids.push(r.info.runId);
      expect(r.data.metrics[0]?.value).toBeNaN();
    }
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(seen[0]?.body).toEqual({
      experiment_ids: ['1'],
      max_results: 2,
      filter: 'metrics.acc > 0',
      run_view_type: 'ALL',
    });
    expect(seen[1]?.body).toMatchObject({ page_token: 'p2' });
  });
});

describe('BosunClient errors', () => {
  async function caught(promise: Promise<unknown>): Promise<BosunClientError> {
    try {
      await promise;
    } catch (error) {
      expect(error).toBeInstanceOf(BosunClientError);
      return error as BosunClientError;
    }
    throw new Error('expected a BosunClientError');
  }

  it('parses {error_code, message} bodies', async () => {
    handler = (_req, res) =>
      json(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run with id=x not found' });
    const error = await caught(new BosunClient({ baseUrl }).getRun('x'));
    expect(error.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(error.status).toBe(404);
    expect(error.message).toBe('Run with id=x not found');
  });

  it('derives a code from the status when the error body is not JSON', async () => {
    handler = (_req, res) => {
      res.writeHead(404);
      res.end('Not Found');
    };
    const error = await caught(new BosunClient({ baseUrl }).getExperiment('1'));
    expect(error.errorCode).toBe('ENDPOINT_NOT_FOUND');
    expect(error.status).toBe(404);
    expect(error.message).toContain('Not Found');
  });

  it('treats a non-200 success status and a non-object 200 body as errors', async () => {
    handler = (_req, res) => json(res, 201, {});
    expect((await caught(new BosunClient({ baseUrl }).deleteRun('r'))).status).toBe(201);
    handler = (_req, res) => json(res, 200, [1, 2]);
    expect((await caught(new BosunClient({ baseUrl }).deleteRun('r'))).errorCode).toBe('INTERNAL_ERROR');
  });

  it('reports an unreachable server with status 0', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await caught(new BosunClient({ baseUrl: `http://127.0.0.1:${port}` }).getRun('r'));
    expect(error.status).toBe(0);
    expect(error.errorCode).toBe('TEMPORARILY_UNAVAILABLE');
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it('rejects a base URL that is not http(s) with a typed error', () => {
    expect(() => new BosunClient({ baseUrl: 'file:///tmp/mlruns' })).toThrow(InvalidParameterError);
    expect(() => new BosunClient({ baseUrl: 'not a url' })).toThrow(InvalidParameterError);
  });
});
