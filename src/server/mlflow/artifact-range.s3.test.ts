import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../../artifacts/index.js';
import { createTestBucket, testS3Client } from '../../artifacts/test-support/s3-test-server.js';
import { installErrorHandling } from '../error-handler.js';
import { requestValidatorCompiler } from '../validator-compiler.js';
import { registerArtifactProxyRoutes } from './artifact-routes.js';
import { rangedDownloadCases } from './test-support/ranged-download-cases.js';

const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';
/** Over one chunk of the SDK's body stream, so ranges cross chunk boundaries. */
const content = randomBytes(300 * 1024 + 17);

describe('ranged downloads through the artifact proxy over S3 (radosgw)', () => {
  let client: S3Client;
  let bucket: Awaited<ReturnType<typeof createTestBucket>>;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    client = testS3Client();
    bucket = await createTestBucket(client);
    const artifacts = new S3ArtifactStore({ client, location: { bucket: bucket.bucket, prefix: 'srv' } });
    await artifacts.put('0/r/artifacts/weights.bin', content);
    await artifacts.put('0/r/artifacts/empty.txt', Buffer.alloc(0));
    app = Fastify();
    app.setValidatorCompiler(requestValidatorCompiler());
    installErrorHandling(app, 1024 * 1024);
    await registerArtifactProxyRoutes(app, { artifacts });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.close();
    await bucket.drop();
    client.destroy();
  });

  rangedDownloadCases(() => ({
    content,
    fetch: (headers = {}) => fetch(`${base}${ARTIFACTS}/0/r/artifacts/weights.bin`, { headers }),
  }));

  it('answers a range of an empty object with 416 bytes */0', async () => {
    const response = await fetch(`${base}${ARTIFACTS}/0/r/artifacts/empty.txt`, {
      headers: { range: 'bytes=0-' },
    });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe('bytes */0');
    expect(((await response.json()) as { error_code: string }).error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});
