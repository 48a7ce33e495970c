import { describe, expect, it } from 'vitest';
import { testEngines } from '../db/test-support/test-databases.js';
import { BosunError } from '../shared/errors.js';
import { trackingExperiment } from './test-support/tracking-experiment.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BosunError) return error.code;
    throw error;
  }
  return 'no error';
}

// `runs/log-inputs {models: [{model_id}]}`: the logged models a run used (MLflow 3's `inputs.model_inputs`).
describe.each(testEngines)('run model inputs on %s', (engine) => {
  const fixture = trackingExperiment(engine, 'model-inputs');

  it('stores the models a run used and returns them with the run, once each, in logging order', async () => {
    const { tracking, experimentId } = fixture;
    const run = await tracking.createRun({ experimentId });
    const runId = run.info.runId;
    const first = await tracking.createLoggedModel({ experimentId, name: 'first' });
    const second = await tracking.createLoggedModel({ experimentId, name: 'second' });
    expect((await tracking.getRun(runId)).inputs.modelInputs).toEqual([]);

    await tracking.logInputs(runId, { models: [{ modelId: second.modelId }] });
    await tracking.logInputs(runId, {
      models: [{ modelId: first.modelId }, { modelId: second.modelId }],
    });
    const expected = [{ modelId: second.modelId }, { modelId: first.modelId }];
    expect((await tracking.getRun(runId)).inputs.modelInputs).toEqual(expected);

    // Datasets and models in one call, and search returns the same run.
    await tracking.logInputs(runId, {
      datasets: [
        {
          dataset: { name: 'train', digest: 'abc', sourceType: 'local', source: '{}' },
          tags: [],
        },
      ],
      models: [],
    });
    const loaded = await tracking.getRun(runId);
    expect(loaded.inputs.datasetInputs.map((d) => d.dataset.name)).toEqual(['train']);
    expect(loaded.inputs.modelInputs).toEqual(expected);
    const searched = await tracking.searchRuns({ experimentIds: [experimentId] });
    expect(searched.items.find((r) => r.info.runId === runId)?.inputs.modelInputs).toEqual(expected);
  });

  it('records a model id it does not know, as MLflow does, and keeps runs apart', async () => {
    const { tracking, experimentId } = fixture;
    const a = await tracking.createRun({ experimentId });
    const b = await tracking.createRun({ experimentId });
    await tracking.logInputs(a.info.runId, { models: [{ modelId: 'm-unknown' }] });
    expect((await tracking.getRun(a.info.runId)).inputs.modelInputs).toEqual([{ modelId: 'm-unknown' }]);
    expect((await tracking.getRun(b.info.runId)).inputs.modelInputs).toEqual([]);
  });

  it('refuses malformed model ids and inputs to finished-and-deleted runs', async () => {
    const { tracking, experimentId } = fixture;
    const run = await tracking.createRun({ experimentId });
    expect(await codeOf(tracking.logInputs(run.info.runId, { models: [{ modelId: 'm/../x' }] }))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect(await codeOf(tracking.logInputs(run.info.runId, { models: [{ modelId: '' }] }))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    await tracking.deleteRun(run.info.runId);
    expect(await codeOf(tracking.logInputs(run.info.runId, { models: [{ modelId: 'm-1' }] }))).not.toBe(
      'no error',
    );
    expect((await tracking.getRun(run.info.runId)).inputs.modelInputs).toEqual([]);
  });
});
