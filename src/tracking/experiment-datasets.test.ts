import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { BosunError } from '../shared/errors.js';
import { createTrackingService } from './tracking-service.js';
import type { TrackingService } from './tracking-service-contract.js';
import type { DatasetInput } from './types.js';

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BosunError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'no error';
}

function input(name: string, digest: string, context?: string): DatasetInput {
  return {
    dataset: { name, digest, sourceType: 'local', source: `/data/${name}` },
    tags: context === undefined ? [] : [{ key: 'mlflow.data.context', value: context }],
  };
}

describe.each(testEngines)('dataset summaries of experiments (search-datasets), on %s', (engine) => {
  let database: TestDatabase;
  let tracking: TrackingService;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    tracking = createTrackingService({ handle: database.handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
  });
  afterAll(async () => database.dispose());

  it('lists each dataset an experiment’s runs used once per context, with MLflow’s fields', async () => {
    const first = await tracking.createExperiment({ name: `datasets-a-${engine}` });
    const second = await tracking.createExperiment({ name: `datasets-b-${engine}` });
    const r1 = await tracking.createRun({ experimentId: first });
    const r2 = await tracking.createRun({ experimentId: first });
    const r3 = await tracking.createRun({ experimentId: second });
    await tracking.logInputs(r1.info.runId, { datasets: [input('name1', 'digest1', 'training')] });
    await tracking.logInputs(r2.info.runId, {
      datasets: [input('name1', 'digest1', 'training'), input('name2', 'digest2')],
    });
    await tracking.logInputs(r3.info.runId, { datasets: [input('name1', 'digest1', 'eval')] });

    expect(await tracking.searchDatasetSummaries({ experimentIds: [first] })).toEqual([
      { experimentId: first, name: 'name1', digest: 'digest1', context: 'training' },
      { experimentId: first, name: 'name2', digest: 'digest2' },
    ]);
    expect(await tracking.searchDatasetSummaries({ experimentIds: [second, first] })).toEqual([
      { experimentId: first, name: 'name1', digest: 'digest1', context: 'training' },
      { experimentId: first, name: 'name2', digest: 'digest2' },
      { experimentId: second, name: 'name1', digest: 'digest1', context: 'eval' },
    ]);
    expect(await tracking.searchDatasetSummaries({ experimentIds: ['0'] })).toEqual([]);
  });

  it('refuses requests MLflow refuses, with its messages', async () => {
    expect(await failure(tracking.searchDatasetSummaries({ experimentIds: [] }))).toBe(
      'INVALID_PARAMETER_VALUE: SearchDatasets request must specify at least one experiment_id.',
    );
    expect(
      await failure(
        tracking.searchDatasetSummaries({ experimentIds: Array.from({ length: 21 }, (_, i) => `id_${i}`) }),
      ),
    ).toBe(
      'INVALID_PARAMETER_VALUE: SearchDatasets request cannot specify more than 20 experiment_ids. Received 21 experiment_ids.',
    );
    expect(await failure(tracking.searchDatasetSummaries({ experimentIds: ['01'] }))).toMatch(
      /^INVALID_PARAMETER_VALUE: Invalid value '01' for parameter 'experiment_ids'/,
    );
  });

  it('searches only the experiments the caller may read', async () => {
    const mine = await tracking.createExperiment({ name: `datasets-mine-${engine}` });
    const theirs = await tracking.createExperiment({ name: `datasets-theirs-${engine}` });
    for (const experimentId of [mine, theirs]) {
      const run = await tracking.createRun({ experimentId });
      await tracking.logInputs(run.info.runId, { datasets: [input(`d-${experimentId}`, 'x', 'training')] });
    }
    const visible = await tracking.searchDatasetSummaries({
      experimentIds: [mine, theirs],
      visibility: { kind: 'except', resources: [theirs] },
    });
    expect(visible.map((s) => s.experimentId)).toEqual([mine]);
    const none = await tracking.searchDatasetSummaries({
      experimentIds: [theirs],
      visibility: { kind: 'only', resources: [mine] },
    });
    expect(none).toEqual([]);
  });
});
