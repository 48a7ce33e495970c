import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactUriToStorePath, S3ArtifactStore } from '../artifacts/index.js';
import {
  allKeys,
  createTestBucket,
  testS3Client,
  testS3Settings,
} from '../artifacts/test-support/s3-test-server.js';
import { createPostgresDatabase, testEngines } from '../db/test-support/test-databases.js';
import { cleanPickle, maliciousPickle } from '../registry/governance/test-support/pickles.js';
import { loadServerConfig, NotImplementedError } from '../shared/index.js';
import { openPlatform } from './open-platform.js';
import type { Platform } from './platform.js';

/** What an operator sets for MLflow today, pointed at the test S3 server. */
function s3Environment(dir: string): NodeJS.ProcessEnv {
  const settings = testS3Settings();
  return {
    BOSUN_DATA_DIR: dir,
    MLFLOW_S3_ENDPOINT_URL: settings.endpointUrl,
    AWS_ACCESS_KEY_ID: settings.credentials?.accessKeyId,
    AWS_SECRET_ACCESS_KEY: settings.credentials?.secretAccessKey,
  };
}

describe.each(testEngines)('the platform on S3 artifact storage (%s)', (engine) => {
  let client: S3Client;
  let bucket: Awaited<ReturnType<typeof createTestBucket>>;
  let other: Awaited<ReturnType<typeof createTestBucket>>;
  let dir: string;
  let backendStoreUri: string;
  let dropDatabase: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    client = testS3Client();
    bucket = await createTestBucket(client);
    other = await createTestBucket(client);
    dir = mkdtempSync(join(tmpdir(), 'bosun-platform-s3-'));
    if (engine === 'sqlite') backendStoreUri = `sqlite:///${join(dir, 'bosun.db')}`;
    else {
      const database = await createPostgresDatabase();
      backendStoreUri = database.uri;
      dropDatabase = database.drop;
    }
  });
  afterAll(async () => {
    await bucket.drop();
    await other.drop();
    client.destroy();
    await dropDatabase();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(flags: Parameters<typeof loadServerConfig>[0]): Promise<Platform> {
    return openPlatform(loadServerConfig({ backendStoreUri, ...flags }, s3Environment(dir)));
  }

  it('--artifacts-destination s3://bucket/prefix: the store writes there and new versions are scanned from it', async () => {
    const platform = await open({ artifactsDestination: `s3://${bucket.bucket}/bosun` });
    try {
      expect(platform.artifacts).toBeInstanceOf(S3ArtifactStore);
      expect(platform.artifactRoots.open(`s3://${bucket.bucket}/bosun/5/r/artifacts`)).toMatchObject({
        store: platform.artifacts,
        path: '5/r/artifacts',
        inServerStore: true,
      });
      const experimentId = await platform.tracking.createExperiment({ name: `proxied-${engine}` });
      const run = await platform.tracking.createRun({ experimentId });
      const root = artifactUriToStorePath(run.info.artifactUri);
      await platform.artifacts.put(`${root}/good/model.pkl`, cleanPickle);
      await platform.artifacts.put(`${root}/bad/model.pkl`, maliciousPickle);
      expect(await allKeys(client, bucket.bucket, `bosun/${root}/`)).toEqual([
        `bosun/${root}/bad/model.pkl`,
        `bosun/${root}/good/model.pkl`,
      ]);
      await platform.registry.createRegisteredModel({ name: 'proxied' });
      const good = await platform.registry.createModelVersion({
        name: 'proxied',
        source: `runs:/${run.info.runId}/good`,
      });
      const bad = await platform.registry.createModelVersion({
        name: 'proxied',
        source: `runs:/${run.info.runId}/bad`,
      });
      expect(await platform.governance.getScan('proxied', good.version)).toMatchObject({
        status: 'clean',
        files: 1,
      });
      const verdict = await platform.governance.getScan('proxied', bad.version);
      expect(verdict.status).toBe('unsafe');
      expect(verdict.findings.map((f) => `${f.file} ${f.module}.${f.name}`)).toContain('model.pkl os.system');
    } finally {
      await platform.close();
    }
  });

  it('--no-serve-artifacts with an s3:// default root: versions clients wrote there are scanned; other buckets are not read', async () => {
    const platform = await open({
      serveArtifacts: false,
      defaultArtifactRoot: `s3://${bucket.bucket}/direct`,
    });
    try {
      const experimentId = await platform.tracking.createExperiment({ name: `direct-${engine}` });
      const run = await platform.tracking.createRun({ experimentId });
      expect(run.info.artifactUri).toBe(
        `s3://${bucket.bucket}/direct/${experimentId}/${run.info.runId}/artifacts`,
      );
      // The mlflow client writes straight to the bucket with its own S3 support.
      const key = `direct/${experimentId}/${run.info.runId}/artifacts/model/model.pkl`;
      await client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: key, Body: maliciousPickle }));
      await client.send(
        new PutObjectCommand({ Bucket: other.bucket, Key: 'model/model.pkl', Body: maliciousPickle }),
      );
      await platform.registry.createRegisteredModel({ name: 'direct' });
      const v = await platform.registry.createModelVersion({
        name: 'direct',
        source: `${run.info.artifactUri}/model`,
      });
      const verdict = await platform.governance.getScan('direct', v.version);
      expect(verdict.status).toBe('unsafe');
      expect(verdict.files).toBe(1);
      // The tracking API's listing and the web UI's downloads read such runs through the same S3 roots.
      const opened = platform.artifactRoots.open(run.info.artifactUri);
      expect(opened.inServerStore).toBe(false);
      expect(await opened.store.list(opened.path)).toEqual([{ path: 'model', isDir: true }]);
      expect(() => platform.artifactRoots.open(`s3://${other.bucket}/model`)).toThrow(NotImplementedError);
      const elsewhere = await platform.registry.createModelVersion({
        name: 'direct',
        source: `s3://${other.bucket}/model`,
      });
      expect(await platform.governance.getScan('direct', elsewhere.version)).toMatchObject({
        status: 'failed',
        error: 'not scannable: remote storage',
      });
    } finally {
      await platform.close();
    }
  });
});
