import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, testS3Client, testS3Settings } from '../artifacts/test-support/s3-test-server.js';
import { testEngines } from '../db/test-support/test-databases.js';
import {
  createMlflowDbFixture,
  fixtureRuns,
  type MlflowDbFixture,
} from './test-support/mlflow-db-fixture.js';
import { importCli, startImportTestServer, type ImportTestServer } from './test-support/import-servers.js';

const { fit, deleted, elsewhere } = fixtureRuns;

// `--artifact-root s3://bucket/prefix`: the MLflow server stored its artifacts in a bucket (Ceph radosgw here).
describe.each(testEngines)('bosun import --from-db with an s3:// artifact root, on %s', (engine) => {
  let client: S3Client;
  let bucket: { bucket: string; drop(): Promise<void> };
  let fixture: MlflowDbFixture;
  let target: ImportTestServer;
  let root: string;

  beforeAll(async () => {
    client = testS3Client();
    bucket = await createTestBucket(client, 'bosun-import');
    root = `s3://${bucket.bucket}/mlflow`;
    fixture = await createMlflowDbFixture(engine, { storedRoot: root });
    for (const [path, body] of Object.entries(fixture.files)) {
      await client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: `mlflow/${path}`, Body: body }));
    }
    target = await startImportTestServer(engine);
  });

  afterAll(async () => {
    await target?.close();
    await fixture?.dispose();
    await bucket?.drop();
    client?.destroy();
  });

  it('reads mlflow-artifacts:/ and s3:// locations from the bucket, and a repeat copies nothing', async () => {
    const settings = testS3Settings();
    const env = {
      MLFLOW_S3_ENDPOINT_URL: settings.endpointUrl,
      AWS_ACCESS_KEY_ID: settings.credentials?.accessKeyId,
      AWS_SECRET_ACCESS_KEY: settings.credentials?.secretAccessKey,
      AWS_REGION: settings.region,
    };
    const argv = ['import', '--from-db', fixture.uri, '--artifact-root', root, '--tracking-uri', target.base];
    const first = await importCli([...argv, '--json', '--quiet'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as {
      counts: Record<string, number>;
      skipped: { what: string; reason: string }[];
    };
    expect(report.skipped.map((s) => s.what)).toEqual([`run ${elsewhere} artifacts`]);
    expect(report.counts).toMatchObject({ artifactFiles: 4, runsImported: 3, loggedModelsImported: 1 });
    const read = async (runId: string, path: string) =>
      (await fetch(`${target.base}/get-artifact?run_id=${runId}&path=${path}`)).text();
    expect(await read(fit, 'reports/deep/notes.txt')).toBe('notes of the fit\n');
    expect(await read(deleted, 'partial.txt')).toBe('half done\n');

    const again = await importCli([...argv, '--json', '--quiet'], env);
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout) as { counts: Record<string, number> };
    expect(second.counts).toMatchObject({ artifactFilesPresent: 4 });
    expect(second.counts.artifactFiles ?? 0).toBe(0);
  });
});
