import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { BosunError } from '../shared/errors.js';
import { createTrackingService, type TrackingService } from '../tracking/index.js';
import { createRegistryService } from './registry-service.js';
import type { RegistryService } from './registry-service-contract.js';
import { CollectingEventSink } from './test-support/collecting-event-sink.js';

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BosunError) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'no error', message: '' };
}

// Registering a folder freezes every file below it (the artifact proxy refuses changes to registered files), so a
// version may not be a whole experiment or run: only a model's folder inside one.
describe.each(testEngines)('model version sources that name a whole experiment or run, on %s', (engine) => {
  let database: TestDatabase;
  let tracking: TrackingService;
  let registry: RegistryService;
  let experiment: string;
  let runId: string;
  let runRoot: string;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    tracking = createTrackingService({ handle: database.handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
    registry = createRegistryService({
      handle: database.handle,
      events: new CollectingEventSink(),
      tracking,
    });
    experiment = await tracking.createExperiment({ name: 'folders' });
    const run = await tracking.createRun({ experimentId: experiment });
    runId = run.info.runId;
    runRoot = run.info.artifactUri.replace(/\/artifacts$/, '');
    await registry.createRegisteredModel({ name: 'churn' });
  });
  afterAll(async () => database.dispose());

  it('refuses the store root, the experiment folder, the run folder and the run artifacts root', async () => {
    const sources = [
      'mlflow-artifacts:/',
      `mlflow-artifacts:/${experiment}`,
      `mlflow-artifacts:/${experiment}/`,
      runRoot,
      `${runRoot}/artifacts`,
      `${runRoot}/artifacts/`,
      `runs:/${runId}`,
      `runs:/${runId}/`,
    ];
    for (const source of sources) {
      const result = await failure(registry.createModelVersion({ name: 'churn', source }));
      expect(result.code, source).toBe('INVALID_PARAMETER_VALUE');
      expect(result.message, source).toMatch(/cannot be a source/);
    }
    expect((await registry.getRegisteredModel('churn')).latestVersions ?? []).toEqual([]);
  });

  it("registers a model's folder inside the run, by every form the mlflow client uses", async () => {
    const logged = await tracking.createLoggedModel({ experimentId: experiment, name: 'lm' });
    const fromRun = await registry.createModelVersion({ name: 'churn', source: `runs:/${runId}/model` });
    expect(fromRun.version).toBe('1');
    const fromStore = await registry.createModelVersion({
      name: 'churn',
      source: `${runRoot}/artifacts/model`,
    });
    expect(fromStore.version).toBe('2');
    const fromLogged = await registry.createModelVersion({
      name: 'churn',
      source: `models:/${logged.modelId}`,
    });
    expect(fromLogged.version).toBe('3');
  });
});
