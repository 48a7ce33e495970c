import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { createTrackingService, type TrackingService } from '../tracking/index.js';
import { pythonJsonDumps } from '../tracking/tracking-commands.js';
import { createRegistryService } from './registry-service.js';
import type { RegistryService } from './registry-service-contract.js';
import { CollectingEventSink } from './test-support/collecting-event-sink.js';

// Issue 10 (MLflow's test_create_model_version_model_id): a version created with a model_id is listed in the
// logged model's `mlflow.modelVersions` tag, spelt as MLflow's server writes it (Python's json.dumps).
describe.each(testEngines)('mlflow.modelVersions tag of logged models, on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let tracking: TrackingService;
  let registry: RegistryService;
  let experimentId: string;

  const tagOf = async (modelId: string): Promise<string | undefined> =>
    (await tracking.getLoggedModel(modelId, { allowDeleted: true })).tags.find(
      (t) => t.key === 'mlflow.modelVersions',
    )?.value;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-mv-tag-'));
    tracking = createTrackingService({ handle: database.handle, defaultArtifactRoot: dir });
    registry = createRegistryService({
      handle: database.handle,
      events: new CollectingEventSink(),
      tracking,
    });
    experimentId = await tracking.createExperiment({ name: 'tagged' });
    await registry.createRegisteredModel({ name: 'model' });
    await registry.createRegisteredModel({ name: 'other "é"' });
  });
  afterAll(async () => {
    await database.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists each version created with model_id, appended in order', async () => {
    const model = await tracking.createLoggedModel({ experimentId, name: 'lm' });
    const first = await registry.createModelVersion({
      name: 'model',
      source: model.artifactUri,
      modelId: model.modelId,
    });
    expect(first.version).toBe('1');
    expect(await tagOf(model.modelId)).toBe('[{"name": "model", "version": 1}]');
    await registry.createModelVersion({ name: 'model', source: model.artifactUri, modelId: model.modelId });
    await registry.createModelVersion({
      name: 'other "é"',
      source: model.artifactUri,
      modelId: model.modelId,
    });
    expect(await tagOf(model.modelId)).toBe(
      '[{"name": "model", "version": 1}, {"name": "model", "version": 2}, ' +
        '{"name": "other \\"\\u00e9\\"", "version": 1}]',
    );
  });

  it('lists versions registered from models:/<model_id>', async () => {
    const model = await tracking.createLoggedModel({ experimentId, name: 'by-uri' });
    const created = await registry.createModelVersion({ name: 'model', source: `models:/${model.modelId}` });
    expect(created.modelId).toBe(model.modelId);
    expect(await tagOf(model.modelId)).toBe(`[{"name": "model", "version": ${created.version}}]`);
  });

  it('leaves versions without a model_id, and deleted logged models, untagged', async () => {
    const plain = await tracking.createLoggedModel({ experimentId, name: 'plain' });
    await registry.createModelVersion({ name: 'model', source: 's3://bucket/elsewhere' });
    expect(await tagOf(plain.modelId)).toBeUndefined();
    const gone = await tracking.createLoggedModel({ experimentId, name: 'gone' });
    await tracking.deleteLoggedModel(gone.modelId);
    await expect(
      registry.createModelVersion({ name: 'model', source: gone.artifactUri, modelId: gone.modelId }),
    ).rejects.toThrow();
    expect(await tagOf(gone.modelId)).toBeUndefined();
  });
});

describe('pythonJsonDumps', () => {
  it('writes what json.dumps writes with default separators and ensure_ascii', () => {
    expect(pythonJsonDumps([{ name: 'a\nb\u007f€', version: 3 }, null, true, 'x'])).toBe(
      '[{"name": "a\\nb\\u007f\\u20ac", "version": 3}, null, true, "x"]',
    );
  });
});
