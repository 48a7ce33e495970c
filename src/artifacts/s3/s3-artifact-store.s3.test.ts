import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BosunError, InvalidParameterError, NotFoundError } from '../../shared/errors.js';
import {
  describeArtifactStoreContract,
  digestOf,
  generatedStream,
  readAll,
} from '../test-support/artifact-store-contract.js';
import { allKeys, createTestBucket, testS3Client, testS3Settings } from '../test-support/s3-test-server.js';
import { S3ArtifactStore } from './s3-artifact-store.js';
import { createS3Client } from './s3-client.js';
import { parseS3Uri } from './s3-uri.js';

const partSize = 5 * 1024 * 1024;

describeArtifactStoreContract('S3ArtifactStore (radosgw)', async () => {
  const client = testS3Client();
  const bucket = await createTestBucket(client);
  return {
    store: new S3ArtifactStore({
      client,
      location: { bucket: bucket.bucket, prefix: 'bosun/artifacts' },
      partSize,
    }),
    cleanup: async () => {
      await bucket.drop();
      client.destroy();
    },
  };
});

describe('S3ArtifactStore keys', () => {
  let client: S3Client;
  let bucket: Awaited<ReturnType<typeof createTestBucket>>;
  let store: S3ArtifactStore;
  const raw = (Key: string, body: string) =>
    client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key, Body: Buffer.from(body) }));

  beforeAll(async () => {
    client = testS3Client();
    bucket = await createTestBucket(client);
    store = new S3ArtifactStore({ client, location: parseS3Uri(`s3://${bucket.bucket}/root`), partSize });
  });
  afterAll(async () => {
    await bucket.drop();
    client.destroy();
  });

  it('maps paths to keys under the prefix, and never reaches a sibling prefix', async () => {
    await store.put('a/f.txt', Buffer.from('inside'));
    await raw('root-other/a/f.txt', 'sibling');
    await raw('rootfile.txt', 'sibling');
    await raw('outside.txt', 'outside');
    expect((await allKeys(client, bucket.bucket)).sort()).toEqual([
      'outside.txt',
      'root-other/a/f.txt',
      'root/a/f.txt',
      'rootfile.txt',
    ]);
    expect(await store.list('')).toEqual([{ path: 'a', isDir: true }]);
    await expect(store.get('../root-other/a/f.txt')).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(store.get('%2e%2e/outside.txt')).rejects.toBeInstanceOf(InvalidParameterError);
    await store.delete('a');
    expect((await allKeys(client, bucket.bucket)).sort()).toEqual([
      'outside.txt',
      'root-other/a/f.txt',
      'rootfile.txt',
    ]);
  });

  it('a store on a whole bucket (no prefix) maps paths to keys as they are', async () => {
    const other = await createTestBucket(client);
    try {
      const whole = new S3ArtifactStore({ client, location: parseS3Uri(`s3://${other.bucket}`), partSize });
      await whole.put('0/run/artifacts/f.txt', Buffer.from('f'));
      await whole.put('0/run/artifacts/big.bin', randomBytes(partSize + 10));
      await whole.put('top.txt', Buffer.from('t'));
      expect((await allKeys(client, other.bucket)).sort()).toEqual([
        '0/run/artifacts/big.bin',
        '0/run/artifacts/f.txt',
        'top.txt',
      ]);
      expect(await whole.list('')).toEqual([
        { path: '0', isDir: true },
        { path: 'top.txt', isDir: false, fileSize: 1 },
      ]);
      await expect(whole.delete('')).rejects.toBeInstanceOf(InvalidParameterError);
      await whole.delete('0/run');
      expect(await allKeys(client, other.bucket)).toEqual(['top.txt']);
    } finally {
      await other.drop();
    }
  });

  it("a path longer than S3's 1,024-byte keys is the client's error, not the storage's", async () => {
    const long = Array.from({ length: 6 }, (_, i) => `${i}`.repeat(200)).join('/');
    await expect(store.put(long, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(store.get(long)).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(store.createMultipartUpload(long, 1)).rejects.toBeInstanceOf(InvalidParameterError);
    expect(await store.list(long)).toEqual([]);
    await store.delete(long);
  });

  it('does not list keys a client could not name back (traversal, backslashes, control characters, markers)', async () => {
    const hostile = [
      'root/h/../../outside.txt',
      'root/h/./dot.txt',
      'root/h//double.txt',
      'root/h/back\\slash.txt',
      'root/h/ctl\u0001.txt',
      'root/h/%2e%2e',
      'root/h/q?x',
      'root/h/',
    ];
    for (const key of hostile) await raw(key, 'hostile');
    await store.put('h/ok.txt', Buffer.from('ok'));
    expect(await store.list('h')).toEqual([{ path: 'ok.txt', isDir: false, fileSize: 2 }]);
    await expect(store.get('h/../../outside.txt')).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(store.list('h/..')).rejects.toBeInstanceOf(InvalidParameterError);
    await store.delete('h');
    expect(await allKeys(client, bucket.bucket, 'root/h')).toEqual([]);
  });

  it('uploads a large stream in parts, holding a bounded number of them, and aborts a failed one', async () => {
    const total = 3 * partSize + 1000;
    const { stream, digest } = generatedStream(total);
    await store.put('mp/model.bin', stream);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket.bucket, Key: 'root/mp/model.bin' }),
    );
    expect(head.ETag).toMatch(/-4"$/);
    expect(await digestOf((await store.get('mp/model.bin')).stream)).toEqual({ digest, bytes: total });

    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent >= 2 * partSize + 10) {
          this.destroy(new Error('client went away'));
          return;
        }
        sent += 1024 * 1024;
        this.push(Buffer.alloc(1024 * 1024, 1));
      },
    });
    const failure = await store.put('mp/model.bin', failing).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BosunError);
    expect((failure as BosunError).code).toBe('BAD_REQUEST');
    expect(await digestOf((await store.get('mp/model.bin')).stream)).toEqual({ digest, bytes: total });
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket.bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it('reads a range without fetching the rest of a large object', async () => {
    const total = 2 * partSize;
    await store.put('rg/big.bin', generatedStream(total).stream);
    const { stream, size, range } = await store.get('rg/big.bin', {
      range: { start: partSize, end: partSize + 9 },
    });
    expect(size).toBe(10);
    expect(range).toEqual({ start: partSize, end: partSize + 9, total });
    expect((await readAll(stream)).length).toBe(10);
  });
});

