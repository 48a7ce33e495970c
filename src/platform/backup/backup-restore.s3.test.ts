/**
 * bosun backup / restore with artifacts in S3 (the test Ceph radosgw): the backup lists every object with its
 * size and ETag and leaves the bytes in the bucket; a restored database reads them from there.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestBucket,
  testS3Client,
  testS3Settings,
} from '../../artifacts/test-support/s3-test-server.js';
import { runCli } from '../../cli/program.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { loadServerConfig } from '../../shared/config.js';
import { ingestOne, prepare, readBack, type Ingested } from './test-support/ingest.js';
import { testStartOptions } from '../../server/test-support/test-start-options.js';

function s3Environment(): NodeJS.ProcessEnv {
  const settings = testS3Settings();
  return {
    MLFLOW_S3_ENDPOINT_URL: settings.endpointUrl,
    AWS_ACCESS_KEY_ID: settings.credentials?.accessKeyId,
    AWS_SECRET_ACCESS_KEY: settings.credentials?.secretAccessKey,
  };
}

async function bosun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: s3Environment(),
  });
  return { code, stdout, stderr };
}

let client: S3Client;
let bucket: Awaited<ReturnType<typeof createTestBucket>>;
let root: string;

beforeAll(async () => {
  client = testS3Client();
  bucket = await createTestBucket(client);
  root = mkdtempSync(join(tmpdir(), 'bosun-backup-s3-'));
});
afterAll(async () => {
  await bucket?.drop();
  client?.destroy();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

describe('bosun backup and restore with an s3:// artifact destination', () => {
  it('indexes every object with size and ETag; the restored database reads the artifacts from the bucket', async () => {
    const destination = `s3://${bucket.bucket}/bosun`;
    const serve = (db: string): Promise<RunningServer> =>
      startServer(
        loadServerConfig(
          {
            port: 0,
            backendStoreUri: `sqlite:///${db}`,
            artifactsDestination: destination,
            logLevel: 'silent',
          },
          s3Environment(),
        ),
        testStartOptions,
      );
    const units: Ingested[] = [];
    const source = await serve(join(root, 'source.db'));
    try {
      const experimentId = await prepare(source.address, 's3bk');
      for (let i = 0; i < 4; i += 1) units.push(await ingestOne(source.address, experimentId, 's3bk', i));
    } finally {
      await source.close();
    }
    const storageArgs = ['--artifacts-destination', destination];
    const backup = join(root, 'backup');
    const made = await bosun([
      'backup',
      '--to',
      backup,
      '--backend-store-uri',
      `sqlite:///${join(root, 'source.db')}`,
      ...storageArgs,
    ]);
    expect(made.stderr).not.toMatch(/error/);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/artifacts: \d+ objects, \d+ bytes listed in artifacts.jsonl/);
    const index = readFileSync(join(backup, 'artifacts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; size: number; etag: string });
    for (const unit of units) {
      const entry = index.find(
        (e) => e.key === `${unit.experimentId}/${unit.runId}/artifacts/${unit.artifactPath}`,
      );
      expect(entry).toBeDefined();
      const bytes = Buffer.from(`artifact ${unit.index} `.repeat(50 + (unit.index % 13)));
      // One PUT of a small file: its ETag is the MD5 of its bytes.
      expect(entry).toEqual({
        key: `${unit.experimentId}/${unit.runId}/artifacts/${unit.artifactPath}`,
        size: bytes.length,
        etag: createHash('md5').update(bytes).digest('hex'),
      });
    }

    const restored = await bosun([
      'restore',
      '--from',
      backup,
      '--backend-store-uri',
      `sqlite:///${join(root, 'restored.db')}`,
      ...storageArgs,
    ]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain(`artifacts stay in ${destination}`);
    const server = await serve(join(root, 'restored.db'));
    try {
      for (const unit of units) expect(await readBack(server.address, unit)).toEqual(unit);
    } finally {
      await server.close();
    }
  });

  it('restores a backup of a local artifact folder into an s3:// destination', async () => {
    const local = join(root, 'local');
    const server = await startServer(
      loadServerConfig(
        {
          port: 0,
          backendStoreUri: `sqlite:///${join(local, 'bosun.db')}`,
          artifactsDestination: join(local, 'artifacts'),
          logLevel: 'silent',
        },
        {},
      ),
      testStartOptions,
    );
    const units: Ingested[] = [];
    try {
      const experimentId = await prepare(server.address, 'tos3');
      for (let i = 0; i < 3; i += 1) units.push(await ingestOne(server.address, experimentId, 'tos3', i));
    } finally {
      await server.close();
    }
    const backup = join(root, 'local-backup');
    const made = await bosun([
      'backup',
      '--to',
      backup,
      '--backend-store-uri',
      `sqlite:///${join(local, 'bosun.db')}`,
      '--artifacts-destination',
      join(local, 'artifacts'),
    ]);
    expect(made.code).toBe(0);
    const destination = `s3://${bucket.bucket}/moved`;
    const target = `sqlite:///${join(root, 'moved.db')}`;
    const args = [
      'restore',
      '--from',
      backup,
      '--backend-store-uri',
      target,
      '--artifacts-destination',
      destination,
    ];
    const restored = await bosun(args);
    expect(restored.stderr).not.toMatch(/error/);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/artifacts: 3 files/);
    const again = await bosun([
      'restore',
      '--from',
      backup,
      '--backend-store-uri',
      `sqlite:///${join(root, 'other.db')}`,
      '--artifacts-destination',
      destination,
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/artifact destination s3:\/\/.* is not empty/);
    const moved = await startServer(
      loadServerConfig(
        { port: 0, backendStoreUri: target, artifactsDestination: destination, logLevel: 'silent' },
        s3Environment(),
      ),
      testStartOptions,
    );
    try {
      for (const unit of units) expect(await readBack(moved.address, unit)).toEqual(unit);
    } finally {
      await moved.close();
    }
  });
});
