import { describe, expect, it } from 'vitest';
import { testEngines } from '../db/test-support/test-databases.js';
import { BosunError } from '../shared/errors.js';
import { trackingExperiment } from './test-support/tracking-experiment.js';
import type { Metric } from './types.js';

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BosunError) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'no error', message: '' };
}

const onDataset = (key: string, value: number, modelId: string, name: string, digest: string): Metric => ({
  key,
  value,
  timestamp: 1000,
  step: 0,
  modelId,
  datasetName: name,
  datasetDigest: digest,
});

// MLflow 3's logged models, as MLflow's own server treats them (issue 10, finding 2).
describe.each(testEngines)('logged models on %s', (engine) => {
  const fixture = trackingExperiment(engine, 'logged-models');

  it('records a source run id it does not know (MLflow checks no run)', async () => {
    const { tracking, experimentId } = fixture;
    const model = await tracking.createLoggedModel({ experimentId, name: 'm', sourceRunId: '123' });
    expect(model.sourceRunId).toBe('123');
    expect((await tracking.getLoggedModel(model.modelId)).sourceRunId).toBe('123');
    // The id is still checked for its one spelling.
    expect((await failure(tracking.createLoggedModel({ experimentId, sourceRunId: 'a/b' }))).code).toBe(
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('hides a deleted model from get (unless deleted ones are asked for) and from search', async () => {
    const { tracking, experimentId } = fixture;
    const model = await tracking.createLoggedModel({ experimentId, name: 'to-delete' });
    await tracking.deleteLoggedModel(model.modelId);
    expect(await failure(tracking.getLoggedModel(model.modelId))).toEqual({
      code: 'RESOURCE_DOES_NOT_EXIST',
      message: `Logged model with ID '${model.modelId}' not found.`,
    });
    const deleted = await tracking.getLoggedModel(model.modelId, { allowDeleted: true });
    expect(deleted).toMatchObject({ modelId: model.modelId, lifecycleStage: 'deleted' });
    const found = await tracking.searchLoggedModels({ experimentIds: [experimentId] });
    expect(found.items.map((m) => m.modelId)).not.toContain(model.modelId);
    // As in MLflow, the model's own routes still find it (deleting twice, tagging), and a model never created
    // stays a 404.
    await tracking.deleteLoggedModel(model.modelId);
    await tracking.setLoggedModelTags(model.modelId, [{ key: 'k', value: 'v' }]);
    expect((await failure(tracking.getLoggedModel('m-00000000000000000000000000000000'))).code).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('searches by datasets: a model matches when it has a metric on one of them', async () => {
    const { tracking } = fixture;
    const exp = await tracking.createExperiment({ name: 'by-dataset' });
    const run = await tracking.createRun({ experimentId: exp });
    const runId = run.info.runId;
    const [a, b, c, d] = await Promise.all(
      ['a', 'b', 'c', 'd'].map((name) => tracking.createLoggedModel({ experimentId: exp, name })),
    );
    await tracking.logBatch(runId, {
      metrics: [
        onDataset('acc', 0.9, a!.modelId, 'train', 'd1'),
        onDataset('acc', 0.5, b!.modelId, 'train', 'd2'),
        onDataset('acc', 0.7, c!.modelId, 'test', 'd3'),
        { key: 'acc', value: 0.99, timestamp: 1000, step: 0, modelId: d!.modelId },
      ],
    });
    const names = async (
      datasets: { datasetName: string; datasetDigest?: string }[],
      filter?: string,
    ): Promise<string[]> =>
      (
        await tracking.searchLoggedModels({
          experimentIds: [exp],
          datasets,
          ...(filter !== undefined ? { filter } : {}),
          orderBy: [{ fieldName: 'name' }],
        })
      ).items.map((m) => m.name);

    expect(await names([])).toEqual(['a', 'b', 'c', 'd']);
    expect(await names([{ datasetName: 'train' }])).toEqual(['a', 'b']);
    expect(await names([{ datasetName: 'train', datasetDigest: 'd2' }])).toEqual(['b']);
    expect(await names([{ datasetName: 'train', datasetDigest: 'nope' }])).toEqual([]);
    expect(await names([{ datasetName: 'train', datasetDigest: 'd1' }, { datasetName: 'test' }])).toEqual([
      'a',
      'c',
    ]);
    // With a metric filter, the metric is compared on the named datasets only.
    expect(await names([{ datasetName: 'train' }], 'metrics.acc > 0.6')).toEqual(['a']);
    expect(await names([{ datasetName: 'test' }], 'metrics.acc > 0.6')).toEqual(['c']);
    expect(await names([], 'metrics.acc > 0.6')).toEqual(['a', 'c', 'd']);
    // MLflow's rule: every entry names its dataset.
    expect(
      await failure(tracking.searchLoggedModels({ experimentIds: [exp], datasets: [{ datasetName: '' }] })),
    ).toEqual({
      code: 'INVALID_PARAMETER_VALUE',
      message: '`dataset_name` in the `datasets` clause must be specified.',
    });
  });
});
