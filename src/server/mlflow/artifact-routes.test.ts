import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { waitFor } from '../../shared/test-support/wait-for.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalArtifactStore } from '../../artifacts/index.js';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { createRegistryService, findVersionsUsingArtifactPath } from '../../registry/index.js';
import { CollectingEventSink } from '../../registry/test-support/collecting-event-sink.js';
import { createTrackingService } from '../../tracking/index.js';
import { BosunError, httpStatusOf, NotFoundError } from '../../shared/errors.js';
import type { Experiment, LoggedModel, Run } from '../../tracking/types.js';
import { MULTIPART_UNSUPPORTED_MESSAGE, registerArtifactRoutes } from './artifact-routes.js';
import { formatSchemaError, installErrorHandling } from '../error-handler.js';
import { requestValidatorCompiler } from '../validator-compiler.js';

const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function fakeRun(runId: string, artifactUri: string): Run {
  return {
    info: {
      runId,
      experimentId: '0',
      runName: 'run',
      userId: 'tester',
      status: 'RUNNING',
      startTime: 0,
      endTime: null,
      lifecycleStage: 'active',
      artifactUri,
    },
    data: { metrics: [], params: [], tags: [] },
    inputs: { datasetInputs: [], modelInputs: [] },
    outputs: { modelOutputs: [] },
  };
}

let dir: string;
let root: string;
let outside: string;
let canary: string;
let app: FastifyInstance;
let base: string;
let port: number;

