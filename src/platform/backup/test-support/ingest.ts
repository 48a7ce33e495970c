import { createHash } from 'node:crypto';

/** One acknowledged unit of ingestion: a run with params, metrics and an artifact, maybe a model version. */
export interface Ingested {
  index: number;
  experimentId: string;
  runId: string;
  params: Record<string, string>;
  /** key → values in step order */
  metrics: Record<string, number[]>;
  artifactPath: string;
  artifactSha256: string;
  model?: { name: string; version: string };
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(base + path, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** Creates the experiment and registered model the loop writes into; returns the experiment id. */
export async function prepare(base: string, name: string): Promise<string> {
  const created = await call(base, 'POST', '/api/2.0/mlflow/experiments/create', { name });
  await call(base, 'POST', '/api/2.0/mlflow/registered-models/create', { name: `${name}-model` });
  return String(created.experiment_id);
}

/**
 * Writes one unit through the MLflow API and returns it once every request was acknowledged: a run, three
 * params, two metrics with five steps each, one artifact file (distinct bytes) and every third unit a version
 * of the registered model.
 */
export async function ingestOne(
  base: string,
  experimentId: string,
  name: string,
  index: number,
): Promise<Ingested> {
  const run = (await call(base, 'POST', '/api/2.0/mlflow/runs/create', {
    experiment_id: experimentId,
    run_name: `r${index}`,
    start_time: 1_700_000_000_000 + index,
  })) as { run: { info: { run_id: string } } };
  const runId = run.run.info.run_id;
  const params = { lr: String(index / 1000), depth: String(index % 7), tag: `unit-${index}` };
  const metrics: Record<string, number[]> = {
    loss: [0, 1, 2, 3, 4].map((s) => 1 / (index + s + 1)),
    acc: [0, 1, 2, 3, 4].map((s) => (index * 5 + s) / 1e6),
  };
  await call(base, 'POST', '/api/2.0/mlflow/runs/log-batch', {
    run_id: runId,
    params: Object.entries(params).map(([key, value]) => ({ key, value })),
    metrics: Object.entries(metrics).flatMap(([key, values]) =>
      values.map((value, step) => ({ key, value, step, timestamp: 1_700_000_000_000 + step })),
    ),
  });
  const bytes = Buffer.from(`artifact ${index} `.repeat(50 + (index % 13)));
  const artifactPath = `model/data-${index}.txt`;
  const put = await fetch(
    `${base}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/${artifactPath}`,
    { method: 'PUT', body: bytes },
  );
  if (put.status !== 200) throw new Error(`artifact upload: ${put.status} ${await put.text()}`);
  const unit: Ingested = {
    index,
    experimentId,
    runId,
    params,
    metrics,
    artifactPath,
    artifactSha256: createHash('sha256').update(bytes).digest('hex'),
  };
  if (index % 3 === 0) {
    const created = (await call(base, 'POST', '/api/2.0/mlflow/model-versions/create', {
      name: `${name}-model`,
      source: `runs:/${runId}/model`,
      run_id: runId,
    })) as { model_version: { version: string } };
    unit.model = { name: `${name}-model`, version: created.model_version.version };
  }
  await call(base, 'POST', '/api/2.0/mlflow/runs/update', {
    run_id: runId,
    status: 'FINISHED',
    end_time: 1_700_000_100_000,
  });
  return unit;
}

/** Everything of `unit` as the server now answers it, for comparison with what was written. */
export async function readBack(base: string, unit: Ingested): Promise<Ingested> {
  const run = (await call(base, 'GET', `/api/2.0/mlflow/runs/get?run_id=${unit.runId}`)) as {
    run: { info: { experiment_id: string }; data: { params?: { key: string; value: string }[] } };
  };
  const params: Record<string, string> = {};
  for (const p of run.run.data.params ?? []) params[p.key] = p.value;
  const metrics: Record<string, number[]> = {};
  for (const key of Object.keys(unit.metrics)) {
    const history = (await call(
      base,
      'GET',
      `/api/2.0/mlflow/metrics/get-history?run_id=${unit.runId}&metric_key=${key}`,
    )) as { metrics?: { step: number; value: number }[] };
    metrics[key] = (history.metrics ?? []).sort((a, b) => a.step - b.step).map((m) => m.value);
  }
  const res = await fetch(
    `${base}/api/2.0/mlflow-artifacts/artifacts/${unit.experimentId}/${unit.runId}/artifacts/${unit.artifactPath}`,
  );
  const artifactSha256 =
    res.status === 200
      ? createHash('sha256')
          .update(Buffer.from(await res.arrayBuffer()))
          .digest('hex')
      : `HTTP ${res.status}`;
  const back: Ingested = {
    index: unit.index,
    experimentId: run.run.info.experiment_id,
    runId: unit.runId,
    params,
    metrics,
    artifactPath: unit.artifactPath,
    artifactSha256,
  };
  if (unit.model) {
    const mv = (await call(
      base,
      'GET',
      `/api/2.0/mlflow/model-versions/get?name=${encodeURIComponent(unit.model.name)}&version=${unit.model.version}`,
    )) as { model_version: { version: string; run_id: string } };
    back.model = { name: unit.model.name, version: mv.model_version.version };
  }
  return back;
}

/** The server's audit chain check (`GET /api/bosun/v1/audit-log/verify`). */
export async function verifyAudit(base: string): Promise<{ valid: boolean; records: number }> {
  return (await call(base, 'GET', '/api/bosun/v1/audit-log/verify')) as { valid: boolean; records: number };
}
