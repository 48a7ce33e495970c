import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import {
  adminPassword,
  basicAuth,
  startAuthPipelineHarness,
  type AuthPipelineHarness,
} from '../test-support/auth-harness.js';
import { StepTokenService } from './step-token-service.js';

/** A step (Node, plain HTTP) that tries what its token may and may not do, and keeps the token for later. */
const probe = `
import { writeFileSync } from 'node:fs';
const [otherExperiment, tokenFile, resultFile] = process.argv.slice(2);
const base = process.env.MLFLOW_TRACKING_URI;
const token = process.env.MLFLOW_TRACKING_TOKEN;
const own = process.env.MLFLOW_RUN_ID;
const parent = process.env.BOSUN_PIPELINE_RUN_ID;
const call = async (method, path, body) => {
  const r = await fetch(base + path, {
    method,
    headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return r.status;
};
const metric = (run_id) => ({ run_id, key: 'probe', value: 1, timestamp: 1, step: 0 });
const result = {
  hasToken: typeof token === 'string' && token.length > 0,
  logOwn: await call('POST', '/api/2.0/mlflow/runs/log-metric', metric(own)),
  readParent: await call('GET', '/api/2.0/mlflow/runs/get?run_id=' + parent),
  searchOwnExperiment: await call('POST', '/api/2.0/mlflow/runs/search', { experiment_ids: [process.env.MLFLOW_EXPERIMENT_ID] }),
  writeParent: await call('POST', '/api/2.0/mlflow/runs/log-metric', metric(parent)),
  readOther: await call('GET', '/api/2.0/mlflow/experiments/get?experiment_id=' + otherExperiment),
  createExperiment: await call('POST', '/api/2.0/mlflow/experiments/create', { name: 'from-a-step' }),
  adminRoute: await call('GET', '/api/bosun/v1/users'),
  pipelinesRoute: await call('GET', '/api/bosun/v1/pipelines/runs'),
  deleteOwn: await call('POST', '/api/2.0/mlflow/runs/delete', { run_id: own }),
};
writeFileSync(tokenFile, token ?? '');
writeFileSync(resultFile, JSON.stringify(result));
`;

describe.each(testEngines)('pipeline step token with auth on (%s)', (engine) => {
  let h: AuthPipelineHarness;
  beforeAll(async () => {
    h = await startAuthPipelineHarness(engine);
  });
  afterAll(async () => h.close());

  it('lets a step write its own run and read its pipeline, refuses everything else, and ends with the step', async () => {
    writeFileSync(join(h.codeDir, 'probe.mjs'), probe);
    const other = await h.platform.tracking.createExperiment({ name: 'someone-else' });
    const tokenFile = join(h.codeDir, 'token.txt');
    const resultFile = join(h.codeDir, 'result.json');
    const pipelines = h.platform.pipelines;
    await pipelines.define({
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: 'probe',
        steps: { probe: { command: [process.execPath, 'probe.mjs', other, tokenFile, resultFile] } },
      },
      codeDir: h.codeDir,
      createdBy: 'admin',
    });
    // Started by an administrator: what the step is refused comes from the token's scope, not the user's rights.
    const { run, done } = await pipelines.start({ name: 'probe', params: {}, createdBy: 'admin' });
    const status = await done;
    if (status !== 'succeeded') console.log(await pipelines.logs(run.runId));
    expect(status).toBe('succeeded');
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as Record<string, unknown>;
    expect(result).toEqual({
      hasToken: true,
      logOwn: 200,
      readParent: 200,
      searchOwnExperiment: 200,
      writeParent: 403,
      readOther: 403,
      createExperiment: 403,
      adminRoute: 403,
      pipelinesRoute: 403,
      deleteOwn: 403,
    });
    const details = await pipelines.getRun(run.runId);
    const stepRunId = details.steps[0]?.mlflowRunId ?? '';
    const stepRun = await h.platform.tracking.getRun(stepRunId);
    expect(stepRun.data.metrics.find((m) => m.key === 'probe')?.value).toBe(1);

    // The step has ended: its token is revoked.
    const token = readFileSync(tokenFile, 'utf8');
    expect(token).toMatch(/^bsn_/);
    const after = await h.call('GET', `/api/2.0/mlflow/runs/get?run_id=${stepRunId}`, `Bearer ${token}`);
    expect(after.status).toBe(401);
    expect(after.json['error_code']).toBe('UNAUTHENTICATED');
    // The token never reached the step's stored logs.
    const logs = await pipelines.logs(run.runId);
    expect(JSON.stringify(logs)).not.toContain(token);
    // The administrator's own credentials still reach the same run.
    const asAdmin = await h.call(
      'GET',
      `/api/2.0/mlflow/runs/get?run_id=${stepRunId}`,
      basicAuth('admin', adminPassword),
    );
    expect(asAdmin.status).toBe(200);
  });
});

describe.each(testEngines)('StepTokenService (%s)', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => db.dispose());

  it('expires a token that is not renewed, keeps a renewed one, and refuses a revoked one', async () => {
    let now = 1_000_000;
    const tokens = new StepTokenService({ handle: db.handle, now: () => now, ttlMs: 60_000 });
    const input = {
      username: 'alice',
      pipelineRunId: 'p',
      stepRunId: 's',
      mlflowRunId: 'r',
      experimentId: '7',
    };
    const kept = await tokens.issue(input);
    const left = await tokens.issue(input);
    expect(await tokens.check(kept.token)).toEqual({
      status: 'valid',
      username: 'alice',
      scope: { experimentId: '7', runId: 'r', pipelineRunId: 'p', stepRunId: 's' },
    });
    now += 50_000;
    await kept.renew();
    now += 20_000;
    // The server died for `left`'s step: nobody renewed it, and time ended it.
    expect(await tokens.check(left.token)).toEqual({ status: 'refused', reason: 'expired_token' });
    expect((await tokens.check(kept.token)).status).toBe('valid');
    await kept.revoke();
    expect(await tokens.check(kept.token)).toEqual({ status: 'refused', reason: 'revoked_token' });
    // A renewal after the end does not bring it back.
    await kept.renew();
    expect((await tokens.check(kept.token)).status).toBe('refused');
    expect(await tokens.check('bsn_not-a-token')).toEqual({ status: 'not-a-step-token' });
    now += 25 * 60 * 60_000;
    expect(await tokens.purge()).toBe(2);
  });
});
