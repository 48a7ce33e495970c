import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { BosunError } from '../../shared/errors.js';
import { createTrackingService, type TrackingService } from '../../tracking/index.js';
import { createRegistryService } from '../registry-service.js';
import type { RegistryService } from '../registry-service-contract.js';
import { CollectingEventSink } from '../test-support/collecting-event-sink.js';
import { createLineageService } from './lineage-service.js';
import type { LineageService } from './types.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BosunError) return error.code;
    throw error;
  }
  return 'no error';
}

const dataset = (name: string, digest: string) => ({
  name,
  digest,
  sourceType: 'local',
  source: `{"uri": "/data/${name}.csv"}`,
});

describe.each(testEngines)('lineage service on %s', (engine) => {
  let database: TestDatabase;
  let tracking: TrackingService;
  let registry: RegistryService;
  let lineage: LineageService;
  let experimentId: string;
  let trainRun: string;
  let otherRun: string;
  let loggedModelId: string;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    tracking = createTrackingService({ handle: database.handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
    registry = createRegistryService({
      handle: database.handle,
      events: new CollectingEventSink(),
      tracking,
    });
    lineage = createLineageService({ db: database.handle.db, tracking, registry });

    experimentId = await tracking.createExperiment({ name: 'churn' });
    const run = await tracking.createRun({
      experimentId,
      runName: 'train-rf',
      tags: [
        { key: 'mlflow.source.git.commit', value: 'a1b2c3d' },
        { key: 'mlflow.source.name', value: 'train.py' },
        { key: 'mlflow.source.type', value: 'LOCAL' },
        { key: 'mlflow.source.git.repoURL', value: 'https://git.example.com/ml/churn.git' },
      ],
    });
    trainRun = run.info.runId;
    await tracking.logBatch(trainRun, {
      params: [
        { key: 'n_estimators', value: '100' },
        { key: 'max_depth', value: '8' },
      ],
      metrics: [
        { key: 'accuracy', value: 0.81, timestamp: 1000, step: 0 },
        { key: 'accuracy', value: 0.93, timestamp: 2000, step: 1 },
        { key: 'loss', value: NaN, timestamp: 2000, step: 1 },
      ],
    });
    await tracking.logInputs(trainRun, {
      datasets: [
        { dataset: dataset('customers', 'd1'), tags: [{ key: 'mlflow.data.context', value: 'training' }] },
        { dataset: dataset('holdout', 'h9'), tags: [{ key: 'mlflow.data.context', value: 'eval' }] },
      ],
    });
    const logged = await tracking.createLoggedModel({
      experimentId,
      name: 'rf-model',
      sourceRunId: trainRun,
      params: [{ key: 'flavor', value: 'sklearn' }],
    });
    loggedModelId = logged.modelId;

    const second = await tracking.createRun({ experimentId, runName: 'retrain' });
    otherRun = second.info.runId;
    await tracking.logInputs(otherRun, {
      datasets: [{ dataset: dataset('customers', 'd2'), tags: [] }],
    });

    await registry.createRegisteredModel({ name: 'churn' });
    await registry.createRegisteredModel({ name: 'churn-lite' });
    await registry.createModelVersion({ name: 'churn', source: `runs:/${trainRun}/model` }); // 1
    await registry.createModelVersion({ name: 'churn', source: `models:/${loggedModelId}` }); // 2
    await registry.createModelVersion({ name: 'churn', source: `runs:/${otherRun}/model` }); // 3
    await registry.createModelVersion({ name: 'churn-lite', source: `runs:/${trainRun}/lite` }); // 1
    await registry.createModelVersion({ name: 'churn', source: 'mlflow-artifacts:/elsewhere/team/model' }); // 4
  });
  afterAll(async () => database.dispose());

  it('traces a version to its run: params, latest metrics, datasets with contexts, code version', async () => {
    const l = await lineage.modelVersion('churn', '1');
    expect(l.modelVersion).toMatchObject({
      name: 'churn',
      version: '1',
      source: `runs:/${trainRun}/model`,
      runId: trainRun,
      modelId: null,
      currentStage: 'None',
    });
    expect(l.modelVersion.storageLocation).toContain(trainRun);
    expect(l.loggedModel).toBeNull();
    const run = l.run;
    expect(run).not.toBeNull();
    expect(run?.runId).toBe(trainRun);
    expect(run?.experimentId).toBe(experimentId);
    expect(run?.runName).toBe('train-rf');
    expect(run?.params).toEqual([
      { key: 'max_depth', value: '8' },
      { key: 'n_estimators', value: '100' },
    ]);
    expect(run?.metrics.map((m) => [m.key, m.step])).toEqual([
      ['accuracy', 1],
      ['loss', 1],
    ]);
    expect(run?.metrics[0]?.value).toBe(0.93);
    expect(run?.metrics[1]?.value).toBeNaN();
    expect(run?.code).toEqual({
      gitCommit: 'a1b2c3d',
      gitBranch: null,
      repoUrl: 'https://git.example.com/ml/churn.git',
      sourceName: 'train.py',
      sourceType: 'LOCAL',
    });
    expect(run?.datasets).toEqual([
      { ...dataset('customers', 'd1'), context: 'training' },
      { ...dataset('holdout', 'h9'), context: 'eval' },
    ]);
  });

  it('traces a version registered from a logged model to the model and its source run', async () => {
    const l = await lineage.modelVersion('churn', '2');
    expect(l.modelVersion.modelId).toBe(loggedModelId);
    expect(l.loggedModel).toMatchObject({
      modelId: loggedModelId,
      name: 'rf-model',
      params: [{ key: 'flavor', value: 'sklearn' }],
    });
    expect(l.loggedModel?.artifactUri).toMatch(/^mlflow-artifacts:\//);
    expect(l.run?.runId).toBe(trainRun);
    expect(l.modelVersion.runId).toBe(trainRun);
  });

  it('follows the logged model when the version row has no run id', async () => {
    const churn = await database.handle.db
      .selectFrom('registered_models')
      .select('registered_model_id')
      .where('name', '=', 'churn')
      .executeTakeFirstOrThrow();
    await database.handle.db
      .updateTable('model_versions')
      .set({ run_id: null })
      .where('registered_model_id', '=', churn.registered_model_id)
      .where('version', '=', 2)
      .execute();
    const l = await lineage.modelVersion('churn', '2');
    expect(l.run?.runId).toBe(trainRun);
    expect(l.modelVersion.runId).toBe(trainRun);
    expect(await lineage.run(trainRun)).toEqual([
      { name: 'churn', version: '1' },
      { name: 'churn', version: '2' },
      { name: 'churn-lite', version: '1' },
    ]);
  });

  it('gives a null run for a version with no source run', async () => {
    const l = await lineage.modelVersion('churn', '4');
    expect(l.run).toBeNull();
    expect(l.loggedModel).toBeNull();
    expect(l.modelVersion.runId).toBeNull();
  });

  it('lists the versions that came from a run', async () => {
    expect(await lineage.run(otherRun)).toEqual([{ name: 'churn', version: '3' }]);
    const idle = await tracking.createRun({ experimentId });
    expect(await lineage.run(idle.info.runId)).toEqual([]);
  });

  it('lists the runs and versions that used a dataset, by digest or by name alone', async () => {
    expect(await lineage.dataset({ name: 'customers', digest: 'd1' })).toEqual({
      runs: [{ runId: trainRun, experimentId }],
      modelVersions: [
        { name: 'churn', version: '1' },
        { name: 'churn', version: '2' },
        { name: 'churn-lite', version: '1' },
      ],
    });
    const all = await lineage.dataset({ name: 'customers' });
    expect(all.runs.map((r) => r.runId).sort()).toEqual([trainRun, otherRun].sort());
    expect(all.modelVersions).toHaveLength(4);
    expect(await lineage.dataset({ name: 'customers', digest: 'nope' })).toEqual({
      runs: [],
      modelVersions: [],
    });
  });

  it('raises typed errors for unknown versions and runs and for a missing dataset name', async () => {
    expect(await codeOf(lineage.modelVersion('churn', '99'))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(await codeOf(lineage.modelVersion('ghost', '1'))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(await codeOf(lineage.modelVersion('churn', 'abc'))).toBe('INVALID_PARAMETER_VALUE');
    expect(await codeOf(lineage.run('f'.repeat(32)))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(await codeOf(lineage.run(''))).toBe('INVALID_PARAMETER_VALUE');
    expect(await codeOf(lineage.dataset({ name: '' }))).toBe('INVALID_PARAMETER_VALUE');
    expect(await codeOf(lineage.dataset({ name: 'x', digest: '' }))).toBe('INVALID_PARAMETER_VALUE');
  });
});