describe('S3ArtifactStore multipart uploads (presigned parts)', () => {
  let client: S3Client;
  let bucket: Awaited<ReturnType<typeof createTestBucket>>;
  let store: S3ArtifactStore;

  beforeAll(async () => {
    client = testS3Client();
    bucket = await createTestBucket(client);
    store = new S3ArtifactStore({ client, location: { bucket: bucket.bucket, prefix: 'root' } });
  });
  afterAll(async () => {
    await bucket.drop();
    client.destroy();
  });

  /** What MLflow's client does with each presigned URL: a plain PUT, keeping the ETag. */
  async function putPart(url: string, body: Buffer): Promise<string> {
    const response = await fetch(url, { method: 'PUT', body });
    expect(response.status, await response.clone().text()).toBe(200);
    return response.headers.get('etag') ?? '';
  }

  it('parts sent straight to the storage become one file at complete', async () => {
    const { uploadId, parts } = await store.createMultipartUpload('mpu/model.bin', 3);
    expect(parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect(parts[0]?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*root\/mpu\/model\.bin\?.*uploadId=/);
    const bodies = [Buffer.alloc(partSize, 'a'), Buffer.alloc(partSize, 'b'), Buffer.from('tail')];
    const uploaded = [];
    for (const [i, part] of parts.entries()) {
      uploaded.push({ partNumber: part.partNumber, etag: await putPart(part.url, bodies[i] as Buffer) });
    }
    await expect(store.get('mpu/model.bin')).rejects.toBeInstanceOf(NotFoundError);
    await store.completeMultipartUpload('mpu/model.bin', uploadId, uploaded);
    const whole = await readAll((await store.get('mpu/model.bin')).stream);
    expect(whole.equals(Buffer.concat(bodies))).toBe(true);
    // AWS answers NoSuchUpload (NotFoundError here); radosgw 16 answers 500 "completion already in progress".
    const unknown = await store
      .completeMultipartUpload('mpu/never.bin', 'no-such-upload', uploaded)
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(BosunError);
    await expect(store.get('mpu/never.bin')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('abort drops the parts; bad part lists and counts are refused', async () => {
    const { uploadId, parts } = await store.createMultipartUpload('mpu/aborted.bin', 2);
    const etag = await putPart(parts[0]?.url ?? '', Buffer.alloc(partSize, 'x'));
    await expect(
      store.completeMultipartUpload('mpu/aborted.bin', uploadId, [{ partNumber: 1, etag: '"not-the-etag"' }]),
    ).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(
      store.completeMultipartUpload('mpu/aborted.bin', uploadId, [
        { partNumber: 2, etag },
        { partNumber: 1, etag },
      ]),
    ).rejects.toBeInstanceOf(InvalidParameterError);
    await store.abortMultipartUpload('mpu/aborted.bin', uploadId);
    await store.abortMultipartUpload('mpu/aborted.bin', uploadId);
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket.bucket }));
    expect((uploads.Uploads ?? []).filter((u) => u.UploadId === uploadId)).toEqual([]);
    await expect(store.get('mpu/aborted.bin')).rejects.toBeInstanceOf(NotFoundError);
    for (const count of [0, -1, 1.5, 10_001]) {
      await expect(store.createMultipartUpload('mpu/x.bin', count), String(count)).rejects.toBeInstanceOf(
        InvalidParameterError,
      );
    }
    await expect(store.createMultipartUpload('../x.bin', 1)).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(store.completeMultipartUpload('mpu/x.bin', 'id with spaces', [])).rejects.toBeInstanceOf(
      InvalidParameterError,
    );
  });
});

describe('S3ArtifactStore storage failures', () => {
  it('a missing bucket, refused credentials and an unreachable server are Bosun errors, never raw SDK errors', async () => {
    const settings = testS3Settings();
    const missing = createS3Client(settings);
    const noBucket = new S3ArtifactStore({
      client: missing,
      location: parseS3Uri('s3://bosun-no-such-bucket/x'),
    });
    const e1 = await noBucket.list('').catch((error: unknown) => error);
    expect(e1).toBeInstanceOf(BosunError);
    expect((e1 as BosunError).code).toBe('INTERNAL_ERROR');
    expect((e1 as BosunError).message).toContain("bucket 'bosun-no-such-bucket'");
    expect((e1 as BosunError).message).toContain('NoSuchBucket');
    missing.destroy();

    const wrong = createS3Client({
      ...settings,
      credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONGSECRET' },
    });
    const refused = new S3ArtifactStore({ client: wrong, location: parseS3Uri('s3://bosun-any/x') });
    const e2 = await refused.put('f.txt', Buffer.from('x')).catch((error: unknown) => error);
    expect(e2).toBeInstanceOf(BosunError);
    expect((e2 as BosunError).code).toBe('INTERNAL_ERROR');
    expect((e2 as BosunError).message).not.toContain('WRONGSECRET');
    wrong.destroy();

    const down = createS3Client({ ...settings, endpointUrl: 'http://127.0.0.1:9' });
    const unreachable = new S3ArtifactStore({ client: down, location: parseS3Uri('s3://bosun-any/x') });
    const e3 = await unreachable.get('f.txt').catch((error: unknown) => error);
    expect(e3).toBeInstanceOf(BosunError);
    expect((e3 as BosunError).code).toBe('TEMPORARILY_UNAVAILABLE');
    down.destroy();
  });

  it('a missing object is NotFoundError', async () => {
    const client = testS3Client();
    const bucket = await createTestBucket(client);
    try {
      const store = new S3ArtifactStore({ client, location: { bucket: bucket.bucket, prefix: '' } });
      await expect(store.get('nope.txt')).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      await bucket.drop();
      client.destroy();
    }
  });
});
