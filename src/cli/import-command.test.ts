import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../db/test-support/test-databases.js';
import {
  importCli as cli,
  startImportTestServer as startServer,
  type ImportTestServer,
} from './test-support/import-servers.js';

// The source is a Bosun server too: it speaks the MLflow REST API the importer reads (searches, get-history,
// artifact listings and downloads, logged models, the registry), so this runs on both engines without Python.
describe.each(testEngines)('bosun import between two servers on %s', (engine) => {
  let source: ImportTestServer;
  let target: ImportTestServer;
  let runId: string;

  beforeAll(async () => {
    source = await startServer(engine);
    target = await startServer(engine);
    const { tracking, registry } = source.platform;
    const experimentId = await tracking.createExperiment({
      name: 'churn',
      tags: [{ key: 'team', value: 'growth' }],
    });
    const run = await tracking.createRun({ experimentId, runName: 'fit', startTime: 1_700_000_000_000 });
    runId = run.info.runId;
    const metrics = Array.from({ length: 2500 }, (_, step) => ({
      key: 'loss',
      value: step === 7 ? NaN : 1 / (step + 1),
      timestamp: 1_700_000_000_000 + step,
      step,
    }));
    for (let i = 0; i < metrics.length; i += 1000) {
      await tracking.logBatch(runId, { metrics: metrics.slice(i, i + 1000) });
    }
    await tracking.logBatch(runId, { params: [{ key: 'lr', value: '0.1' }] });
    await tracking.updateRun({ runId, status: 'FINISHED', endTime: 1_700_000_060_000 });
    const put = await fetch(
      `${source.base}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/MLmodel`,
      { method: 'PUT', body: 'flavors: {}\n' },
    );
    expect(put.status).toBe(200);
    await registry.createRegisteredModel({ name: 'churn-model' });
    await registry.createModelVersion({ name: 'churn-model', source: `runs:/${runId}/model`, runId });
    await registry.setRegisteredModelAlias('churn-model', 'champion', '1');
    // A model whose numbering has a gap (version 2 deleted): the copy of version 3 becomes version 2.
    await registry.createRegisteredModel({ name: 'gappy' });
    for (let i = 0; i < 3; i++) {
      await registry.createModelVersion({ name: 'gappy', source: `runs:/${runId}/model`, runId });
    }
    await registry.deleteModelVersion('gappy', '2');
    await registry.setRegisteredModelAlias('gappy', 'newest', '3');
  });

  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  it('copies the run under its id with its whole history and files, then the registry; a repeat writes nothing', async () => {
    const first = await cli(['import', '--from', source.base, '--tracking-uri', target.base, '--json']);
    expect(first.stderr).not.toContain('error:');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as {
      counts: Record<string, number>;
      skipped: unknown[];
      renumbered: unknown[];
    };
    expect(report.skipped).toEqual([]);
    expect(report.counts).toMatchObject({
      runsImported: 1,
      metricPoints: 2500,
      artifactFiles: 1,
      versionsCreated: 3,
      aliases: 2,
    });
    expect(report.renumbered).toEqual([{ name: 'gappy', from: 3, to: 2 }]);

    const { tracking, registry } = target.platform;
    const run = await tracking.getRun(runId);
    expect(run.info).toMatchObject({
      status: 'FINISHED',
      startTime: 1_700_000_000_000,
      endTime: 1_700_000_060_000,
    });
    expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    const history = await tracking.getMetricHistory({ runId, metricKey: 'loss', maxResults: 25000 });
    expect(history.items).toHaveLength(2500);
    expect(Number.isNaN(history.items[7]?.value)).toBe(true);
    const version = await registry.getModelVersion('churn-model', '1');
    expect(version).toMatchObject({ source: `runs:/${runId}/model`, runId, aliases: ['champion'] });
    const gappy = await registry.getRegisteredModel('gappy');
    expect(gappy.aliases).toEqual([{ alias: 'newest', version: '2' }]);
    const file = await fetch(`${target.base}/get-artifact?run_id=${runId}&path=model/MLmodel`);
    expect(await file.text()).toBe('flavors: {}\n');

    const again = await cli(['import', '--from', source.base, '--tracking-uri', target.base, '--json']);
    const second = JSON.parse(again.stdout) as { counts: Record<string, number> };
    expect(second.counts).toMatchObject({
      runsImported: 0,
      runsResumed: 1,
      metricPoints: 0,
      metricPointsPresent: 2500,
      artifactFiles: 0,
      artifactFilesPresent: 1,
      versionsCreated: 0,
      versionsExisting: 3,
      aliases: 0,
    });
    const after = await tracking.getMetricHistory({ runId, metricKey: 'loss', maxResults: 25000 });
    expect(after.items).toHaveLength(2500);
  });

  it('refuses to import a server into itself', async () => {
    const same = await cli(['import', '--from', source.base, '--tracking-uri', `${source.base}/`]);
    expect(same.code).toBe(1);
    expect(same.stderr).toContain(
      'error: INVALID_PARAMETER_VALUE: --from and the target are the same server',
    );
  });
});

/** MLflow's backoff setting at 0: failed attempts are retried at once. */
const noPause = { MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0' };

describe('bosun import before it writes anything', () => {
  let notBosun: Server;
  let notBosunUrl: string;

  beforeAll(async () => {
    // Answers MLflow's experiment search (as a source would) and 404 to everything else.
    notBosun = createServer((req, res) => {
      if (req.url?.startsWith('/api/2.0/mlflow/experiments/search')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"experiments": []}');
      } else {
        res.writeHead(404).end('not here');
      }
    });
    await new Promise<void>((resolve) => notBosun.listen(0, '127.0.0.1', resolve));
    const address = notBosun.address();
    notBosunUrl = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => notBosun.close(() => resolve()));
  });

  it('says when the source cannot be reached', async () => {
    // Retried as usual (MLFLOW_HTTP_REQUEST_MAX_RETRIES unset), without the pauses between attempts.
    const result = await cli(
      ['import', '--from', 'http://127.0.0.1:1', '--tracking-uri', notBosunUrl],
      noPause,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /error: TEMPORARILY_UNAVAILABLE: The source http:\/\/127\.0\.0\.1:1 does not answer/,
    );
  });

  it('says when the target is not a Bosun server', async () => {
    const result = await cli(
      ['import', '--from', notBosunUrl, '--tracking-uri', 'http://127.0.0.1:1'],
      noPause,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('does not answer as a Bosun server');
  });

  it('refuses a bad --parallel', async () => {
    const result = await cli([
      'import',
      '--from',
      notBosunUrl,
      '--tracking-uri',
      'http://127.0.0.1:1',
      '--parallel',
      '0',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Invalid --parallel '0'");
  });
});
