import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../../artifacts/index.js';
import { createTestBucket, testS3Client } from '../../artifacts/test-support/s3-test-server.js';
import { dangerousGlobals, mlflowModels, putScanTree } from './test-support/scan-tree-files.js';
import { scanArtifactTree } from './index.js';

describe('scanArtifactTree over an S3ArtifactStore (radosgw)', () => {
  let client: S3Client;
  let bucket: Awaited<ReturnType<typeof createTestBucket>>;
  let store: S3ArtifactStore;

  beforeAll(async () => {
    client = testS3Client();
    bucket = await createTestBucket(client);
    store = new S3ArtifactStore({ client, location: { bucket: bucket.bucket, prefix: 'artifacts' } });
    await putScanTree(store);
  });
  afterAll(async () => {
    await bucket.drop();
    client.destroy();
  });

  it('a scikit-learn model saved by the real mlflow client scans clean (skops and cloudpickle)', async () => {
    for (const model of mlflowModels) {
      const v = await scanArtifactTree(store, `1/run/artifacts/${model}`);
      expect(v.status, JSON.stringify(v)).toBe('clean');
      expect(v.scannedFiles).toBeGreaterThan(0);
    }
  });

  it('walks folders recursively and finds the dangerous imports, named relative to the root', async () => {
    const v = await scanArtifactTree(store, '1/bad/artifacts/model/');
    expect(v.status).toBe('unsafe');
    expect(dangerousGlobals(v)).toEqual([
      'data/model.pkl subprocess.Popen',
      'extra.pt!archive/data.pkl runpy._run_code',
    ]);
  });

  it('a single file scans that file; the byte bound holds', async () => {
    const v = await scanArtifactTree(store, '1/bad/artifacts/model/data/model.pkl');
    expect(v.status).toBe('unsafe');
    const bounded = await scanArtifactTree(store, '1/run/artifacts/mlflow_model', { maxTotalBytes: 1_000 });
    expect(bounded.status).toBe('failed');
    if (bounded.status === 'failed') expect(bounded.error).toContain('maxTotalBytes');
  });
});