/** A request whose target is sent byte for byte: fetch would resolve `..` and `%2e%2e` segments first. */
function raw(
  method: string,
  target: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path: target,
        headers: payload === undefined ? headers : { 'content-length': String(payload.length), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function json(response: Response): Promise<unknown> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return response.json();
}

async function put(path: string, body: string | Buffer, contentType = 'text/plain'): Promise<Response> {
  return fetch(`${base}${ARTIFACTS}/${path}`, {
    method: 'PUT',
    body,
    headers: { 'content-type': contentType },
  });
}

async function outsideUntouched(): Promise<void> {
  expect(await readFile(canary, 'utf8')).toBe('canary');
  expect((await readdir(outside)).sort()).toEqual(['canary.txt', 'sub']);
  expect((await readdir(join(outside, 'sub'))).sort()).toEqual(['keep.txt']);
  expect((await readdir(dir)).sort()).toEqual(['outside', 'root']);
}

/** Registered versions the fake registry knows: store path and version (the real query is tested below). */
let registered: { name: string; version: number; path: string }[] = [];

function mlflowErrors(error: unknown, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof BosunError) {
    return reply.status(httpStatusOf[error.code]).send({ error_code: error.code, message: error.message });
  }
  const statusCode =
    typeof error === 'object' && error !== null && 'statusCode' in error ? error.statusCode : 500;
  const status = typeof statusCode === 'number' ? statusCode : 500;
  const message = error instanceof Error ? error.message : String(error);
  return reply.status(status).send({ error_code: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR', message });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bosun-artifact-routes-'));
  root = join(dir, 'root');
  outside = join(dir, 'outside');
  canary = join(outside, 'canary.txt');
  await mkdir(root);
  await mkdir(join(outside, 'sub'), { recursive: true });
  await writeFile(canary, 'canary');
  await writeFile(join(outside, 'sub', 'keep.txt'), 'keep');
  await mkdir(join(root, '0'));
  await symlink(outside, join(root, '0', 'link'));

  const runs = new Map([
    ['run1', 'mlflow-artifacts:/0/run1/artifacts'],
    ['empty', 'mlflow-artifacts://somehost:5000/0/empty/artifacts'],
    ['local', 'file:///etc'],
    ['remote', 's3://bucket/0/remote/artifacts'],
    ['evil', 'mlflow-artifacts:/0/../../outside'],
  ]);
  app = Fastify({ logger: false, schemaErrorFormatter: formatSchemaError });
  // The app's request validation (query-string ids, as buildApp installs it) and its error format.
  app.setValidatorCompiler(requestValidatorCompiler());
  installErrorHandling(app, 1024 * 1024);
  const tracking = {
    async getRunInfo(runId: string): Promise<Run['info']> {
      const uri = runs.get(runId);
      if (uri === undefined) throw new NotFoundError(`Run with id=${runId} not found`);
      return fakeRun(runId, uri).info;
    },
    async getExperiment(experimentId: string): Promise<Experiment> {
      return {
        experimentId,
        name: 'Default',
        artifactLocation: `mlflow-artifacts:/${experimentId}`,
        lifecycleStage: 'active',
        creationTime: 0,
        lastUpdateTime: 0,
        tags: [],
      };
    },
    async getLoggedModel(modelId: string): Promise<LoggedModel> {
      throw new NotFoundError(`Logged model ${modelId} not found`);
    },
  };
  await registerArtifactRoutes(app, {
    artifacts: new LocalArtifactStore(root),
    tracking,
    versionsUsingPath: async (path, change) =>
      registered
        .filter((v) => {
          const inside = (outer: string, inner: string) => inner === outer || inner.startsWith(`${outer}/`);
          return inside(v.path, path) || (change === 'delete' && inside(path, v.path));
        })
        .map((v) => ({ name: v.name, version: v.version, storageLocation: `mlflow-artifacts:/${v.path}` })),
  });
  app.post('/api/2.0/mlflow/echo', async (request) => ({ got: request.body }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('proxied artifact upload, download, list and delete', () => {
  it('uploads a file of any content type verbatim and answers {}', async () => {
    const response = await put('0/run1/artifacts/f.txt', 'hello world');
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({});
    expect(await readFile(join(root, '0', 'run1', 'artifacts', 'f.txt'), 'utf8')).toBe('hello world');

    const notJson = await put('0/run1/artifacts/conf/bad.json', '{not json', 'application/json');
    expect(notJson.status).toBe(200);
    expect(await readFile(join(root, '0', 'run1', 'artifacts', 'conf', 'bad.json'), 'utf8')).toBe(
      '{not json',
    );
  });

  it('leaves JSON parsing in place for the other routes', async () => {
    const response = await fetch(`${base}/api/2.0/mlflow/echo`, {
      method: 'POST',
      body: JSON.stringify({ a: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(await response.json()).toEqual({ got: { a: 1 } });
  });

  it('accepts uploads without a content type, empty, and chunked', async () => {
    const bare = await raw('PUT', `${ARTIFACTS}/0/run1/artifacts/bare.bin`, 'bare bytes');
    expect(bare.status).toBe(200);
    expect(await readFile(join(root, '0', 'run1', 'artifacts', 'bare.bin'), 'utf8')).toBe('bare bytes');

    const empty = await raw('PUT', `${ARTIFACTS}/0/run1/artifacts/empty.txt`, '');
    expect(empty.status).toBe(200);
    expect((await stat(join(root, '0', 'run1', 'artifacts', 'empty.txt'))).size).toBe(0);

    const parts = ['chunk-1 ', 'chunk-2 ', 'chunk-3'];
    const chunked = await fetch(`${base}${ARTIFACTS}/0/run1/artifacts/chunked.txt`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(200);
    expect(await readFile(join(root, '0', 'run1', 'artifacts', 'chunked.txt'), 'utf8')).toBe(parts.join(''));
  });

  it('stores names with spaces and unicode as the client encoded them', async () => {
    const name = encodeURIComponent('my file é%.txt');
    expect((await put(`0/run1/artifacts/odd/${name}`, 'odd')).status).toBe(200);
    expect(await readFile(join(root, '0', 'run1', 'artifacts', 'odd', 'my file é%.txt'), 'utf8')).toBe('odd');
    const back = await fetch(`${base}${ARTIFACTS}/0/run1/artifacts/odd/${name}`);
    expect(await back.text()).toBe('odd');
    expect(back.headers.get('content-disposition')).toBe(
      `attachment; filename="my file _%.txt"; filename*=UTF-8''my%20file%20%C3%A9%25.txt`,
    );
  });

  it('downloads raw bytes with a length and no content encoding', async () => {
    await put('0/run1/artifacts/model/MLmodel', 'flavors: {}\n');
    const response = await fetch(`${base}${ARTIFACTS}/0/run1/artifacts/model/MLmodel`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-length')).toBe('12');
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="MLmodel"/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe('flavors: {}\n');
  });

  it('answers 404 JSON for a missing file or a folder', async () => {
    for (const path of ['0/run1/artifacts/missing.txt', '0/run1/artifacts/model', 'nothing/here']) {
      const response = await fetch(`${base}${ARTIFACTS}/${path}`);
      expect(response.status, path).toBe(404);
      expect(await json(response)).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
    }
  });

  it('lists basenames with MLflow field names; a file, a missing or empty folder lists as {}', async () => {
    await put('0/run1/artifacts/model/sub/w.bin', Buffer.alloc(1234, 7), 'application/octet-stream');
    const response = await fetch(`${base}${ARTIFACTS}?path=${encodeURIComponent('0/run1/artifacts/model')}`);
    expect(await json(response)).toEqual({
      files: [
        { path: 'MLmodel', is_dir: false, file_size: 12 },
        { path: 'sub', is_dir: true },
      ],
    });
    const nested = await fetch(`${base}${ARTIFACTS}?path=0/run1/artifacts/model/sub/`);
    expect(await nested.json()).toEqual({ files: [{ path: 'w.bin', is_dir: false, file_size: 1234 }] });

    await mkdir(join(root, '0', 'run1', 'artifacts', 'emptydir'));
    for (const path of ['0/run1/artifacts/f.txt', '0/run1/artifacts/missing', '0/run1/artifacts/emptydir']) {
      const listing = await fetch(`${base}${ARTIFACTS}?path=${path}`);
      expect(listing.status).toBe(200);
      expect(await listing.json(), path).toEqual({});
    }
  });

  it('deletes a file and a folder recursively', async () => {
    await put('0/del/artifacts/a.txt', 'a');
    await put('0/del/artifacts/tree/b/c.txt', 'c');
    await put('0/del/artifacts/keep.txt', 'k');
    const file = await fetch(`${base}${ARTIFACTS}/0/del/artifacts/a.txt`, { method: 'DELETE' });
    expect(file.status).toBe(200);
    expect(await json(file)).toEqual({});
    expect((await fetch(`${base}${ARTIFACTS}/0/del/artifacts/tree`, { method: 'DELETE' })).status).toBe(200);
    const listing = await fetch(`${base}${ARTIFACTS}?path=0/del/artifacts`);
    expect(await listing.json()).toEqual({ files: [{ path: 'keep.txt', is_dir: false, file_size: 1 }] });
    expect((await fetch(`${base}${ARTIFACTS}/0/del/artifacts/a.txt`)).status).toBe(404);
  });

  it('streams a 50 MB upload to disk as it arrives, and streams it back', async () => {
    const chunkSize = 1024 * 1024;
    const chunks = 50;
    const pauseAfter = 40;
    const folder = join(root, '0', 'run1', 'artifacts', 'big');
    const sent = createHash('sha256');
    let partialOnDisk = 0;

    /** Size of the in-flight upload file, once the server has written at least `min` bytes of it. */
    const waitForPartialFile = (min: number): Promise<number> =>
      waitFor(`an in-flight upload file of at least ${min} bytes`, async () => {
        const names = existsSync(folder) ? await readdir(folder) : [];
        for (const name of names.filter((n) => n.startsWith('.bosun-upload-'))) {
          const size = (await stat(join(folder, name)).catch(() => null))?.size ?? 0;
          if (size >= min) return size;
        }
        return undefined;
      });

    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'PUT',
          path: `${ARTIFACTS}/0/run1/artifacts/big/data.bin`,
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': String(chunkSize * chunks),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      let index = 0;
      const writeMore = (): void => {
        while (index < chunks) {
          if (index === pauseAfter && partialOnDisk === 0) {
            // Hold the rest back: a server that buffers the body would not have written anything yet.
            void waitForPartialFile((pauseAfter - 4) * chunkSize).then((size) => {
              partialOnDisk = size === 0 ? -1 : size;
              writeMore();
            }, reject);
            return;
          }
          const chunk = Buffer.alloc(chunkSize, index % 251);
          chunk.writeUInt32BE(index, 0);
          sent.update(chunk);
          index++;
          if (!req.write(chunk)) {
            req.once('drain', writeMore);
            return;
          }
        }
        req.end();
      };
      writeMore();
    });
    expect(status).toBe(200);
    expect(partialOnDisk).toBeGreaterThanOrEqual((pauseAfter - 4) * chunkSize);
    expect(partialOnDisk).toBeLessThan(chunks * chunkSize);
    expect(await readdir(folder)).toEqual(['data.bin']);
    expect((await stat(join(folder, 'data.bin'))).size).toBe(chunkSize * chunks);

    const response = await fetch(`${base}${ARTIFACTS}/0/run1/artifacts/big/data.bin`);
    expect(response.headers.get('content-length')).toBe(String(chunkSize * chunks));
    const received = createHash('sha256');
    const reader = response.body?.getReader();
    if (reader === undefined) throw new Error('no body');
    for (let step = await reader.read(); !step.done; step = await reader.read()) received.update(step.value);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
  });

  it('leaves neither a partial file nor a temporary one when the client goes away mid-upload', async () => {
    await put('0/run1/artifacts/aborted/kept.txt', 'previous');
    const folder = join(root, '0', 'run1', 'artifacts', 'aborted');
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: `${ARTIFACTS}/0/run1/artifacts/aborted/kept.txt`,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(10 * 1024 * 1024) },
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(256 * 1024, 1), () => {
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 100);
      });
    });
    // The aborted upload's temporary file is removed once the server notices the closed connection.
    const names = await waitFor('the aborted upload to leave only kept.txt', async () => {
      const now = await readdir(folder);
      return now.length === 1 ? now : undefined;
    });
    expect(names).toEqual(['kept.txt']);
    expect(await readFile(join(folder, 'kept.txt'), 'utf8')).toBe('previous');
  });

  it('answers 501 with the message the client falls back on for multipart uploads', async () => {
    for (const step of ['create', 'complete', 'abort']) {
      const response = await fetch(`${base}/api/2.0/mlflow-artifacts/mpu/${step}/0/run1/artifacts`, {
        method: 'POST',
        body: JSON.stringify({ path: '/local/big.bin', num_parts: 3, upload_id: 'x', parts: [] }),
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(501);
      const body = (await json(response)) as { error_code: string; message: string };
      expect(body.error_code).toBe('NOT_IMPLEMENTED');
      expect(body.message.startsWith(MULTIPART_UNSUPPORTED_MESSAGE)).toBe(true);
      expect(MULTIPART_UNSUPPORTED_MESSAGE).toBe(
        'Multipart upload is not supported for the current artifact repository',
      );
    }
    const presigned = await fetch(`${base}/api/2.0/mlflow-artifacts/presigned/0/run1/artifacts/f.txt`);
    expect(presigned.status).toBe(501);
  });
});

describe('GET /api/2.0/mlflow/artifacts/list', () => {
  const list = (query: string): Promise<Response> => fetch(`${base}/api/2.0/mlflow/artifacts/list?${query}`);

  it('lists the run root and sub folders with run-relative paths', async () => {
    await put('0/run1/artifacts/model/sub/w.bin', Buffer.alloc(1234, 7), 'application/octet-stream');
    const top = (await json(await list('run_id=run1'))) as { root_uri: string; files: unknown[] };
    expect(top.root_uri).toBe('mlflow-artifacts:/0/run1/artifacts');
    expect(top.files).toContainEqual({ path: 'f.txt', is_dir: false, file_size: 11 });
    expect(top.files).toContainEqual({ path: 'model', is_dir: true });

    expect(await json(await list('run_id=run1&path=model/sub&page_token='))).toEqual({
      root_uri: 'mlflow-artifacts:/0/run1/artifacts',
      files: [{ path: 'model/sub/w.bin', is_dir: false, file_size: 1234 }],
    });
    expect(await json(await list('run_uuid=run1&path=model/'))).toMatchObject({
      files: [
        { path: 'model/MLmodel', is_dir: false, file_size: 12 },
        { path: 'model/sub', is_dir: true },
      ],
    });
  });

  it('answers {root_uri} for a run without artifacts', async () => {
    expect(await json(await list('run_id=empty'))).toEqual({
      root_uri: 'mlflow-artifacts://somehost:5000/0/empty/artifacts',
    });
  });

  it('answers typed errors for bad requests', async () => {
    const cases: [string, number, string][] = [
      ['', 400, 'INVALID_PARAMETER_VALUE'],
      ['run_id=nope', 404, 'RESOURCE_DOES_NOT_EXIST'],
      ['run_id=run1&run_id=run2', 400, 'INVALID_PARAMETER_VALUE'],
      ['run_id=run1&path=../../outside', 400, 'INVALID_PARAMETER_VALUE'],
      ['run_id=run1&path=%2e%2e%2f%2e%2e%2f', 400, 'INVALID_PARAMETER_VALUE'],
      ['run_id=run1&path=%252e%252e%252f', 400, 'INVALID_PARAMETER_VALUE'],
      ['run_id=run1&path=/etc', 400, 'INVALID_PARAMETER_VALUE'],
      // A local root outside every folder the server reads (its store, a local default root, the experiment's).
      ['run_id=local', 400, 'INVALID_PARAMETER_VALUE'],
      ['run_id=remote', 501, 'NOT_IMPLEMENTED'],
      ['run_id=evil', 400, 'INVALID_PARAMETER_VALUE'],
    ];
    for (const [query, status, code] of cases) {
      const response = await list(query);
      expect(response.status, query).toBe(status);
      const body = (await json(response)) as { error_code: string };
      expect(body.error_code, query).toBe(code);
      expect(JSON.stringify(body)).not.toContain('canary.txt');
    }
  });
});

describe('hostile artifact paths', () => {
  const hostile = (): string[] => [
    '../outside/canary.txt',
    '0/run1/artifacts/../../../../outside/canary.txt',
    '%2e%2e/outside/canary.txt',
    '%2E%2E%2Foutside%2Fcanary.txt',
    '%252e%252e%252foutside%252fcanary.txt',
    '%25252e%25252e%25252foutside%25252fcanary.txt',
    '..%2foutside%2fcanary.txt',
    '..%5coutside%5ccanary.txt',
    '..\\outside\\canary.txt',
    '0\\..\\..\\outside\\canary.txt',
    `/${canary}`,
    `%2F${canary.slice(1)}`,
    '/etc/passwd',
    'C:\\x',
    'C:%5Cx',
    '0/run1/artifacts/f.txt#frag',
    '0/run1/artifacts/%23frag',
    '0/run1/artifacts/a%3f/x',
    '0/run1/%00x',
    '0/link/canary.txt',
    '0/link/sub/keep.txt',
    `0/run1/${'x'.repeat(3000)}`,
  ];

  it('refuses to read outside the root', async () => {
    for (const path of hostile()) {
      const response = await raw('GET', `${ARTIFACTS}/${path}`);
      expect([400, 404], path).toContain(response.status);
      expect(String(response.headers['content-type']), path).toMatch(/^application\/json/);
      const body = JSON.parse(response.body.toString('utf8')) as { error_code: string };
      expect(['INVALID_PARAMETER_VALUE', 'RESOURCE_DOES_NOT_EXIST'], path).toContain(body.error_code);
      expect(response.body.toString('utf8'), path).not.toMatch(/^canary$|root:x:0:0/m);
    }
    await outsideUntouched();
  });

  it('refuses to write outside the root', async () => {
    for (const path of [...hostile(), '../outside/evil.txt', '0/link/evil.txt', '%2e%2e/outside/evil.txt']) {
      const response = await raw('PUT', `${ARTIFACTS}/${path}`, 'evil', { 'content-type': 'text/plain' });
      expect([400, 404], path).toContain(response.status);
      expect(JSON.parse(response.body.toString('utf8')), path).toMatchObject({
        error_code: expect.stringMatching(/^(INVALID_PARAMETER_VALUE|RESOURCE_DOES_NOT_EXIST)$/),
      });
    }
    await outsideUntouched();
    expect(await readFile(join(root, '0', 'run1', 'artifacts', 'f.txt'), 'utf8')).toBe('hello world');
  });

  it('refuses to delete outside the root or the root itself', async () => {
    const rootLike = ['', '.', '%2e', './.', './/', '%252e', '0/..'];
    for (const path of [...hostile(), ...rootLike, '0/link/sub']) {
      const response = await raw('DELETE', `${ARTIFACTS}/${path}`);
      expect([400, 404], path).toContain(response.status);
      expect(JSON.parse(response.body.toString('utf8')), path).toHaveProperty('error_code');
    }
    await outsideUntouched();
    expect(existsSync(join(root, '0', 'run1', 'artifacts', 'f.txt'))).toBe(true);
  });

  it('refuses to list outside the root', async () => {
    const queries = [
      '../outside',
      '%2e%2e%2foutside',
      '%252e%252e%252foutside',
      '..%5coutside',
      `${encodeURIComponent(outside)}`,
      '0/link',
      '0/link/sub',
      'a%23b',
      'C:%5C',
    ];
    for (const query of queries) {
      const response = await raw('GET', `${ARTIFACTS}?path=${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.toString('utf8'), query).not.toContain('canary.txt');
    }
    const top = await raw('GET', `${ARTIFACTS}?path=0/run1/artifacts/model`);
    expect(JSON.parse(top.body.toString('utf8'))).toEqual({
      files: [
        { path: 'MLmodel', is_dir: false, file_size: 12 },
        { path: 'sub', is_dir: true },
      ],
    });
  });

  it('deletes a symlink pointing outside without touching its target', async () => {
    await mkdir(join(root, '9', 'r', 'artifacts'), { recursive: true });
    await symlink(outside, join(root, '9', 'r', 'artifacts', 'link'));
    const response = await raw('DELETE', `${ARTIFACTS}/9/r/artifacts/link`);
    expect(response.status).toBe(200);
    expect(existsSync(join(root, '9', 'r', 'artifacts', 'link'))).toBe(false);
    await outsideUntouched();
  });
});

/** Every file and folder under `folder`, relative to it, sorted. */
async function tree(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.map((e) => join(e.parentPath, e.name).slice(folder.length + 1)).sort();
}

describe('paths naming a root, or with dot or empty segments, on every route', () => {
  // Wire spellings (sent byte for byte). `0` is an experiment, `run1` a run, `m-1` a logged model.
  const rootLike = [
    // the finding: DELETE 1/. (or 1/%2e, 1/%2E, 1//, 1/./, 1/x/..) removed every run's artifacts
    '0/.',
    '0/%2e',
    '0/%2E',
    '0//',
    '0/./',
    '0/x/..',
    // the same roots in other spellings
    '0',
    '0/',
    '0/%252e',
    '0/%25252e',
    '0%2f.',
    '0%2F%2E',
    '0%2f%2f',
    '0/%25c0%25ae',
    '0/%25e0%2580%25ae',
    '0\\.',
    '0%5c.',
    './0',
    '%2e/0',
    '0/x/%2e%2e',
    '0/x/%252e%252e',
    // a run's folder and artifact root
    '0/run1',
    '0/run1/',
    '0/run1/.',
    '0/run1/./artifacts',
    '0/run1//artifacts',
    '0/run1/artifacts/.',
    '0/run1/artifacts/%2e',
    '0/run1/artifacts/%252e',
    '0/run1/artifacts//',
    '0/run1/artifacts/x/..',
    '0/run1/artifacts/x/%2e%2e',
    '0/run1%2fartifacts%2f.',
    // logged models
    '0/models',
    '0/models/m-1',
    '0/models/m-1/artifacts/.',
    // the store root
    '.',
    '%2e',
    '//',
    './',
    // dot and empty segments below a root
    '0/run1/artifacts/./f.txt',
    '0/run1/artifacts/model//MLmodel',
    '0/run1/artifacts/%2e/f.txt',
    '0/run1/artifacts/%25c0%25ae/f.txt',
  ];
  /** Overlong UTF-8 on the wire: Fastify refuses the URL itself (400) before any route runs. */
  const overlong = ['0/%c0%ae', '0/%e0%80%ae', '0/%C0%AE%C0%AE', '0/run1/artifacts/%c0%ae/f.txt'];
  /** Roots a client may list (and start a multipart upload in), in their plain spelling. */
  const folderRoots = ['0/run1/artifacts', '0/run1/artifacts/', '0/models/m-1/artifacts'];

  const routes: [string, (path: string) => string][] = [
    ['PUT', (p) => `${ARTIFACTS}/${p}`],
    ['GET', (p) => `${ARTIFACTS}/${p}`],
    ['DELETE', (p) => `${ARTIFACTS}/${p}`],
    ['GET', (p) => `${ARTIFACTS}?path=${p}`],
    ['POST', (p) => `/api/2.0/mlflow-artifacts/mpu/create/${p}`],
    ['POST', (p) => `/api/2.0/mlflow-artifacts/mpu/complete/${p}`],
    ['POST', (p) => `/api/2.0/mlflow-artifacts/mpu/abort/${p}`],
    ['GET', (p) => `/api/2.0/mlflow-artifacts/presigned/${p}`],
  ];
  /** Listing and multipart uploads may name a run or logged model root; the file routes may not. */
  const takesFolders = (target: (path: string) => string): boolean => /[?]|\/mpu\//.test(target('x'));
  const cases = routes.flatMap(([method, target]) =>
    [...rootLike, ...(takesFolders(target) ? [] : folderRoots)].map(
      (path) => [method, target(path)] as const,
    ),
  );

  it.each(cases)('%s %s answers 400 INVALID_PARAMETER_VALUE and changes nothing', async (method, target) => {
    const before = await tree(root);
    const body = method === 'PUT' ? 'PWNED' : method === 'POST' ? '{}' : undefined;
    const response = await raw(
      method,
      target,
      body,
      body === '{}' ? { 'content-type': 'application/json' } : {},
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body.toString('utf8'))).toMatchObject({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringMatching(/^Invalid path: /),
    });
    expect(await tree(root)).toEqual(before);
    await outsideUntouched();
  });

  it.each(routes.flatMap(([method, target]) => overlong.map((path) => [method, target(path)] as const)))(
    '%s %s answers 400 and changes nothing',
    async (method, target) => {
      const before = await tree(root);
      const response = await raw(method, target, method === 'PUT' ? 'PWNED' : undefined);
      expect(response.status).toBe(400);
      expect(await tree(root)).toEqual(before);
    },
  );

  it('lets clients list a run or logged model root and start multipart uploads there', async () => {
    await put('0/models/m-1/artifacts/model.pkl', 'pkl');
    for (const path of folderRoots) {
      const listing = await raw('GET', `${ARTIFACTS}?path=${path}`);
      expect(listing.status, path).toBe(200);
      expect(JSON.parse(listing.body.toString('utf8')).files.length, path).toBeGreaterThan(0);
      const mpu = await raw('POST', `/api/2.0/mlflow-artifacts/mpu/create/${path}`, '{}', {
        'content-type': 'application/json',
      });
      expect(mpu.status, path).toBe(501);
    }
  });

  it('refuses dot and empty segments in the tracking API listing too', async () => {
    for (const path of ['.', '%2e', './model', 'model//sub', 'model/./sub', 'model/%252e', '%c0%ae']) {
      const response = await raw('GET', `/api/2.0/mlflow/artifacts/list?run_id=run1&path=${path}`);
      expect(response.status, path).toBe(400);
      expect(JSON.parse(response.body.toString('utf8')).error_code, path).toBe('INVALID_PARAMETER_VALUE');
    }
  });
});

describe('files of registered model versions', () => {
  it('cannot be deleted or overwritten, and the message names the version', async () => {
    await put('0/reg/artifacts/model/MLmodel', 'registered');
    await put('0/reg/artifacts/modelx/f.txt', 'not registered');
    await put('0/reg/artifacts/other.txt', 'not registered');
    registered = [{ name: 'churn', version: 3, path: '0/reg/artifacts/model' }];
    try {
      for (const path of [
        '0/reg/artifacts/model',
        '0/reg/artifacts/model/',
        '0/reg/artifacts/model/MLmodel',
      ]) {
        const response = await raw('DELETE', `${ARTIFACTS}/${path}`);
        expect(response.status, path).toBe(400);
        expect(JSON.parse(response.body.toString('utf8'))).toEqual({
          error_code: 'INVALID_PARAMETER_VALUE',
          message:
            "Cannot delete '0/reg/artifacts/model" +
            (path.endsWith('MLmodel') ? '/MLmodel' : '') +
            "': registered model 'churn' version 3 is stored at 'mlflow-artifacts:/0/reg/artifacts/model'. " +
            'Registered artifacts are immutable; delete the model version first.',
        });
      }
      for (const path of ['0/reg/artifacts/model/MLmodel', '0/reg/artifacts/model/extra.pkl']) {
        const response = await raw('PUT', `${ARTIFACTS}/${path}`, 'PWNED');
        expect(response.status, path).toBe(400);
        expect(response.body.toString('utf8'), path).toContain("Cannot write '");
      }
      expect(await readFile(join(root, '0', 'reg', 'artifacts', 'model', 'MLmodel'), 'utf8')).toBe(
        'registered',
      );
      expect(existsSync(join(root, '0', 'reg', 'artifacts', 'model', 'extra.pkl'))).toBe(false);

      // Neighbours sharing a prefix, and other files of the run, are the client's to change.
      expect((await raw('DELETE', `${ARTIFACTS}/0/reg/artifacts/modelx`)).status).toBe(200);
      expect((await raw('DELETE', `${ARTIFACTS}/0/reg/artifacts/other.txt`)).status).toBe(200);
      expect((await raw('PUT', `${ARTIFACTS}/0/reg/artifacts/model2.txt`, 'ok')).status).toBe(200);
      expect((await tree(join(root, '0', 'reg', 'artifacts'))).sort()).toEqual([
        'model',
        'model/MLmodel',
        'model2.txt',
      ]);
    } finally {
      registered = [];
    }
    expect((await raw('DELETE', `${ARTIFACTS}/0/reg/artifacts/model`)).status).toBe(200);
  });
});

describe.each(testEngines)('the artifact proxy over a real registry on %s', (engine) => {
  let database: TestDatabase;
  let folder: string;
  let server: FastifyInstance;
  let target: string;
  let exp: string;
  let runRoot: string;

  const send = (method: string, path: string, body?: string): Promise<Response> =>
    fetch(`${target}${path}`, { method, ...(body !== undefined ? { body } : {}) });

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    folder = await mkdtemp(join(tmpdir(), 'bosun-artifact-registry-'));
    const tracking = createTrackingService({
      handle: database.handle,
      defaultArtifactRoot: 'mlflow-artifacts:/',
    });
    const registry = createRegistryService({
      handle: database.handle,
      events: new CollectingEventSink(),
      tracking,
    });
    server = Fastify({ logger: false });
    server.setErrorHandler(mlflowErrors);
    await registerArtifactRoutes(server, {
      artifacts: new LocalArtifactStore(folder),
      tracking,
      versionsUsingPath: (path, change) => findVersionsUsingArtifactPath(database.handle.db, path, change),
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    target = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;

    exp = await tracking.createExperiment({ name: 'registered-files' });
    const run = await tracking.createRun({ experimentId: exp });
    runRoot = run.info.artifactUri.replace('mlflow-artifacts:/', '');
    for (const name of ['model/MLmodel', 'model/model.pkl', 'sub/a.txt', 'f.txt']) {
      expect((await send('PUT', `${ARTIFACTS}/${runRoot}/${name}`, name)).status).toBe(200);
    }
    await registry.createRegisteredModel({ name: 'churn' });
    await registry.createModelVersion({ name: 'churn', source: `runs:/${run.info.runId}/model` });
  });
  afterAll(async () => {
    await server.close();
    await database.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  it('refuses to delete the experiment folder or the run root in any spelling', async () => {
    for (const path of [`${exp}/.`, `${exp}/%2e`, `${exp}//`, `${exp}/./`, exp, runRoot, `${runRoot}/`]) {
      const response = await fetch(`${target}${ARTIFACTS}/${path}`, { method: 'DELETE' });
      expect(response.status, path).toBe(400);
    }
    expect(await tree(join(folder, runRoot))).toEqual([
      'f.txt',
      'model',
      'model/MLmodel',
      'model/model.pkl',
      'sub',
      'sub/a.txt',
    ]);
  });

  it("refuses to delete or overwrite a registered version's files, and deletes others", async () => {
    for (const path of ['model', 'model/model.pkl']) {
      const response = await send('DELETE', `${ARTIFACTS}/${runRoot}/${path}`);
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { message: string }).message).toContain(
        "registered model 'churn' version 1",
      );
    }
    expect((await send('PUT', `${ARTIFACTS}/${runRoot}/model/model.pkl`, 'PWNED')).status).toBe(400);
    expect((await send('DELETE', `${ARTIFACTS}/${runRoot}/sub`)).status).toBe(200);
    expect((await send('DELETE', `${ARTIFACTS}/${runRoot}/f.txt`)).status).toBe(200);
    expect(await tree(join(folder, runRoot))).toEqual(['model', 'model/MLmodel', 'model/model.pkl']);
    expect(await readFile(join(folder, runRoot, 'model', 'model.pkl'), 'utf8')).toBe('model/model.pkl');
  });
});
