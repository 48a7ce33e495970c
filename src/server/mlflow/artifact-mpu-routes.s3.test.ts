import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../../artifacts/index.js';
import { createTestBucket, testS3Client } from '../../artifacts/test-support/s3-test-server.js';
import type { VersionUsingArtifactPath } from '../../registry/index.js';
import { installErrorHandling } from '../error-handler.js';
import { requestValidatorCompiler } from '../validator-compiler.js';
import { registerArtifactProxyRoutes } from './artifact-routes.js';

const MPU = '/api/2.0/mlflow-artifacts/mpu';
const partSize = 5 * 1024 * 1024;
/** The path the client names its file by (never read: only its last segment names the artifact). */
const clientPath = join(tmpdir(), 'work', 'model.bin');

describe('mlflow-artifacts/mpu routes over S3 (radosgw)', () => {
  let client: S3Client;
  let bucket: Awaited<ReturnType<typeof createTestBucket>>;
  let app: FastifyInstance;
  let base: string;
  const registered: VersionUsingArtifactPath[] = [];

  beforeAll(async () => {
    client = testS3Client();
    bucket = await createTestBucket(client);
    app = Fastify();
    app.setValidatorCompiler(requestValidatorCompiler());
    installErrorHandling(app, 1024 * 1024);
    await registerArtifactProxyRoutes(app, {
      artifacts: new S3ArtifactStore({ client, location: { bucket: bucket.bucket, prefix: 'srv' } }),
      versionsUsingPath: async (path) => (path.startsWith('0/r/artifacts/registered') ? registered : []),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.close();
    await bucket.drop();
    client.destroy();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the wire JSON, checked field by field below
  async function post(step: string, folder: string, body: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${base}${MPU}/${step}/${folder}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  }

  it("uploads a file in parts as MLflow's client does: create, PUT each part to its URL, complete", async () => {
    const file = randomBytes(2 * partSize + 1234);
    const created = await post('create', '0/r/artifacts/model', {
      path: clientPath,
      num_parts: 3,
    });
    expect(created.status).toBe(200);
    expect(typeof created.json.upload_id).toBe('string');
    expect(created.json.credentials.map((c: { part_number: number }) => c.part_number)).toEqual([1, 2, 3]);
    const parts = [];
    for (const credential of created.json.credentials as {
      url: string;
      part_number: number;
      headers: object;
    }[]) {
      expect(credential.headers).toEqual({});
      const start = (credential.part_number - 1) * partSize;
      const response = await fetch(credential.url, {
        method: 'PUT',
        body: file.subarray(start, start + partSize),
      });
      expect(response.status).toBe(200);
      parts.push({
        part_number: credential.part_number,
        etag: response.headers.get('etag'),
        url: credential.url,
      });
    }
    const completed = await post('complete', '0/r/artifacts/model', {
      path: clientPath,
      upload_id: created.json.upload_id,
      parts,
    });
    expect(completed).toEqual({ status: 200, json: {} });
    const download = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/model/model.bin`);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      createHash('sha256').update(file).digest('hex'),
    );
  });

  it('abort drops the upload; a Windows client path names its file; bad input is a 400 in MLflow form', async () => {
    const created = await post('create', '0/r/artifacts', {
      path: 'C:\\Users\\ana\\big.bin',
      num_parts: '2',
    });
    expect(created.status).toBe(200);
    expect(decodeURIComponent(created.json.credentials[0].url)).toContain('/srv/0/r/artifacts/big.bin?');
    expect(
      await post('abort', '0/r/artifacts', { path: 'big.bin', upload_id: created.json.upload_id }),
    ).toEqual({
      status: 200,
      json: {},
    });
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket.bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);

    const bad: [string, unknown][] = [
      ['create', {}],
      ['create', { path: 7, num_parts: 1 }],
      ['create', { path: 'f.bin', num_parts: 0 }],
      ['create', { path: 'f.bin', num_parts: 'many' }],
      ['create', { path: '..', num_parts: 1 }],
      ['create', { path: 'a/%2e%2e', num_parts: 1 }],
      ['complete', { path: 'f.bin', upload_id: 'x' }],
      ['complete', { path: 'f.bin', upload_id: 'x', parts: [{ part_number: 1 }] }],
      ['complete', { path: 'f.bin', parts: [] }],
      ['abort', { path: 'f.bin' }],
    ];
    for (const [step, body] of bad) {
      const answer = await post(step, '0/r/artifacts', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.error_code, JSON.stringify(body)).toBe('INVALID_PARAMETER_VALUE');
    }
    const traversal = await fetch(`${base}${MPU}/create/0/r/..%2f..%2fx`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'f.bin', num_parts: 1 }),
    });
    expect(traversal.status).toBe(400);
  });

  it("refuses to replace a registered version's file", async () => {
    registered.push({
      name: 'rf',
      version: 1,
      storageLocation: 'mlflow-artifacts:/0/r/artifacts/registered',
    });
    const created = await post('create', '0/r/artifacts/registered', { path: 'model.pkl', num_parts: 1 });
    expect(created.status).toBe(400);
    expect(created.json.message).toContain("registered model 'rf' version 1");
    registered.length = 0;
  });
});
