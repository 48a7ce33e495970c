import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  AbortMultipartUploadCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { S3Settings } from '../../shared/index.js';
import { createS3Client } from '../s3/s3-client.js';

/**
 * The S3 server of the tests: `npm test` starts Ceph's radosgw (scripts/s3-test-server.sh) and exports its
 * endpoint as BOSUN_TEST_S3_ENDPOINT (keys: BOSUN_TEST_S3_ACCESS_KEY_ID / BOSUN_TEST_S3_SECRET_ACCESS_KEY, by
 * default the script's). S3 suites are named `*.s3.test.ts`; the fast loop leaves them out, and in a full run
 * they fail, not skip, when the endpoint is missing.
 */
export function testS3Settings(): S3Settings {
  const endpointUrl = process.env.BOSUN_TEST_S3_ENDPOINT;
  if (endpointUrl === undefined || endpointUrl === '') {
    throw new Error(
      'BOSUN_TEST_S3_ENDPOINT is not set: run the tests with `npm test`, which starts an S3 server (Ceph radosgw), ' +
        'or start one with scripts/s3-test-server.sh and export its endpoint.',
    );
  }
  return {
    endpointUrl,
    region: 'us-east-1',
    addressingStyle: 'path',
    credentials: {
      accessKeyId: process.env.BOSUN_TEST_S3_ACCESS_KEY_ID ?? 'BOSUNTESTACCESSKEY',
      secretAccessKey: process.env.BOSUN_TEST_S3_SECRET_ACCESS_KEY ?? 'BOSUNTESTSECRETKEY',
    },
  };
}

/** A client for the test server. */
export function testS3Client(): S3Client {
  return createS3Client(testS3Settings());
}

/** Every key of a bucket under a prefix (all pages). */
export async function allKeys(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token !== undefined ? { ContinuationToken: token } : {}),
      }),
    );
    keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

/** Creates an empty bucket with a random name; `drop` empties it (and its unfinished uploads) and removes it. */
export async function createTestBucket(
  client: S3Client,
  prefix = 'bosun-test',
): Promise<{ bucket: string; drop(): Promise<void> }> {
  const bucket = `${prefix}-${randomBytes(6).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    bucket,
    async drop() {
      const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      for (const upload of uploads.Uploads ?? []) {
        await client.send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }),
        );
      }
      const all = await allKeys(client, bucket);
      // eslint-disable-next-line no-control-regex
      const odd = /[\u0000-\u001f]/;
      for (const Key of all.filter((key) => odd.test(key))) {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
      }
      const keys = all.filter((key) => !odd.test(key));
      for (let i = 0; i < keys.length; i += 1000) {
        await client.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
          }),
        );
      }
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    },
  };
}
