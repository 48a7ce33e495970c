import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { loadServerConfig } from '../../shared/config.js';
import { waitFor } from '../../shared/test-support/wait-for.js';
import { startServer, type RunningServer } from '../start-server.js';
import { testPipelineWorkRoot } from '../test-support/test-start-options.js';
import { basic, testAdmin } from '../test-support/auth-test-server.js';
import { jsonRequest, registerAliasedVersion } from '../test-support/json-request.js';

const api = '/api/bosun/v1/pipelines';
const mon = '/api/bosun/v1/monitoring';
const mlflow = '/api/2.0/mlflow';
const admin = basic(testAdmin.username, testAdmin.password);
const T = 1_700_000_000_000;
const MINUTE = 60_000;

/**
 * The retraining step: reads the trigger's drift report (downloaded for it: `from: trigger.drift_report`), logs
 * the drift share into its own run with its step token, and checks what else the token reaches: the pipeline
 * run's artifacts (yes) and the monitoring API (no, and it needs none).
 */
const retrainStep = String.raw`
import json, os, sys, urllib.request, urllib.error
base, token = os.environ["MLFLOW_TRACKING_URI"], os.environ["MLFLOW_TRACKING_TOKEN"]
def call(path, body=None):
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                 headers={"authorization": "Bearer " + token, "content-type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
report = json.load(open(os.path.join(sys.argv[1], "report.json")))
_, got = call("/api/2.0/mlflow/runs/get?run_id=" + os.environ["BOSUN_PIPELINE_RUN_ID"])
root = json.loads(got)["run"]["info"]["artifact_uri"].split("mlflow-artifacts:/", 1)[1]
html_status, html = call("/api/2.0/mlflow-artifacts/artifacts/" + root + "/trigger/drift_report/report.html")
monitoring_status, _ = call("/api/bosun/v1/monitoring/models/churn/monitors")
metrics = {"drift_share": report["dataset"]["driftShare"], "drifted_columns": len(report["dataset"]["driftedColumns"]),
           "html_status": html_status, "html_is_report": 1 if b"<!doctype html>" in html else 0,
           "monitoring_status": monitoring_status}
status, body = call("/api/2.0/mlflow/runs/log-batch", {"run_id": os.environ["MLFLOW_RUN_ID"],
    "metrics": [{"key": k, "value": v, "timestamp": 0, "step": 0} for k, v in metrics.items()]})
assert status == 200, (status, body)
`;

const retrainDocument = {
  apiVersion: 'bosun.dev/v1',
  kind: 'Pipeline',
  name: 'retrain',
  params: { result_id: { type: 'string', default: 'none' } },
  steps: {
    retrain: {
      command: ['python3', '-c', retrainStep, '{{inputs.drift_report}}'],
      inputs: { drift_report: { type: 'artifact', from: 'trigger.drift_report' } },
      cache: { enabled: false },
    },
  },
};

const noteDocument = {
  apiVersion: 'bosun.dev/v1',
  kind: 'Pipeline',
  name: 'note',
  steps: { note: { command: ['true'] } },
};

const referenceRows = Array.from({ length: 200 }, (_, i) => ({
  x: (i + 0.5) / 200,
  city: ['a', 'b', 'c'][i % 3]!,
}));

function windowRecords(start: number, drifted: boolean, idPrefix: string) {
  return Array.from({ length: 100 }, (_, j) => ({
    features: { x: (j + 0.5) / 100 + (drifted ? 5 : 0), city: drifted ? 'z' : ['a', 'b', 'c'][j % 3]! },
    prediction: j % 2,
    timestamp: start + j * 100,
    request_id: `${idPrefix}-${j}`,
  }));
}

type Firing = { state: string; run_id: string | null; error: string | null; params: Record<string, unknown> };
type Tag = { key: string; value: string };
type Step = { step: string; state: string; mlflow_run_id: string | null; reason?: string | null };

