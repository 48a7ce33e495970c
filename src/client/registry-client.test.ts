/** The registry, governance and lineage clients against a real server (startServer on a temp SQLite file). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../server/index.js';
import { loadServerConfig } from '../shared/config.js';
import { BosunClient, BosunClientError } from './index.js';
import { testStartOptions } from '../server/test-support/test-start-options.js';

let dir: string;
let server: RunningServer;
let client: BosunClient;
let runId: string;
let experimentId: string;

async function errorCodeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BosunClientError) return error.errorCode;
    throw error;
  }
  return 'no error';
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-registry-client-'));
  server = await startServer(
    loadServerConfig(
      {
        host: '127.0.0.1',
        port: 0,
        backendStoreUri: `sqlite:///${join(dir, 'bosun.db')}`,
        artifactsDestination: join(dir, 'artifacts'),
        logLevel: 'silent',
      },
      {},
    ),
    testStartOptions,
  );
  client = new BosunClient({ baseUrl: server.address });
  experimentId = await client.createExperiment({ name: 'registry-client' });
  const run = await client.createRun({ experimentId, runName: 'fit' });
  runId = run.info.runId;
  await client.logMetric(runId, { key: 'auc', value: 0.8 });
});

afterAll(async () => {
  await server?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('RegistryClient', () => {
  it('creates, reads, renames, updates, tags and searches registered models', async () => {
    const created = await client.registry.createRegisteredModel({
      name: 'rf',
      description: 'forest',
      tags: [{ key: 'team', value: 'ml' }],
    });
    expect(created).toMatchObject({
      name: 'rf',
      description: 'forest',
      tags: [{ key: 'team', value: 'ml' }],
    });
    await client.registry.setRegisteredModelTag('rf', 'owner', 'ana');
    await client.registry.deleteRegisteredModelTag('rf', 'team');
    const updated = await client.registry.updateRegisteredModel('rf', 'random forest');
    expect(updated.description).toBe('random forest');
    const renamed = await client.registry.renameRegisteredModel('rf', 'forest');
    expect(renamed.name).toBe('forest');
    expect((await client.registry.getRegisteredModel('forest')).tags).toEqual([
      { key: 'owner', value: 'ana' },
    ]);
    await client.registry.createRegisteredModel({ name: 'svm' });
    const names: string[] = [];
    for await (const m of client.registry.iterateRegisteredModels({
      maxResults: 1,
      orderBy: ['name DESC'],
    })) {
      names.push(m.name);
    }
    expect(names).toEqual(['svm', 'forest']);
    const page = await client.registry.searchRegisteredModels({ filter: "name = 'svm'" });
    expect(page.items.map((m) => m.name)).toEqual(['svm']);
    expect(page.nextPageToken).toBeUndefined();
    expect(await errorCodeOf(client.registry.getRegisteredModel('nope'))).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('creates versions, sets aliases and stages, finds latest versions and download URIs, deletes', async () => {
    const v1 = await client.registry.createModelVersion({
      name: 'svm',
      source: `runs:/${runId}/model`,
      description: 'first',
      tags: [{ key: 'k', value: 'v' }],
    });
    expect(v1).toMatchObject({
      name: 'svm',
      version: '1',
      runId,
      currentStage: 'None',
      description: 'first',
    });
    const v2 = await client.registry.createModelVersion({ name: 'svm', source: `runs:/${runId}/model2` });
    await client.registry.setRegisteredModelAlias('svm', 'champion', v1.version);
    expect((await client.registry.getModelVersionByAlias('svm', 'champion')).version).toBe('1');
    const staged = await client.registry.transitionModelVersionStage('svm', v2.version, 'staging');
    expect(staged.currentStage).toBe('Staging');
    const latest = await client.registry.getLatestVersions('svm');
    expect(latest.map((v) => [v.version, v.currentStage])).toEqual([
      ['1', 'None'],
      ['2', 'Staging'],
    ]);
    expect((await client.registry.getLatestVersions('svm', ['Staging'])).map((v) => v.version)).toEqual([
      '2',
    ]);
    await client.registry.setModelVersionTag('svm', '2', 'note', 'x');
    await client.registry.deleteModelVersionTag('svm', '1', 'k');
    const fetched = await client.registry.getModelVersion('svm', '1');
    expect(fetched.aliases).toEqual(['champion']);
    expect(fetched.tags.filter((t) => t.key === 'k')).toEqual([]);
    expect((await client.registry.updateModelVersion('svm', '2', 'second')).description).toBe('second');
    expect(await client.registry.getModelVersionDownloadUri('svm', '1')).toBe(
      `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`,
    );
    const found = await client.registry.searchModelVersions({
      filter: "name = 'svm'",
      orderBy: ['version_number DESC'],
    });
    expect(found.items.map((v) => v.version)).toEqual(['2', '1']);
    await client.registry.deleteRegisteredModelAlias('svm', 'champion');
    expect(await errorCodeOf(client.registry.getModelVersionByAlias('svm', 'champion'))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    await client.registry.deleteModelVersion('svm', '2');
    expect(await errorCodeOf(client.registry.getModelVersion('svm', '2'))).toBe('RESOURCE_DOES_NOT_EXIST');
    await client.registry.deleteRegisteredModel('svm');
    expect(await errorCodeOf(client.registry.getRegisteredModel('svm'))).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('GovernanceClient and LineageClient', () => {
  it('sets, lists and deletes policies; checks and refuses promotion; files and decides approvals', async () => {
    await client.registry.createRegisteredModel({ name: 'gbm' });
    await client.registry.createModelVersion({ name: 'gbm', source: `runs:/${runId}/model` });
    const policy = await client.governance.setPolicy('gbm', {
      target: 'stage:Production',
      metricConditions: [{ metric: 'auc', op: '>=', value: 0.9 }],
      beatCurrent: { metric: 'auc', greaterIsBetter: true },
      requiredApprovals: 1,
      approvers: ['bo'],
    });
    expect(policy).toMatchObject({
      modelName: 'gbm',
      target: 'stage:Production',
      requireCleanScan: false,
      metricConditions: [{ metric: 'auc', op: '>=', value: 0.9 }],
      beatCurrent: { metric: 'auc', greaterIsBetter: true },
      requiredApprovals: 1,
      approvers: ['bo'],
    });
    expect(await client.governance.listPolicies('gbm')).toEqual([policy]);
    const check = await client.governance.checkPromotion('gbm', '1', 'stage:Production');
    expect(check.allowed).toBe(false);
    expect(check.unmet.length).toBe(2);
    try {
      await client.governance.promote('gbm', '1', 'stage:Production', 'ana');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BosunClientError);
      expect((error as BosunClientError).errorCode).toBe('INVALID_STATE');
      expect((error as BosunClientError).status).toBe(409);
    }
    const request = await client.governance.requestApproval('gbm', '1', {
      target: 'stage:Production',
      user: 'ana',
      comment: 'please',
    });
    expect(request).toMatchObject({
      status: 'requested',
      requestedBy: 'ana',
      comment: 'please',
      version: '1',
    });
    const rejected = await client.governance.reject(request.id, { user: 'bo', comment: 'auc too low' });
    expect(rejected).toMatchObject({ status: 'rejected', decidedBy: 'bo', decisionComment: 'auc too low' });
    expect(rejected.decidedAt).toBeGreaterThan(0);
    expect((await client.governance.listApprovals('gbm', '1')).map((a) => a.status)).toEqual(['rejected']);
    await client.governance.deletePolicy('gbm', 'stage:Production');
    expect(await client.governance.listPolicies('gbm')).toEqual([]);
    await client.governance.promote('gbm', '1', 'stage:Production');
    expect((await client.registry.getModelVersion('gbm', '1')).currentStage).toBe('Production');
    const scan = await client.governance.rescan('gbm', '1');
    expect(scan.status).toBe('failed'); // the run has no files at the version's location
    expect(scan.error).toMatch(/no files/);
  });

  it('reads lineage of versions, runs and datasets', async () => {
    const lineage = await client.lineage.modelVersion('gbm', '1');
    expect(lineage.modelVersion).toMatchObject({ name: 'gbm', version: '1', runId, modelId: null });
    expect(lineage.run?.metrics).toMatchObject([{ key: 'auc', value: 0.8 }]);
    expect(lineage.run?.code.gitCommit).toBeNull();
    expect(lineage.loggedModel).toBeNull();
    // svm's versions from this run were deleted above; only gbm's remains.
    expect(await client.lineage.run(runId)).toEqual([{ name: 'gbm', version: '1' }]);
    expect(await client.lineage.dataset({ name: 'none', digest: 'x' })).toEqual({
      runs: [],
      modelVersions: [],
    });
    expect(await errorCodeOf(client.lineage.modelVersion('gbm', '9'))).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});
