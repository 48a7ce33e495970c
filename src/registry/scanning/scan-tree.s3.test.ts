import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../../artifacts/index.js';
import { createTestBucket, testS3Client } from '../../artifacts/test-support/s3-test-server.js';
import { fixture, fixtureDir } from './test-support/fixtures.js';
import { scanArtifactTree } from './index.js';

describe('scanArtifactTree over an S3ArtifactStore (radosgw)', () => {
  let client: S3Client;
  let bucket: Awaited<ReturnType<typeof createTestBucket>>;
  let store: S3ArtifactStore;

  beforeAll(async () => {
    client = testS3Client();
    bucket = await createTestBucket(client);
    store = new S3ArtifactStore({ client, location: { bucket: bucket.bucket, prefix: 'artifacts' } });
    const base = fixtureDir();
    // the real mlflow client's sklearn models (skops by default, and cloudpickle)
    for (const model of ['mlflow_model', 'mlflow_model_cloudpickle']) {
      for (const name of await readdir(join(base, model))) {
        await store.put(`1/run/artifacts/${model}/${name}`, await readFile(join(base, model, name)));
      }
    }
    await store.put('1/bad/artifacts/model/MLmodel', Buffer.from('flavors: {}\n'));
    await store.put('1/bad/artifacts/model/data/model.pkl', fixture('raw/subprocess_popen.p4.pkl'));
    await store.put('1/bad/artifacts/model/data/weights.safetensors', fixture('data/model.safetensors'));
    await store.put('1/bad/artifacts/model/extra.pt', fixture('torchzip/runpy_run_code.pt'));
  });
  afterAll(async () => {
    await bucket.drop();
    client.destroy();
  });

  it('a scikit-learn model saved by the real mlflow client scans clean (skops and cloudpickle)', async () => {
    for (const model of ['mlflow_model', 'mlflow_model_cloudpickle']) {
      const v = await scanArtifactTree(store, `1/run/artifacts/${model}`);
      expect(v.status, JSON.stringify(v)).toBe('clean');
      expect(v.scannedFiles).toBeGreaterThan(0);
    }
  });

  it('walks folders recursively and finds the dangerous imports, named relative to the root', async () => {
    const v = await scanArtifactTree(store, '1/bad/artifacts/model/');
    expect(v.status).toBe('unsafe');
    const hits = v.findings
      .filter((f) => f.kind === 'dangerous-global')
      .map((f) => `${f.file} ${f.module}.${f.name}`);
    expect(hits.sort()).toEqual([
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