describe.each(testEngines)('an alert starts retraining with its drift report (auth on, %s)', (engine) => {
  let db: TestDatabase;
  let dir: string;
  let server: RunningServer;
  let monitorPath = '';
  const call = (method: string, path: string, body?: unknown) =>
    jsonRequest(server.address, method, path, body, { authorization: admin });
  const firings = async (pipeline: string, trigger: string): Promise<Firing[]> =>
    (await call('GET', `${api}/triggers/${pipeline}/${trigger}/firings`)).json.firings as Firing[];
  const tagsOf = async (runId: string): Promise<Map<string, string>> => {
    const run = await call('GET', `${mlflow}/runs/get?run_id=${runId}`);
    return new Map(
      ((run.json.run as { data: { tags: Tag[] } }).data.tags ?? []).map((t) => [t.key, t.value]),
    );
  };
  const artifact = async (runId: string, path: string): Promise<string> => {
    const answer = await fetch(`${server.address}/get-artifact?run_id=${runId}&path=${path}`, {
      headers: { authorization: admin },
    });
    expect(answer.status).toBe(200);
    return answer.text();
  };
  const finished = (runId: string) =>
    waitFor(`pipeline run ${runId} to end`, async () => {
      const got = await call('GET', `${api}/runs/${runId}`);
      const run = got.json.run as { status: string };
      return run.status !== 'running' ? (got.json as { run: { status: string }; steps: Step[] }) : undefined;
    });
  const logWindow = async (start: number, drifted: boolean, prefix: string) => {
    const answer = await call('POST', `${mon}/models/churn/predictions`, {
      alias: 'champion',
      records: windowRecords(start, drifted, prefix),
    });
    expect(answer.json).toEqual({ logged: 100, version: '1' });
  };
  const runMonitor = async (windowEnd: number) => {
    const answer = await call('POST', `${monitorPath}/run`, { window_end: windowEnd });
    expect(answer.status).toBe(200);
    return answer.json as { result: { result_id: string }; fired: unknown[]; resolved: unknown[] };
  };

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-retrain-on-drift-'));
    const config = loadServerConfig(
      { port: 0, backendStoreUri: db.uri, artifactsDestination: join(dir, 'artifacts'), logLevel: 'silent' },
      { BOSUN_ADMIN_USERNAME: testAdmin.username, BOSUN_ADMIN_PASSWORD: testAdmin.password },
    );
    server = await startServer(
      { ...config, authEnabled: true, defaultPermission: 'NO_PERMISSIONS' },
      { handleSignals: false, platform: { pipelineWorkRoot: testPipelineWorkRoot(dir) } },
    );
    await registerAliasedVersion(call, 'churn', 'champion');
    expect(
      (
        await call('POST', `${mon}/models/churn/references`, {
          name: 'training',
          version: '1',
          rows: referenceRows,
        })
      ).status,
    ).toBe(200);
    const monitor = await call('POST', `${mon}/models/churn/monitors`, {
      name: 'inputs',
      alias: 'champion',
      reference_id: '1',
      window_ms: MINUTE,
      config: { min_rows: 10 },
    });
    expect(monitor.status).toBe(200);
    monitorPath = `${mon}/models/churn/monitors/${String((monitor.json.monitor as { monitor_id: string }).monitor_id)}`;
    // The documented example (docs/monitoring.md "Retrain on drift"), its script found from the repository root.
    const example = readFileSync(
      new URL('../../../examples/pipelines/retrain-on-drift.yaml', import.meta.url),
      'utf8',
    );
    for (const document of [retrainDocument, noteDocument, example]) {
      expect((await call('POST', `${api}/definitions`, { document })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await server?.close();
    await db?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores the report on the run before its step, which reads it and logs the drift share with its token', async () => {
    const trigger = (name: string, pipeline: string, filter: Record<string, unknown>, params = {}) =>
      call('POST', `${api}/triggers`, { name, kind: 'monitoring_alert', pipeline, filter, params });
    expect(
      (
        await trigger(
          'retrain-on-drift',
          'retrain',
          { model_name: 'churn', conditions: ['data_drift'] },
          {
            result_id: '{{event.result_id}}',
          },
        )
      ).status,
    ).toBe(200);
    expect(
      (await trigger('retrain-example', 'retrain-on-drift', { model_name: 'churn', monitor_name: 'inputs' }))
        .status,
    ).toBe(200);
    // A disabled trigger records nothing; a trigger asking for recoveries fires on them only.
    expect((await trigger('disabled', 'note', { model_name: 'churn' })).status).toBe(200);
    expect((await call('PATCH', `${api}/triggers/note/disabled`, { enabled: false })).status).toBe(200);
    expect((await trigger('on-recovery', 'note', { model_name: 'churn', states: ['resolved'] })).status).toBe(
      200,
    );

    await logWindow(T, false, 'w1');
    expect((await runMonitor(T + MINUTE)).fired).toEqual([]);
    await logWindow(T + MINUTE, true, 'w2');
    const drifted = await runMonitor(T + 2 * MINUTE);
    expect(drifted.fired).toHaveLength(1);
    const resultId = String(drifted.result.result_id);

    const [firing] = await waitFor('the retrain firing to start its run', async () => {
      const f = await firings('retrain', 'retrain-on-drift');
      return f.length === 1 && f[0]?.state !== 'pending' && f[0]?.state !== 'starting' ? f : undefined;
    });
    expect(firing).toMatchObject({ state: 'started', error: null, params: { result_id: resultId } });
    const runId = firing!.run_id!;
    const done = await finished(runId);
    expect(done.run.status).toBe('succeeded');

    // The pipeline run: tags naming the monitor, result and alert, and both artifacts.
    const tags = await tagsOf(runId);
    expect(Object.fromEntries([...tags].filter(([k]) => k.startsWith('bosun.trigger.')))).toMatchObject({
      'bosun.trigger.name': 'retrain-on-drift',
      'bosun.trigger.kind': 'monitoring_alert',
      'bosun.trigger.model_name': 'churn',
      'bosun.trigger.monitor_name': 'inputs',
      'bosun.trigger.result_id': resultId,
      'bosun.trigger.condition': 'data_drift',
      'bosun.trigger.state': 'firing',
      'bosun.trigger.drift_report': 'trigger/drift_report',
      'bosun.trigger.drifted_columns': 'x,city',
    });
    expect(tags.get('bosun.trigger.alert_id')).toMatch(/^\d+$/);
    expect(tags.has('bosun.trigger.drift_report_error')).toBe(false);
    const report = JSON.parse(await artifact(runId, 'trigger/drift_report/report.json')) as {
      schema: string;
      monitor: { name: string; target: unknown };
      window: { resultId: string; start: number; end: number; segment: string | null };
      alert: { condition: string; rule: { driftShareThreshold: number }; value: number };
      dataset: { driftDetected: boolean; driftShare: number; driftedColumns: string[] };
      columns: {
        name: string;
        method: string;
        value: number;
        pValue: number | null;
        threshold: number;
        drifted: boolean;
      }[];
    };
    expect(report).toMatchObject({
      schema: 'bosun.alert-drift-report/v1',
      monitor: { name: 'inputs', target: { kind: 'alias', alias: 'champion' } },
      window: { resultId, start: T + MINUTE, end: T + 2 * MINUTE, segment: null },
      alert: { condition: 'data_drift', rule: { driftShareThreshold: 0.5 }, value: 1 },
      dataset: { driftDetected: true, driftShare: 1, driftedColumns: ['x', 'city'] },
    });
    expect(report.columns.map((c) => [c.name, c.drifted])).toEqual([
      ['x', true],
      ['city', true],
    ]);
    for (const column of report.columns) {
      expect(typeof column.value).toBe('number');
      expect(typeof column.threshold).toBe('number');
    }
    const html = await artifact(runId, 'trigger/drift_report/report.html');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('Dataset drift detected');
    // Self-contained: nothing to fetch (an SVG namespace is a name, not a request).
    expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script[^>]*\bsrc=|<link\b|@import/i);

    // The step read the downloaded report and logged from it into its own run, with its step token only.
    const step = done.steps.find((s) => s.step === 'retrain')!;
    expect(step.state).toBe('succeeded');
    const stepRun = await call('GET', `${mlflow}/runs/get?run_id=${step.mlflow_run_id!}`);
    const metrics = Object.fromEntries(
      (stepRun.json.run as { data: { metrics: { key: string; value: number }[] } }).data.metrics.map((m) => [
        m.key,
        m.value,
      ]),
    );
    expect(Object.fromEntries(Object.entries(metrics).filter(([k]) => !k.startsWith('bosun.')))).toEqual({
      drift_share: 1,
      drifted_columns: 2,
      html_status: 200,
      html_is_report: 1,
      monitoring_status: 403,
    });
    const stepTags = await tagsOf(step.mlflow_run_id!);
    expect(stepTags.get('bosun.input.drift_report.digest')).toBe(
      tags.get('bosun.trigger.artifact.drift_report.digest'),
    );

    // The documented example ran too: its script logged what the report says.
    const [exampleFiring] = await waitFor('the example firing to start its run', async () => {
      const f = await firings('retrain-on-drift', 'retrain-example');
      return f.length === 1 && f[0]?.state === 'started' ? f : undefined;
    });
    const exampleRun = await finished(exampleFiring!.run_id!);
    expect(exampleRun.run.status).toBe('succeeded');
    const exampleStep = await call('GET', `${mlflow}/runs/get?run_id=${exampleRun.steps[0]!.mlflow_run_id!}`);
    const exampleData = (
      exampleStep.json.run as {
        data: { metrics: { key: string; value: number }[]; params: { key: string; value: string }[] };
      }
    ).data;
    expect(exampleData.metrics.find((m) => m.key === 'drift_share')?.value).toBe(1);
    expect(exampleData.params.find((p) => p.key === 'drifted')?.value).toBe('x,city');

    // The recovery: the on-recovery trigger fires (so the event was handled), the retrain trigger does not.
    await logWindow(T + 2 * MINUTE, false, 'w3');
    expect((await runMonitor(T + 3 * MINUTE)).resolved).toHaveLength(1);
    await waitFor('the recovery trigger to start its run', async () => {
      const f = await firings('note', 'on-recovery');
      return f.length === 1 && f[0]?.state === 'started' ? f : undefined;
    });
    expect(await firings('retrain', 'retrain-on-drift')).toHaveLength(1);
    expect(await firings('note', 'disabled')).toEqual([]);
  });

  it('fails a step reading trigger.drift_report in a run no alert started, saying why', async () => {
    const started = await call('POST', `${api}/runs`, { pipeline: 'retrain', params: {} });
    expect(started.status).toBe(200);
    const runId = (started.json.run as { run_id: string }).run_id;
    const done = await finished(runId);
    expect(done.run.status).toBe('failed');
    const step = done.steps.find((s) => s.step === 'retrain')!;
    expect(step.state).toBe('failed');
    expect(step.reason).toContain('trigger.drift_report');
    expect(step.reason).toContain('not started by a monitoring_alert trigger');
  });
});
