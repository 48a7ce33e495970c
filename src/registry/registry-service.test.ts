import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { BosunError } from '../shared/errors.js';
import { createTrackingService } from '../tracking/index.js';
import type { TrackingService } from '../tracking/index.js';
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

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return (await failure(promise)).code;
}

describe.each(testEngines)('registry service on %s', (engine) => {
  let database: TestDatabase;
  let tracking: TrackingService;
  let registry: RegistryService;
  let events: CollectingEventSink;
  let runId: string;
  let runArtifacts: string;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    tracking = createTrackingService({ handle: database.handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
    events = new CollectingEventSink();
    registry = createRegistryService({ handle: database.handle, events, tracking });
    const run = await tracking.createRun({ experimentId: '0' });
    runId = run.info.runId;
    runArtifacts = run.info.artifactUri;
  });
  afterAll(async () => database.dispose());

  it('creates, reads, renames, updates and deletes registered models, recording each change', async () => {
    const created = await registry.createRegisteredModel({
      name: 'rf',
      description: 'random forest',
      tags: [{ key: 'team', value: 'ml' }],
    });
    expect(created).toMatchObject({
      name: 'rf',
      description: 'random forest',
      tags: [{ key: 'team', value: 'ml' }],
      aliases: [],
      latestVersions: [],
    });
    expect(created.creationTimestamp).toBeGreaterThan(0);
    expect(await failure(registry.createRegisteredModel({ name: 'rf' }))).toEqual({
      code: 'RESOURCE_ALREADY_EXISTS',
      message: 'Registered Model (name=rf) already exists.',
    });
    expect(await failure(registry.getRegisteredModel('nope'))).toEqual({
      code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Registered Model with name=nope not found',
    });
    expect(await codeOf(registry.createRegisteredModel({ name: 'a/b' }))).toBe('INVALID_PARAMETER_VALUE');
    expect(await codeOf(registry.createRegisteredModel({ name: '  ' }))).toBe('INVALID_PARAMETER_VALUE');

    await registry.createModelVersion({ name: 'rf', source: `runs:/${runId}/model` });
    const renamed = await registry.renameRegisteredModel('rf', 'rf2');
    expect(renamed.name).toBe('rf2');
    expect(renamed.latestVersions.map((v) => [v.name, v.version])).toEqual([['rf2', '1']]);
    expect(await codeOf(registry.getRegisteredModel('rf'))).toBe('RESOURCE_DOES_NOT_EXIST');
    await registry.createRegisteredModel({ name: 'other' });
    expect(await codeOf(registry.renameRegisteredModel('rf2', 'other'))).toBe('RESOURCE_ALREADY_EXISTS');

    expect((await registry.updateRegisteredModel('rf2', 'v2 text')).description).toBe('v2 text');
    await registry.setRegisteredModelTag('rf2', 'owner', 'ana');
    await registry.deleteRegisteredModelTag('rf2', 'team');
    await registry.deleteRegisteredModelTag('rf2', 'absent');
    expect((await registry.getRegisteredModel('rf2')).tags).toEqual([{ key: 'owner', value: 'ana' }]);

    await registry.deleteRegisteredModel('rf2');
    expect(await codeOf(registry.getRegisteredModel('rf2'))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(await codeOf(registry.getModelVersion('rf2', '1'))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(events.summary('rf')).toEqual(['registered_model.created', 'model_version.created@1']);
    expect(events.summary('rf2')).toEqual([
      'registered_model.renamed',
      'registered_model.updated',
      'tag.set',
      'tag.deleted',
      'registered_model.deleted',
    ]);
  });

  it('creates versions from runs:/, models:/m-... and mlflow-artifacts:/ sources with canonical locations', async () => {
    await registry.createRegisteredModel({ name: 'sources' });
    const fromRun = await registry.createModelVersion({
      name: 'sources',
      source: `runs:/${runId}/model`,
      tags: [{ key: 'k', value: 'v' }],
      description: 'first',
    });
    expect(fromRun).toMatchObject({
      name: 'sources',
      version: '1',
      status: 'READY',
      currentStage: 'None',
      runId,
      description: 'first',
      tags: [{ key: 'k', value: 'v' }],
      aliases: [],
      storageLocation: `${runArtifacts}/model`,
    });
    expect(await registry.getModelVersionDownloadUri('sources', '1')).toBe(`${runArtifacts}/model`);

    const logged = await tracking.createLoggedModel({ experimentId: '0', name: 'model', sourceRunId: runId });
    const fromModel = await registry.createModelVersion({
      name: 'sources',
      source: `models:/${logged.modelId}`,
      modelId: logged.modelId,
    });
    expect(fromModel).toMatchObject({
      version: '2',
      modelId: logged.modelId,
      runId,
      storageLocation: logged.artifactUri,
    });

    const fromStore = await registry.createModelVersion({
      name: 'sources',
      source: 'mlflow-artifacts://host:5000/0/abc/artifacts//model/',
    });
    expect(fromStore.storageLocation).toBe('mlflow-artifacts:/0/abc/artifacts/model');
    const fromVersion = await registry.createModelVersion({ name: 'sources', source: 'models:/sources/2' });
    expect(fromVersion).toMatchObject({ storageLocation: logged.artifactUri, modelId: logged.modelId });
    const remote = await registry.createModelVersion({ name: 'sources', source: 's3://bucket/models/rf' });
    expect(remote.storageLocation).toBe('s3://bucket/models/rf');

    expect(await codeOf(registry.createModelVersion({ name: 'absent', source: `runs:/${runId}/m` }))).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );
    // A run this server does not have: MLflow registers it, so does Bosun, keeping the runs:/ URI as the location.
    expect(await registry.createModelVersion({ name: 'sources', source: 'runs:/0123abc/m' })).toMatchObject({
      runId: '0123abc',
      storageLocation: 'runs:/0123abc/m',
    });
    expect(await codeOf(registry.getModelVersion('sources', 'x'))).toBe('INVALID_PARAMETER_VALUE');
    expect(await failure(registry.getModelVersion('sources', '99'))).toEqual({
      code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Model Version (name=sources, version=99) not found',
    });
  });

  it('refuses unsafe sources whatever the tags say, and the model gets no version', async () => {
    await registry.createRegisteredModel({ name: 'evil' });
    const payloads = [
      '/etc',
      'file:///etc/',
      'file://./etc',
      '//proc/self/root',
      'C:\\Windows',
      'relative/path',
      'mlflow-artifacts://host:5000/../../../../',
      'mlflow-artifacts://host:5000/..%2f..%2f..%2f..%2f',
      'mlflow-artifacts:/models/%252e%252e/%252e%252e/x',
      'http://host:5000/api/2.0/mlflow-artifacts/artifacts/../../../../',
      'http://host:5000/api/2.0/mlflow-artifacts/artifacts%00',
      'mlflow-artifacts://host:9000/models/artifact%00',
      's3a://my_bucket/models/path/../../../../',
      'ftp://host:8888/models/../../../../',
      'dbfs:/run/artifacts/a%3f/../../../../',
      'mlflow-artifacts:/models;x=../../etc',
      'mlflow-artifacts:/models#/../../etc',
      'https://host/a?x=../../..',
      'mlflow-artifacts:/a\\..\\..\\etc',
      'gopher://host/x',
      'jar:file:/x!/y',
      `runs:/${'x'.repeat(3)}/../../etc`,
      'models:/name@champion',
      'mlflow-artifacts:/',
    ];
    for (const source of payloads) {
      for (const tags of [[], [{ key: 'mlflow.prompt.is_prompt', value: 'true' }]]) {
        const result = await failure(registry.createModelVersion({ name: 'evil', source, tags }));
        expect(result.code, source).toBe('INVALID_PARAMETER_VALUE');
        expect(result.message, source).toMatch(/^Invalid model version source|^Missing value/);
      }
    }
    // A run whose artifact location is a local folder (a server that does not proxy artifacts) is registered at
    // that folder, as a file:// location: clients read it there; the server never serves it.
    const direct = createTrackingService({ handle: database.handle, defaultArtifactRoot: '/srv' });
    const localExperiment = await direct.createExperiment({
      name: 'local-exp',
      artifactLocation: '/srv/x',
    });
    const localRun = await tracking.createRun({ experimentId: localExperiment });
    await registry.createRegisteredModel({ name: 'local-run' });
    expect(
      await registry.createModelVersion({ name: 'local-run', source: `runs:/${localRun.info.runId}/model` }),
    ).toMatchObject({ storageLocation: `file:///srv/x/${localRun.info.runId}/artifacts/model` });
    expect(await codeOf(registry.getModelVersionArtifactPath('local-run', '1', 'MLmodel'))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    // MLflow accepts these: `....` is not `..`, and empty segments collapse.
    const ok = await registry.createModelVersion({
      name: 'evil',
      source: 'mlflow-artifacts:/models/artifact/..../',
    });
    expect(ok.version).toBe('1');
    expect(
      (
        await registry.createModelVersion({
          name: 'evil',
          source: 'mlflow-artifacts:/0/r1/artifacts/models///',
        })
      ).version,
    ).toBe('2');
  });

  it('serves version files only from inside the artifact store', async () => {
    await registry.createRegisteredModel({ name: 'files' });
    await registry.createModelVersion({ name: 'files', source: 'mlflow-artifacts:/0/r1/artifacts/model' });
    await registry.createModelVersion({ name: 'files', source: 's3://bucket/model' });
    expect(await registry.getModelVersionArtifactPath('files', '1', 'MLmodel')).toBe(
      '0/r1/artifacts/model/MLmodel',
    );
    expect(await registry.getModelVersionArtifactPath('files', '1', 'sub/dir/x.pkl')).toBe(
      '0/r1/artifacts/model/sub/dir/x.pkl',
    );
    for (const path of [
      '../../../etc/passwd',
      '/etc/passwd',
      '%2e%2e/%2e%2e/x',
      'a/../../b',
      'a\\..\\b',
      '',
    ]) {
      expect(await codeOf(registry.getModelVersionArtifactPath('files', '1', path)), path).toBe(
        'INVALID_PARAMETER_VALUE',
      );
    }
    expect(await codeOf(registry.getModelVersionArtifactPath('files', '2', 'MLmodel'))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('sets, reads and removes aliases; deleting a version removes its aliases; numbers are never reused', async () => {
    await registry.createRegisteredModel({ name: 'aliased' });
    for (let i = 0; i < 3; i++)
      await registry.createModelVersion({ name: 'aliased', source: `runs:/${runId}/m` });
    await registry.setRegisteredModelAlias('aliased', 'champion', '2');
    await registry.setRegisteredModelAlias('aliased', 'challenger', '3');
    expect((await registry.getModelVersionByAlias('aliased', 'champion')).version).toBe('2');
    expect((await registry.getModelVersion('aliased', '2')).aliases).toEqual(['champion']);
    expect((await registry.getRegisteredModel('aliased')).aliases).toEqual([
      { alias: 'challenger', version: '3' },
      { alias: 'champion', version: '2' },
    ]);
    expect(await failure(registry.getModelVersionByAlias('aliased', 'missing'))).toEqual({
      code: 'INVALID_PARAMETER_VALUE',
      message: 'Registered model alias missing not found.',
    });
    expect(await codeOf(registry.setRegisteredModelAlias('aliased', 'latest', '1'))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect(await codeOf(registry.setRegisteredModelAlias('aliased', 'v1', '1'))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect(await codeOf(registry.setRegisteredModelAlias('aliased', 'bad alias', '1'))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect(await codeOf(registry.setRegisteredModelAlias('aliased', 'x', '9'))).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );
    expect((await registry.getModelVersionByAlias('aliased', 'latest')).version).toBe('3');

    await registry.setRegisteredModelAlias('aliased', 'champion', '3');
    await registry.deleteModelVersion('aliased', '3');
    expect((await registry.getRegisteredModel('aliased')).aliases).toEqual([]);
    await registry.deleteRegisteredModelAlias('aliased', 'champion');
    expect((await registry.createModelVersion({ name: 'aliased', source: `runs:/${runId}/m` })).version).toBe(
      '4',
    );
    expect(events.summary('aliased').slice(4)).toEqual([
      'alias.set@2',
      'alias.set@3',
      'alias.set@3',
      'alias.removed@3',
      'alias.removed@3',
      'model_version.deleted@3',
      'model_version.created@4',
    ]);
  });

  it('transitions stages (case-insensitive), archives existing versions and answers latest versions per stage', async () => {
    await registry.createRegisteredModel({ name: 'staged' });
    for (let i = 0; i < 4; i++)
      await registry.createModelVersion({ name: 'staged', source: `runs:/${runId}/m` });
    expect(
      (await registry.transitionModelVersionStage('staged', '1', 'production', false)).currentStage,
    ).toBe('Production');
    await registry.transitionModelVersionStage('staged', '2', 'STAGING', false);
    await registry.transitionModelVersionStage('staged', '3', 'Production', true);
    expect((await registry.getModelVersion('staged', '1')).currentStage).toBe('Archived');
    expect(await codeOf(registry.transitionModelVersionStage('staged', '4', 'Archived', true))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect(await codeOf(registry.transitionModelVersionStage('staged', '4', 'Prod', false))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    const latest = await registry.getLatestVersions('staged');
    expect(latest.map((v) => [v.version, v.currentStage])).toEqual([
      ['4', 'None'],
      ['2', 'Staging'],
      ['3', 'Production'],
      ['1', 'Archived'],
    ]);
    expect(
      (await registry.getLatestVersions('staged', ['production', 'None'])).map((v) => v.version),
    ).toEqual(['4', '3']);
    expect((await registry.getRegisteredModel('staged')).latestVersions).toHaveLength(4);
    expect(events.summary('staged').filter((e) => e.startsWith('model_version.stage_changed'))).toEqual([
      'model_version.stage_changed@1',
      'model_version.stage_changed@2',
      'model_version.stage_changed@3',
      'model_version.stage_changed@1',
    ]);
  });

  it('updates versions and their tags', async () => {
    await registry.createRegisteredModel({ name: 'tagged' });
    await registry.createModelVersion({ name: 'tagged', source: `runs:/${runId}/m` });
    expect((await registry.updateModelVersion('tagged', '1', 'better')).description).toBe('better');
    await registry.setModelVersionTag('tagged', '1', 'validated', 'yes');
    await registry.setModelVersionTag('tagged', '1', 'validated', 'twice');
    await registry.setModelVersionTag('tagged', '1', 'gone', 'x');
    await registry.deleteModelVersionTag('tagged', '1', 'gone');
    expect((await registry.getModelVersion('tagged', '1')).tags).toEqual([
      { key: 'validated', value: 'twice' },
    ]);
    expect(await codeOf(registry.setModelVersionTag('tagged', '1', '../x', 'v'))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('searches registered models and versions with filters, order and pages', async () => {
    for (const name of ['search-b', 'search-a', 'search-C']) {
      await registry.createRegisteredModel({ name, tags: [{ key: 'family', value: name.slice(-1) }] });
      await registry.createModelVersion({
        name,
        source: `runs:/${runId}/m`,
        tags: [{ key: 'n', value: '1' }],
      });
      await registry.createModelVersion({ name, source: 's3://bucket/x', tags: [{ key: 'n', value: '2' }] });
    }
    await registry.createRegisteredModel({
      name: 'search-prompt',
      tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }],
    });
    const names = async (filter: string, orderBy?: string[]) =>
      (await registry.searchRegisteredModels({ filter, ...(orderBy ? { orderBy } : {}) })).items.map(
        (m) => m.name,
      );
    expect(await names("name LIKE 'search-%'")).toEqual(['search-C', 'search-a', 'search-b']);
    expect(await names("name ILIKE 'SEARCH-c'")).toEqual(['search-C']);
    expect(await names("name = 'search-a'")).toEqual(['search-a']);
    expect(await names("tags.family = 'b'")).toEqual(['search-b']);
    expect(await names("name LIKE 'search-%'", ['name DESC'])).toEqual(['search-b', 'search-a', 'search-C']);
    expect(await names("tags.`mlflow.prompt.is_prompt` = 'true'")).toEqual(['search-prompt']);
    expect(await codeOf(registry.searchRegisteredModels({ filter: "run_id = 'x'" }))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect(await codeOf(registry.searchRegisteredModels({ filter: "name = 'a' OR name = 'b'" }))).toBe(
      'INVALID_PARAMETER_VALUE',
    );

    const first = await registry.searchRegisteredModels({ filter: "name LIKE 'search-%'", maxResults: 2 });
    expect(first.items.map((m) => m.name)).toEqual(['search-C', 'search-a']);
    const second = await registry.searchRegisteredModels({
      filter: "name LIKE 'search-%'",
      maxResults: 2,
      ...(first.nextPageToken ? { pageToken: first.nextPageToken } : {}),
    });
    expect(second.items.map((m) => m.name)).toEqual(['search-b']);
    expect(second.nextPageToken).toBeUndefined();

    const versions = async (filter: string, orderBy?: string[]) =>
      (await registry.searchModelVersions({ filter, ...(orderBy ? { orderBy } : {}) })).items.map(
        (v) => `${v.name}/${v.version}`,
      );
    expect(await versions("name = 'search-a'")).toEqual(['search-a/2', 'search-a/1']);
    expect(await versions("name = 'search-a' AND version_number >= 2")).toEqual(['search-a/2']);
    expect(await versions("name LIKE 'search-%' AND tags.n = '1'", ['name ASC'])).toEqual([
      'search-C/1',
      'search-a/1',
      'search-b/1',
    ]);
    expect(
      await versions(`run_id IN ('${runId}') AND name LIKE 'search-%'`, ['name', 'version_number']),
    ).toEqual(['search-C/1', 'search-a/1', 'search-b/1']);
    expect(await versions("source_path = 's3://bucket/x' AND name = 'search-b'")).toEqual(['search-b/2']);
    expect(await codeOf(registry.searchModelVersions({ filter: "version_number = 'x'" }))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    const paged = await registry.searchModelVersions({ filter: "name LIKE 'search-%'", maxResults: 4 });
    expect(paged.items).toHaveLength(4);
    const rest = await registry.searchModelVersions({
      filter: "name LIKE 'search-%'",
      maxResults: 4,
      ...(paged.nextPageToken ? { pageToken: paged.nextPageToken } : {}),
    });
    expect(rest.items).toHaveLength(2);
    expect(rest.nextPageToken).toBeUndefined();
  });

  it('allocates versions 1..20 to 20 concurrent creations on one model', async () => {
    await registry.createRegisteredModel({ name: 'concurrent' });
    const created = await Promise.all(
      Array.from({ length: 20 }, () =>
        registry.createModelVersion({ name: 'concurrent', source: `runs:/${runId}/m` }),
      ),
    );
    const numbers = created.map((v) => Number(v.version)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const all = await registry.searchModelVersions({ filter: "name = 'concurrent'" });
    expect(all.items).toHaveLength(20);
  });

  it('rolls the change back when its event cannot be recorded', async () => {
    await registry.createRegisteredModel({ name: 'atomic' });
    events.failOn = 'model_version.created';
    try {
      await expect(
        registry.createModelVersion({ name: 'atomic', source: `runs:/${runId}/m` }),
      ).rejects.toThrow(/sink refused/);
    } finally {
      events.failOn = undefined;
    }
    expect((await registry.getRegisteredModel('atomic')).latestVersions).toEqual([]);
    expect((await registry.createModelVersion({ name: 'atomic', source: `runs:/${runId}/m` })).version).toBe(
      '1',
    );
  });
});
