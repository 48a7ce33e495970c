import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { BosunError } from '../shared/errors.js';
import { createTrackingService } from './tracking-service.js';
import type { TrackingService } from './tracking-service-contract.js';
import type { Metric } from './types.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BosunError) return error.code;
    throw error;
  }
  return 'no error';
}

const metric = (key: string, value: number, step: number, timestamp = 1000 + step): Metric => ({
  key,
  value,
  step,
  timestamp,
});

describe.each(testEngines)('tracking service on %s', (engine) => {
  let database: TestDatabase;
  let tracking: TrackingService;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    tracking = createTrackingService({ handle: database.handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
  });
  afterAll(async () => database.dispose());

  it('has the Default experiment 0', async () => {
    const experiment = await tracking.getExperiment('0');
    expect(experiment).toMatchObject({ experimentId: '0', name: 'Default', lifecycleStage: 'active' });
    expect(experiment.artifactLocation).toBe('mlflow-artifacts:/0');
  });

  it('creates, renames, tags, deletes and restores experiments', async () => {
    const id = await tracking.createExperiment({ name: 'exp-a', tags: [{ key: 'team', value: 'ml' }] });
    const experiment = await tracking.getExperimentByName('exp-a');
    expect(experiment).toMatchObject({ experimentId: id, artifactLocation: `mlflow-artifacts:/${id}` });
    expect(experiment.tags).toEqual([{ key: 'team', value: 'ml' }]);
    expect(await codeOf(tracking.createExperiment({ name: 'exp-a' }))).toBe('RESOURCE_ALREADY_EXISTS');
    await tracking.renameExperiment(id, 'exp-b');
    expect((await tracking.getExperiment(id)).name).toBe('exp-b');
    expect(await codeOf(tracking.getExperimentByName('exp-a'))).toBe('RESOURCE_DOES_NOT_EXIST');
    await tracking.setExperimentTag(id, 'stage', 'dev');
    await tracking.deleteExperimentTag(id, 'team');
    expect((await tracking.getExperiment(id)).tags).toEqual([{ key: 'stage', value: 'dev' }]);
    expect(await codeOf(tracking.deleteExperimentTag(id, 'team'))).toBe('RESOURCE_DOES_NOT_EXIST');

    const run = await tracking.createRun({ experimentId: id });
    await tracking.deleteExperiment(id);
    expect((await tracking.getExperiment(id)).lifecycleStage).toBe('deleted');
    expect((await tracking.getRun(run.info.runId)).info.lifecycleStage).toBe('deleted');
    expect(await codeOf(tracking.createRun({ experimentId: id }))).toBe('INVALID_PARAMETER_VALUE');
    await tracking.restoreExperiment(id);
    expect((await tracking.getRun(run.info.runId)).info.lifecycleStage).toBe('active');
  });

  it('rejects bad experiment ids, names and locations', async () => {
    expect(await codeOf(tracking.getExperiment('abc'))).toBe('INVALID_PARAMETER_VALUE');
    expect(await codeOf(tracking.getExperiment('987654'))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(await codeOf(tracking.createExperiment({ name: '' }))).toBe('INVALID_PARAMETER_VALUE');
    for (const artifactLocation of [
      '/srv/data/../etc',
      'file:///srv/x#frag',
      's3://b/x?y=1',
      '/a/%2e%2e/b',
    ]) {
      expect(
        await codeOf(tracking.createExperiment({ name: `loc-${artifactLocation}`, artifactLocation })),
      ).toBe('INVALID_PARAMETER_VALUE');
    }
  });

  it('creates runs with names, tags and artifact URIs, and updates them', async () => {
    const run = await tracking.createRun({
      experimentId: '0',
      userId: 'ana',
      startTime: 5,
      tags: [{ key: 'k', value: 'v' }],
    });
    expect(run.info).toMatchObject({
      experimentId: '0',
      userId: 'ana',
      status: 'RUNNING',
      startTime: 5,
      endTime: null,
    });
    expect(run.info.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info.artifactUri).toBe(`mlflow-artifacts:/0/${run.info.runId}/artifacts`);
    expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: run.info.runName });
    const info = await tracking.updateRun({
      runId: run.info.runId,
      status: 'FINISHED',
      endTime: 9,
      runName: 'renamed',
    });
    expect(info).toMatchObject({ status: 'FINISHED', endTime: 9, runName: 'renamed' });
    expect((await tracking.getRun(run.info.runId)).data.tags).toContainEqual({
      key: 'mlflow.runName',
      value: 'renamed',
    });
    expect(
      await codeOf(tracking.createRun({ runName: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] })),
    ).toBe('INVALID_PARAMETER_VALUE');
    expect(await codeOf(tracking.getRun('0123456789abcdef0123456789abcdef'))).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('logs batches atomically: a rejected batch leaves no trace', async () => {
    const { info } = await tracking.createRun({});
    await tracking.logBatch(info.runId, { params: [{ key: 'alpha', value: '0.5' }] });
    const bad = tracking.logBatch(info.runId, {
      metrics: [metric('m', 1, 0)],
      params: [{ key: 'alpha', value: '0.7' }],
      tags: [{ key: 't', value: 'x' }],
    });
    expect(await codeOf(bad)).toBe('INVALID_PARAMETER_VALUE');
    const run = await tracking.getRun(info.runId);
    expect(run.data.metrics).toEqual([]);
    expect(run.data.params).toEqual([{ key: 'alpha', value: '0.5' }]);
    expect(run.data.tags.find((t) => t.key === 't')).toBeUndefined();
    // the same value again is fine
    await tracking.logParam(info.runId, 'alpha', '0.5');
  });

  it('startRun answers the info createRun would; endRun logs its batch and ends the run, all or nothing', async () => {
    const experimentId = await tracking.createExperiment({ name: `start-end-${engine}` });
    const info = await tracking.startRun({
      experimentId,
      runName: 'step-a',
      startTime: 5000,
      tags: [{ key: 'bosun.pipeline.step', value: 'a' }],
    });
    const read = await tracking.getRun(info.runId);
    expect(info).toEqual(read.info);
    expect(read.data.tags).toContainEqual({ key: 'bosun.pipeline.step', value: 'a' });
    expect(await codeOf(tracking.startRun({ experimentId: '987654' }))).toBe('RESOURCE_DOES_NOT_EXIST');

    // A bad batch: nothing of it is logged and the run is not ended.
    const bad = tracking.endRun({
      runId: info.runId,
      status: 'FINISHED',
      endTime: 6000,
      batch: { tags: [{ key: 'done', value: 'yes' }], metrics: [{ ...metric('m', 1, 0), key: '' }] },
    });
    expect(await codeOf(bad)).toBe('INVALID_PARAMETER_VALUE');
    const untouched = await tracking.getRun(info.runId);
    expect(untouched.info.status).toBe('RUNNING');
    expect(untouched.info.endTime).toBeNull();
    expect(untouched.data.tags.find((t) => t.key === 'done')).toBeUndefined();

    await tracking.endRun({
      runId: info.runId,
      status: 'FINISHED',
      endTime: 6000,
      batch: { tags: [{ key: 'done', value: 'yes' }], metrics: [metric('wall_ms', 12, 0)] },
    });
    const ended = await tracking.getRun(info.runId);
    expect(ended.info.status).toBe('FINISHED');
    expect(ended.info.endTime).toBe(6000);
    expect(ended.data.tags).toContainEqual({ key: 'done', value: 'yes' });
    expect(ended.data.metrics.map((m) => [m.key, m.value])).toEqual([['wall_ms', 12]]);
    await tracking.deleteRun(info.runId);
    expect(await codeOf(tracking.endRun({ runId: info.runId, status: 'FAILED', endTime: 7000 }))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('enforces batch limits and key rules', async () => {
    const { info } = await tracking.createRun({});
    const many = Array.from({ length: 1001 }, (_, i) => metric('m', i, i));
    expect(await codeOf(tracking.logBatch(info.runId, { metrics: many }))).toBe('INVALID_PARAMETER_VALUE');
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    expect(await codeOf(tracking.logBatch(info.runId, { params }))).toBe('INVALID_PARAMETER_VALUE');
    expect(await codeOf(tracking.logParam(info.runId, 'k'.repeat(251), 'v'))).toBe('INVALID_PARAMETER_VALUE');
    expect(await codeOf(tracking.logParam(info.runId, '../up', 'v'))).toBe('INVALID_PARAMETER_VALUE');
    expect(await codeOf(tracking.logMetric(info.runId, { ...metric('m', 1, 0), step: 1.5 }))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect((await tracking.getRun(info.runId)).data).toEqual({
      metrics: [],
      params: [],
      tags: expect.any(Array),
    });
  });

  it('keeps the latest metric by step, then timestamp, and round-trips NaN and infinities', async () => {
    const { info } = await tracking.createRun({});
    await tracking.logBatch(info.runId, {
      metrics: [
        metric('loss', 0.9, 0),
        metric('loss', 0.5, 2),
        metric('loss', 0.7, 1),
        metric('odd', NaN, 0),
      ],
    });
    await tracking.logMetric(info.runId, metric('loss', 0.8, 1, 99999));
    await tracking.logMetric(info.runId, metric('inf', Infinity, 0));
    await tracking.logMetric(info.runId, metric('ninf', -Infinity, 0));
    const run = await tracking.getRun(info.runId);
    const byKey = Object.fromEntries(run.data.metrics.map((m) => [m.key, m]));
    expect(byKey.loss).toMatchObject({ value: 0.5, step: 2 });
    expect(byKey.odd?.value).toBeNaN();
    expect(byKey.inf?.value).toBe(Infinity);
    expect(byKey.ninf?.value).toBe(-Infinity);
    const history = await tracking.getMetricHistory({ runId: info.runId, metricKey: 'loss' });
    expect(history.items.map((m) => [m.step, m.value])).toEqual([
      [0, 0.9],
      [1, 0.7],
      [1, 0.8],
      [2, 0.5],
    ]);
  });

  it('pages metric history with tokens', async () => {
    const { info } = await tracking.createRun({});
    for (let start = 0; start < 2500; start += 1000) {
      await tracking.logBatch(info.runId, {
        metrics: Array.from({ length: 1000 }, (_, i) => metric('h', start + i, start + i)).filter(
          (m) => m.step < 2500,
        ),
      });
    }
    const steps: number[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await tracking.getMetricHistory({
        runId: info.runId,
        metricKey: 'h',
        maxResults: 1000,
        ...(pageToken ? { pageToken } : {}),
      });
      steps.push(...page.items.map((m) => m.step));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(steps).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    const sampled = await tracking.getMetricHistoryBulkInterval({
      runIds: [info.runId],
      metricKey: 'h',
      maxResults: 10,
    });
    // MLflow's rule: every 250th step of the 2500, plus the last one.
    expect(sampled).toHaveLength(11);
    expect(sampled[0]).toMatchObject({ step: 0, runId: info.runId });
    expect(sampled.at(-1)).toMatchObject({ step: 2499 });
  });

  it('refuses writes to deleted runs and restores them', async () => {
    const { info } = await tracking.createRun({});
    await tracking.deleteRun(info.runId);
    expect(await codeOf(tracking.setTag(info.runId, 'a', 'b'))).toBe('INVALID_PARAMETER_VALUE');
    await tracking.restoreRun(info.runId);
    await tracking.setTag(info.runId, 'a', 'b');
    await tracking.deleteTag(info.runId, 'a');
    expect(await codeOf(tracking.deleteTag(info.runId, 'a'))).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('records dataset inputs once per dataset and model outputs', async () => {
    const { info } = await tracking.createRun({});
    const input = {
      dataset: {
        name: 'iris',
        digest: 'abc123',
        sourceType: 'code',
        source: '{}',
        schema: '{"mlflow_colspec":[]}',
      },
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
    };
    await tracking.logInputs(info.runId, { datasets: [input] });
    await tracking.logInputs(info.runId, { datasets: [input] });
    const model = await tracking.createLoggedModel({ experimentId: '0', name: 'm', sourceRunId: info.runId });
    await tracking.logOutputs(info.runId, [{ modelId: model.modelId, step: 3 }]);
    const run = await tracking.getRun(info.runId);
    expect(run.inputs.datasetInputs).toEqual([input]);
    expect(run.outputs.modelOutputs).toEqual([{ modelId: model.modelId, step: 3 }]);
  });

  it('appends 2.x log-model records to the run history tag and refuses incomplete ones', async () => {
    const { info } = await tracking.createRun({});
    const model = {
      run_id: info.runId,
      artifact_path: 'model',
      utc_time_created: '2026-01-01',
      flavors: { sklearn: {} },
    };
    await tracking.recordLoggedModel(info.runId, model);
    await tracking.recordLoggedModel(info.runId, { ...model, artifact_path: 'model2' });
    const tag = (await tracking.getRun(info.runId)).data.tags.find(
      (t) => t.key === 'mlflow.log-model.history',
    );
    expect(JSON.parse(tag!.value)).toEqual([model, { ...model, artifact_path: 'model2' }]);
    expect(await codeOf(tracking.recordLoggedModel(info.runId, { run_id: info.runId }))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('manages logged models and links metrics logged with a model id', async () => {
    const { info } = await tracking.createRun({});
    const model = await tracking.createLoggedModel({
      experimentId: '0',
      name: 'clf',
      sourceRunId: info.runId,
      params: [{ key: 'C', value: '1.0' }],
      tags: [{ key: 'mlflow.source.type', value: 'LOCAL' }],
    });
    expect(model.modelId).toMatch(/^m-[0-9a-f]{32}$/);
    expect(model).toMatchObject({
      status: 'LOGGED_MODEL_PENDING',
      artifactUri: `mlflow-artifacts:/0/models/${model.modelId}/artifacts`,
    });
    await tracking.logBatch(info.runId, { metrics: [{ ...metric('acc', 0.9, 0), modelId: model.modelId }] });
    await tracking.finalizeLoggedModel(model.modelId, 'LOGGED_MODEL_READY');
    await tracking.setLoggedModelTags(model.modelId, [{ key: 'mlflow.modelVersions', value: '[]' }]);
    await tracking.logLoggedModelParams(model.modelId, [{ key: 'D', value: '2' }]);
    const loaded = await tracking.getLoggedModel(model.modelId);
    expect(loaded.status).toBe('LOGGED_MODEL_READY');
    expect(loaded.params).toEqual([
      { key: 'C', value: '1.0' },
      { key: 'D', value: '2' },
    ]);
    expect(loaded.metrics).toMatchObject([{ key: 'acc', value: 0.9, runId: info.runId }]);
    await tracking.deleteLoggedModelTag(model.modelId, 'mlflow.modelVersions');
    expect(await codeOf(tracking.getLoggedModel('m-doesnotexist'))).toBe('RESOURCE_DOES_NOT_EXIST');
    const found = await tracking.searchLoggedModels({
      experimentIds: ['0'],
      filter: `source_run_id='${info.runId}'`,
    });
    expect(found.items.map((m) => m.modelId)).toEqual([model.modelId]);
  });

  it('searches runs by metric, param and tag with order and paging', async () => {
    const id = await tracking.createExperiment({ name: 'search-me' });
    for (let i = 0; i < 25; i++) {
      const { info } = await tracking.createRun({ experimentId: id, startTime: i });
      await tracking.logBatch(info.runId, {
        metrics: [metric('acc', i / 25, 0)],
        params: [{ key: 'kind', value: i % 2 === 0 ? 'even' : 'odd' }],
        tags: [{ key: 'group', value: `g${i % 3}` }],
      });
    }
    const page1 = await tracking.searchRuns({
      experimentIds: [id],
      filter: "metrics.acc >= 0.4 and params.kind = 'even'",
      orderBy: ['metrics.acc DESC'],
      maxResults: 3,
    });
    expect(page1.items.map((r) => r.data.metrics[0]?.value)).toEqual([24 / 25, 22 / 25, 20 / 25]);
    expect(page1.nextPageToken).toBeDefined();
    const page2 = await tracking.searchRuns({
      experimentIds: [id],
      filter: "metrics.acc >= 0.4 and params.kind = 'even'",
      orderBy: ['metrics.acc DESC'],
      maxResults: 3,
      pageToken: page1.nextPageToken!,
    });
    expect(page2.items.map((r) => r.data.metrics[0]?.value)).toEqual([18 / 25, 16 / 25, 14 / 25]);
    const page3 = await tracking.searchRuns({
      experimentIds: [id],
      filter: "metrics.acc >= 0.4 and params.kind = 'even'",
      orderBy: ['metrics.acc DESC'],
      maxResults: 3,
      pageToken: page2.nextPageToken!,
    });
    expect(page3.items.map((r) => r.data.metrics[0]?.value)).toEqual([12 / 25, 10 / 25]);
    expect(page3.nextPageToken).toBeUndefined();
    const all = await tracking.searchRuns({ experimentIds: [id] });
    expect(all.items.map((r) => r.info.startTime)).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
    expect(await codeOf(tracking.searchRuns({ experimentIds: [id], filter: 'metrics.acc >' }))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect(await codeOf(tracking.searchRuns({ experimentIds: [id], maxResults: 50001 }))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect(await codeOf(tracking.searchRuns({ experimentIds: [id], pageToken: 'forged!!' }))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('searches experiments by name and tag', async () => {
    await tracking.createExperiment({ name: 'find-alpha', tags: [{ key: 'owner', value: 'ana' }] });
    await tracking.createExperiment({ name: 'find-beta' });
    const byName = await tracking.searchExperiments({ filter: "name LIKE 'find-%'", orderBy: ['name ASC'] });
    expect(byName.items.map((e) => e.name)).toEqual(['find-alpha', 'find-beta']);
    const byTag = await tracking.searchExperiments({ filter: "tags.owner = 'ana'" });
    expect(byTag.items.map((e) => e.name)).toEqual(['find-alpha']);
  });

  it('loses nothing when many batches are logged concurrently', async () => {
    const runs = await Promise.all(Array.from({ length: 5 }, () => tracking.createRun({})));
    await Promise.all(
      runs.flatMap(({ info }) =>
        Array.from({ length: 20 }, (_, b) =>
          tracking.logBatch(info.runId, {
            metrics: Array.from({ length: 50 }, (_, i) => metric('c', i, b * 50 + i)),
          }),
        ),
      ),
    );
    for (const { info } of runs) {
      const history = await tracking.getMetricHistory({ runId: info.runId, metricKey: 'c' });
      expect(history.items).toHaveLength(1000);
    }
  });
});
