import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { createTrackingService, type TrackingService } from '../tracking/index.js';
import { findVersionsUsingArtifactPath, type ArtifactChange } from './artifact-path-versions.js';
import { createRegistryService } from './registry-service.js';
import type { RegistryService } from './registry-service-contract.js';
import { CollectingEventSink } from './test-support/collecting-event-sink.js';

describe.each(testEngines)('findVersionsUsingArtifactPath on %s', (engine) => {
  let database: TestDatabase;
  let tracking: TrackingService;
  let registry: RegistryService;
  /** Store paths: run1's and run2's artifact roots, the logged model's root. */
  let r1: string;
  let r2: string;
  let lm: string;

  const names = async (path: string, change: ArtifactChange): Promise<string[]> =>
    (await findVersionsUsingArtifactPath(database.handle.db, path, change)).map(
      (v) => `${v.name}/${v.version}`,
    );

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    tracking = createTrackingService({ handle: database.handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
    registry = createRegistryService({
      handle: database.handle,
      events: new CollectingEventSink(),
      tracking,
    });
    const experiment = await tracking.createExperiment({ name: 'paths' });
    const run1 = await tracking.createRun({ experimentId: experiment });
    const run2 = await tracking.createRun({ experimentId: experiment });
    const logged = await tracking.createLoggedModel({ experimentId: experiment, name: 'lm' });
    const strip = (uri: string): string => uri.replace(/^mlflow-artifacts:\//, '');
    r1 = strip(run1.info.artifactUri);
    r2 = strip(run2.info.artifactUri);
    lm = strip(logged.artifactUri);
    await registry.createRegisteredModel({ name: 'churn' });
    // Every source form: a run's subfolder, a logged model, a store folder, a copy of another version, a remote.
    await registry.createModelVersion({ name: 'churn', source: `runs:/${run1.info.runId}/abc` }); // 1
    await registry.createModelVersion({ name: 'churn', source: `models:/${logged.modelId}` }); // 2
    await registry.createModelVersion({ name: 'churn', source: `mlflow-artifacts:/${r2}/deep/er/` }); // 3
    await registry.createModelVersion({ name: 'churn', source: 'models:/churn/1' }); // 4
    await registry.createModelVersion({ name: 'churn', source: 's3://bucket/elsewhere' }); // 5
    // A version recorded as a remote URL, even one that looks like a proxy URL, is a remote store's, as for
    // get-artifact and scanning: not this store's files.
    await registry.createRegisteredModel({ name: 'legacy' });
    await registry.createModelVersion({
      name: 'legacy',
      source: `https://bosun.example/api/2.0/mlflow-artifacts/artifacts/${r2}/web`,
    });
  });
  afterAll(async () => database.dispose());

  it('finds the versions stored at, above or below a deleted path', async () => {
    expect(await names(`${r1}/abc`, 'delete')).toEqual(['churn/1', 'churn/4']);
    expect(await names(`${r1}/abc/MLmodel`, 'delete')).toEqual(['churn/1', 'churn/4']);
    expect(await names(r1, 'delete')).toEqual(['churn/1', 'churn/4']);
    expect(await names(r1.split('/')[0]!, 'delete')).toEqual(['churn/1', 'churn/2', 'churn/3', 'churn/4']);
    expect(await names(`${lm}/model.pkl`, 'delete')).toEqual(['churn/2']);
    expect(await names(`${r2}/deep`, 'delete')).toEqual(['churn/3']);
    expect(await names(`${r2}/deep/er/x/y`, 'delete')).toEqual(['churn/3']);
    expect(await names(`${r2}/web/f`, 'delete')).toEqual([]);
  });

  it('is prefix-safe: a sibling sharing the first letters is not protected', async () => {
    for (const path of [
      `${r1}/ab`,
      `${r1}/abcd`,
      `${r1}/abc-x/f`,
      `${r2}/dee`,
      `${r2}/deep/e`,
      `${r2}/deep/err`,
    ]) {
      expect(await names(path, 'delete'), path).toEqual([]);
    }
    expect(await names(`${r1}x`, 'delete')).toEqual([]);
    expect(await names('elsewhere', 'delete')).toEqual([]);
  });

  it('for writes, finds only versions the path lies in', async () => {
    expect(await names(`${r1}/abc/new.pkl`, 'write')).toEqual(['churn/1', 'churn/4']);
    expect(await names(`${r1}/abc`, 'write')).toEqual(['churn/1', 'churn/4']);
    expect(await names(`${r1}/other.txt`, 'write')).toEqual([]);
    expect(await names(`${r2}/deep`, 'write')).toEqual([]);
  });

  it('reports the storage location of each version', async () => {
    const [found] = await findVersionsUsingArtifactPath(database.handle.db, `${lm}/x`, 'write');
    expect(found).toEqual({ name: 'churn', version: 2, storageLocation: `mlflow-artifacts:/${lm}` });
  });

  it('forgets a version once it is deleted', async () => {
    await registry.deleteModelVersion('churn', '1');
    expect(await names(`${r1}/abc`, 'delete')).toEqual(['churn/4']);
    await registry.deleteModelVersion('churn', '4');
    expect(await names(`${r1}/abc`, 'delete')).toEqual([]);
  });
});
