import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { BosunError } from '../shared/errors.js';
import { createTrackingService, type TrackingService } from '../tracking/index.js';
import { findVersionsUsingArtifactPath, findVersionsUsingLocalPath } from './artifact-path-versions.js';
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

const notContained = (source: string, id: 'run_id' | 'model_id'): string =>
  `Invalid model version source: '${source}'. The ${id} request parameter must identify the resource that contains the source.`;

// Issue 10, finding 1: what MLflow's server accepts as a model version source, with Bosun's guarantees kept.
// Experiments here live in local folders (a server run with --no-serve-artifacts): one under the artifact store's
// folder (the destination), one outside it.
describe.each(testEngines)('model version sources, MLflow semantics, on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let destination: string;
  let outside: string;
  let tracking: TrackingService;
  let registry: RegistryService;
  let runId: string;
  let runRoot: string; // local folder of the run's artifacts, outside the store
  let storeRunId: string;
  let storeRunRoot: string; // local folder of a run's artifacts inside the store's folder
  let storeExperiment: string;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-mv-sources-'));
    destination = join(dir, 'store');
    outside = join(dir, 'outside');
    mkdirSync(destination, { recursive: true });
    mkdirSync(outside, { recursive: true });
    tracking = createTrackingService({ handle: database.handle, defaultArtifactRoot: outside });
    registry = createRegistryService({
      handle: database.handle,
      events: new CollectingEventSink(),
      tracking,
      artifactStore: { destination, served: false },
    });
    const experiment = await tracking.createExperiment({ name: 'outside' });
    const run = await tracking.createRun({ experimentId: experiment });
    runId = run.info.runId;
    runRoot = run.info.artifactUri;
    mkdirSync(join(runRoot, 'model'), { recursive: true });
    writeFileSync(join(runRoot, 'model', 'MLmodel'), 'flavors: {}\n');
    storeExperiment = await tracking.createExperiment({
      name: 'in-store',
      artifactLocation: join(destination, 'team'),
    });
    const storeRun = await tracking.createRun({ experimentId: storeExperiment });
    storeRunId = storeRun.info.runId;
    storeRunRoot = storeRun.info.artifactUri;
    mkdirSync(join(storeRunRoot, 'model'), { recursive: true });
    writeFileSync(join(storeRunRoot, 'model', 'MLmodel'), 'flavors: {}\n');
    await registry.createRegisteredModel({ name: 'm' });
  });
  afterAll(async () => {
    await database.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a bucket source of a run kept in the same bucket must lie in that run folder; other stores are kept', async () => {
    const experiment = await tracking.createExperiment({
      name: 'in-a-bucket',
      artifactLocation: 's3://shared/team',
    });
    const [mine, other] = [
      await tracking.createRun({ experimentId: experiment }),
      await tracking.createRun({ experimentId: experiment }),
    ];
    const root = mine.info.artifactUri;
    expect(root).toMatch(/^s3:\/\/shared\/team\//);
    const inside = await registry.createModelVersion({
      name: 'm',
      source: `${root}/model`,
      runId: mine.info.runId,
    });
    expect(inside.storageLocation).toBe(`${root}/model`);
    for (const source of [`${other.info.artifactUri}/model`, `${root}/a//b`, 's3://shared/team']) {
      expect(
        await failure(registry.createModelVersion({ name: 'm', source, runId: mine.info.runId })),
      ).toEqual({
        code: 'INVALID_PARAMETER_VALUE',
        message: notContained(source, 'run_id'),
      });
    }
    // '..' is refused in every source, whatever its scheme (before any run is looked at).
    const dots = await failure(
      registry.createModelVersion({ name: 'm', source: `${root}/../../escape`, runId: mine.info.runId }),
    );
    expect(dots.code).toBe('INVALID_PARAMETER_VALUE');
    const whole = await failure(
      registry.createModelVersion({ name: 'm', source: root, runId: mine.info.runId }),
    );
    expect(whole.code).toBe('INVALID_PARAMETER_VALUE');
    expect(whole.message).toContain('whole run');
    // Another store than the run's: MLflow accepts it, and so does Bosun (never read or scanned).
    const elsewhere = await registry.createModelVersion({
      name: 'm',
      source: 's3://elsewhere/model',
      runId: mine.info.runId,
    });
    expect(elsewhere.storageLocation).toBe('s3://elsewhere/model');
  });

  it('registers runs:/ sources of runs it does not have, when run_id names the same run', async () => {
    const withId = await registry.createModelVersion({
      name: 'm',
      source: 'runs:/run_id/model',
      runId: 'run_id',
    });
    expect(withId).toMatchObject({ runId: 'run_id', source: 'runs:/run_id/model' });
    expect(await registry.getModelVersionDownloadUri('m', withId.version)).toBe('runs:/run_id/model');
    const withoutId = await registry.createModelVersion({ name: 'm', source: 'runs:/abc123/a/b/c' });
    expect(withoutId).toMatchObject({ runId: 'abc123', storageLocation: 'runs:/abc123/a/b/c' });

    const mismatch = 'runs:/run_id/model';
    expect(
      await failure(registry.createModelVersion({ name: 'm', source: mismatch, runId: 'run_id_1' })),
    ).toEqual({
      code: 'INVALID_PARAMETER_VALUE',
      message: notContained(mismatch, 'run_id'),
    });
    expect(
      await failure(
        registry.createModelVersion({ name: 'm', source: `runs:/${runId}/model`, modelId: 'm-1' }),
      ),
    ).toEqual({ code: 'INVALID_PARAMETER_VALUE', message: notContained(`runs:/${runId}/model`, 'model_id') });
  });

  it('registers a local path or file:// URI inside the run artifact folder, stored at its real path', async () => {
    const expected = pathToFileURL(join(runRoot, 'model')).href;
    for (const source of [
      join(runRoot, 'model'),
      `${join(runRoot, 'model')}/`,
      pathToFileURL(join(runRoot, 'model')).href,
      `file://localhost${join(runRoot, 'model')}`,
      `${runRoot}/other/../model`,
      `${runRoot}/%6dodel`,
      `${runRoot}/./model`,
    ]) {
      const version = await registry.createModelVersion({ name: 'm', source, runId });
      expect(version, source).toMatchObject({ source, runId, storageLocation: expected });
      expect(await registry.getModelVersionDownloadUri('m', version.version)).toBe(expected);
    }
    // A folder not created yet (MLflow resolves what exists and keeps the rest).
    const later = await registry.createModelVersion({ name: 'm', source: `${runRoot}/not/yet`, runId });
    expect(later.storageLocation).toBe(pathToFileURL(join(runRoot, 'not', 'yet')).href);
  });

  it('refuses local sources outside the run folder, after resolving .., encodings and symlinks', async () => {
    const other = await tracking.createRun({
      experimentId: (await tracking.getRun(runId)).info.experimentId,
    });
    mkdirSync(join(runRoot, 'links'), { recursive: true });
    symlinkSync(outside, join(runRoot, 'links', 'out'));
    symlinkSync(join(other.info.artifactUri), join(runRoot, 'links', 'sibling'));
    const local =
      `Invalid model version source: '%s'. To use a local path as a model version source, the run_id request ` +
      'parameter has to be specified and the local path has to be contained within the artifact directory of the ' +
      'run specified by the run_id.';
    const refused = [
      `${runRoot}/../../etc`,
      `${runRoot}/model/../../..`,
      `${runRoot}/%2e%2e/%2e%2e/x`,
      `file://${runRoot}/../x`,
      `${runRoot}/links/out/x`,
      `${runRoot}/links/sibling/model`,
      `${other.info.artifactUri}/model`,
      '/etc/passwd',
      dir,
    ];
    for (const source of refused) {
      expect(await failure(registry.createModelVersion({ name: 'm', source, runId })), source).toEqual({
        code: 'INVALID_PARAMETER_VALUE',
        message: local.replace('%s', source),
      });
    }
    // The run's whole artifact folder would be every file of the run.
    for (const source of [runRoot, `${runRoot}/`, pathToFileURL(runRoot).href, `${runRoot}/model/..`]) {
      const result = await failure(registry.createModelVersion({ name: 'm', source, runId }));
      expect(result.code, source).toBe('INVALID_PARAMETER_VALUE');
      expect(result.message, source).toMatch(/A whole run cannot be a source/);
    }
    // Without run_id, with a run that does not exist, or with another host: refused.
    const inside = join(runRoot, 'model');
    expect(await failure(registry.createModelVersion({ name: 'm', source: inside }))).toEqual({
      code: 'INVALID_PARAMETER_VALUE',
      message: local.replace('%s', inside),
    });
    expect(
      await failure(registry.createModelVersion({ name: 'm', source: inside, runId: 'nosuchrun' })),
    ).toEqual({ code: 'INVALID_PARAMETER_VALUE', message: notContained(inside, 'run_id') });
    for (const source of [`file://elsewhere${inside}`, 'model', './model', `//host${inside}`, 'C:/model']) {
      const result = await failure(registry.createModelVersion({ name: 'm', source, runId }));
      expect(result.code, source).toBe('INVALID_PARAMETER_VALUE');
      expect(result.message, source).toMatch(/^Invalid model version source/);
    }
  });

  it('registers a local source inside a logged model folder with its model_id', async () => {
    const experimentId = (await tracking.getRun(runId)).info.experimentId;
    const model = await tracking.createLoggedModel({ experimentId, name: 'lm', sourceRunId: runId });
    const another = await tracking.createLoggedModel({ experimentId, name: 'lm2' });
    mkdirSync(model.artifactUri, { recursive: true });
    const version = await registry.createModelVersion({
      name: 'm',
      source: pathToFileURL(model.artifactUri).href,
      modelId: model.modelId,
    });
    expect(version).toMatchObject({
      modelId: model.modelId,
      runId,
      storageLocation: pathToFileURL(model.artifactUri).href,
    });
    const result = await failure(
      registry.createModelVersion({ name: 'm', source: another.artifactUri, modelId: model.modelId }),
    );
    expect(result.code).toBe('INVALID_PARAMETER_VALUE');
    expect(result.message).toMatch(/the model_id request parameter has to be specified/);
  });

  it('keeps a local source inside the artifact store in the store: guarded, scannable, readable by clients', async () => {
    const source = join(storeRunRoot, 'model');
    const version = await registry.createModelVersion({ name: 'm', source, runId: storeRunId });
    const storePath = source.slice(destination.length + 1);
    expect(version.storageLocation).toBe(`mlflow-artifacts:/${storePath}`);
    // The artifact proxy's immutability check sees it, by its store path.
    const guarding = await findVersionsUsingArtifactPath(database.handle.db, `${storePath}/MLmodel`, 'write');
    expect(guarding.map((v) => v.version)).toContain(Number(version.version));
    // The server does not serve artifacts here: clients get the folder itself.
    expect(await registry.getModelVersionDownloadUri('m', version.version)).toBe(source);
    // runs:/ of the same run lands on the same location.
    const fromRun = await registry.createModelVersion({ name: 'm', source: `runs:/${storeRunId}/model` });
    expect(fromRun.storageLocation).toBe(`mlflow-artifacts:/${storePath}`);
    // And the whole run folder stays refused, as for mlflow-artifacts:/ sources.
    expect(
      (await failure(registry.createModelVersion({ name: 'm', source: storeRunRoot, runId: storeRunId })))
        .message,
    ).toMatch(/A whole run cannot be a source/);
  });

  it('finds the versions a write at a local path would change, however the path is spelt', async () => {
    const version = await registry.createModelVersion({ name: 'm', source: join(runRoot, 'model'), runId });
    symlinkSync(runRoot, join(dir, 'alias'));
    const versionsAt = async (path: string, change: 'write' | 'delete', store?: string): Promise<string[]> =>
      (await findVersionsUsingLocalPath(database.handle.db, path, change, store))
        .filter((v) => v.name === 'm')
        .map((v) => String(v.version));
    expect(await versionsAt(join(runRoot, 'model', 'MLmodel'), 'write')).toContain(version.version);
    expect(await versionsAt(join(dir, 'alias', 'model', 'new-file'), 'write')).toContain(version.version);
    expect(await versionsAt(runRoot, 'delete')).toContain(version.version);
    expect(await versionsAt(runRoot, 'write')).not.toContain(version.version);
    expect(await versionsAt(join(runRoot, 'model-2', 'x'), 'write')).not.toContain(version.version);
    // In the store's folder: versions recorded as mlflow-artifacts:/ are found by their local path too.
    const inStore = await registry.createModelVersion({
      name: 'm',
      source: `runs:/${storeRunId}/model`,
    });
    const storeFile = join(storeRunRoot, 'model', 'MLmodel');
    expect(await versionsAt(storeFile, 'write', destination)).toContain(inStore.version);
    expect(await versionsAt(storeFile, 'write')).not.toContain(inStore.version);
  });

  it('registers runs:/ sources of runs kept in local folders (no longer refused)', async () => {
    const version = await registry.createModelVersion({ name: 'm', source: `runs:/${runId}/model`, runId });
    expect(version.storageLocation).toBe(pathToFileURL(join(runRoot, 'model')).href);
  });

  it('checks that an mlflow-artifacts:/ source lies in the run or logged model named with it', async () => {
    const served = createTrackingService({
      handle: database.handle,
      defaultArtifactRoot: 'mlflow-artifacts:/',
    });
    const proxied = await served.createExperiment({ name: 'proxied' });
    const proxiedRun = await served.createRun({ experimentId: proxied });
    const source = `${proxiedRun.info.artifactUri}/model`;
    const ok = await registry.createModelVersion({ name: 'm', source, runId: proxiedRun.info.runId });
    expect(ok.storageLocation).toBe(source);
    expect(await failure(registry.createModelVersion({ name: 'm', source, runId }))).toEqual({
      code: 'INVALID_PARAMETER_VALUE',
      message: notContained(source, 'run_id'),
    });
    expect(await failure(registry.createModelVersion({ name: 'm', source, runId: 'nosuchrun' }))).toEqual({
      code: 'INVALID_PARAMETER_VALUE',
      message: notContained(source, 'run_id'),
    });
    // Without a run id, as before (Bosun does not require one).
    expect((await registry.createModelVersion({ name: 'm', source })).storageLocation).toBe(source);
  });

  it('refuses a run_id or model_id that contradicts a models:/<name>/<version> source', async () => {
    await registry.createRegisteredModel({ name: 'copied' });
    const original = await registry.createModelVersion({
      name: 'copied',
      source: `runs:/${runId}/model`,
      runId,
    });
    const source = `models:/copied/${original.version}`;
    const copy = await registry.createModelVersion({ name: 'copied', source, runId });
    expect(copy).toMatchObject({ runId, storageLocation: original.storageLocation });
    expect(
      await failure(registry.createModelVersion({ name: 'copied', source, runId: 'someone_else' })),
    ).toEqual({
      code: 'INVALID_PARAMETER_VALUE',
      message: `Invalid model version source: '${source}'. The run_id and model_id request parameters must match the referenced model version.`,
    });
  });
});
