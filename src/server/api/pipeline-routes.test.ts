import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basic,
  expectError,
  startAuthTestServer,
  type AuthTestServer,
} from '../test-support/auth-test-server.js';

const api = '/api/bosun/v1/pipelines';
const bob = basic('bob', 'Bob-password-123-long');

const yaml = (name: string, command: string) => `apiVersion: bosun.dev/v1
kind: Pipeline
name: ${name}
params:
  who: { type: string, default: world }
steps:
  hello:
    command: [sh, -c, '${command}', sh, '{{inputs.who}}']
    inputs:
      who: { type: string, from: params.who }
`;

async function settled(t: AuthTestServer, runId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 600; i++) {
    const answer = await t.call('GET', `${api}/runs/${runId}`);
    const run = answer.json.run as { status: string };
    if (run.status !== 'running') return answer.json;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the run never ended');
}

describe('pipeline routes (auth on)', () => {
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthTestServer('bosun-pipeline-routes-');
    const created = await t.call('POST', '/api/2.0/mlflow/users/create', {
      username: 'bob',
      password: 'Bob-password-123-long',
    });
    expect(created.status).toBe(200);
  });
  afterAll(async () => t.close());

  it('defines (administrators only), runs, reads, plans and logs a pipeline', async () => {
    const defined = await t.call('POST', `${api}/definitions`, {
      document: yaml('greet', 'echo "hello $1"'),
    });
    expect(defined.status).toBe(200);
    expect(defined.json).toMatchObject({ created: true, pipeline: { name: 'greet', version: 1 } });
    expect(
      (await t.call('POST', `${api}/definitions`, { document: yaml('greet', 'echo "hello $1"') })).json,
    ).toMatchObject({ created: false, pipeline: { version: 1 } });
    expectError(
      await t.call('POST', `${api}/definitions`, { document: yaml('other', 'true') }, bob),
      403,
      'PERMISSION_DENIED',
    );

    const started = await t.call('POST', `${api}/runs`, { pipeline: 'greet', params: { who: 'api' } });
    expect(started.status).toBe(200);
    const runId = (started.json.run as { run_id: string }).run_id;
    const details = await settled(t, runId);
    expect(details).toMatchObject({
      run: { status: 'succeeded', pipeline: 'greet', params: { who: 'api' } },
      version: 1,
    });
    expect((details.steps as unknown[])[0]).toMatchObject({
      step: 'hello',
      state: 'succeeded',
      exit_code: 0,
      item_index: null,
    });

    const logs = await t.call('GET', `${api}/runs/${runId}/logs?step=hello`);
    expect(logs.json).toEqual({
      logs: [
        expect.objectContaining({
          step: 'hello',
          stdout: 'hello api\n',
          stderr: '',
          stdout_offset: 0,
          stdout_next: 10,
          stderr_offset: 0,
          stderr_next: 0,
        }),
      ],
    });
    // From an offset: only what follows; past the end (a stream that started over): all of it, from 0.
    const tail = await t.call('GET', `${api}/runs/${runId}/logs?step=hello&stdout_offset=6&stderr_offset=0`);
    expect(tail.json.logs).toEqual([
      expect.objectContaining({ stdout: 'api\n', stdout_offset: 6, stdout_next: 10, stderr: '' }),
    ]);
    const over = await t.call('GET', `${api}/runs/${runId}/logs?step=hello&stdout_offset=99`);
    expect(over.json.logs).toEqual([
      expect.objectContaining({ stdout: 'hello api\n', stdout_offset: 0, stdout_next: 10 }),
    ]);
    expectError(
      await t.call('GET', `${api}/runs/${runId}/logs?step=hello&stdout_offset=-1`),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    const plan = await t.call('POST', `${api}/plan`, { pipeline: 'greet', params: { who: 'api' } });
    expect(plan.json).toMatchObject({ plan: [{ step: 'hello', decision: 'hit', changed: [] }] });
    const other = await t.call('POST', `${api}/plan`, { pipeline: 'greet', params: { who: 'else' } });
    expect(other.json).toMatchObject({ plan: [{ step: 'hello', decision: 'miss', changed: ['input:who'] }] });

    // Bob reads (default READ) but may not run, cancel or resume.
    expect((await t.call('GET', `${api}/runs/${runId}`, undefined, bob)).status).toBe(200);
    expect(((await t.call('GET', `${api}/runs`, undefined, bob)).json.runs as unknown[]).length).toBe(1);
    expectError(await t.call('POST', `${api}/runs`, { pipeline: 'greet' }, bob), 403, 'PERMISSION_DENIED');
    expectError(
      await t.call('POST', `${api}/runs/${runId}/resume`, undefined, bob),
      403,
      'PERMISSION_DENIED',
    );
  });

  it('answers bad requests in the API format, never 500', async () => {
    expectError(
      await t.call('POST', `${api}/definitions`, { document: 'steps: [' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await t.call('POST', `${api}/definitions`, {
        document: {
          apiVersion: 'bosun.dev/v1',
          kind: 'Pipeline',
          name: 'x',
          steps: { a: { command: ['true'], after: ['nope'] } },
        },
      }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await t.call('POST', `${api}/runs`, { pipeline: 'greet', params: { who: 3 } }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await t.call('POST', `${api}/runs`, { pipeline: 'greet', params: { nope: 'x' } }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(await t.call('POST', `${api}/runs`, { params: {} }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await t.call('GET', `${api}/runs/nope123`), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await t.call('GET', `${api}/runs?status=maybe`), 400, 'INVALID_PARAMETER_VALUE');
    const done = (await t.call('GET', `${api}/runs?pipeline=greet`)).json.runs as { run_id: string }[];
    expectError(await t.call('POST', `${api}/runs/${done[0]!.run_id}/cancel`), 409, 'INVALID_STATE');
    expectError(await t.call('POST', `${api}/runs/${done[0]!.run_id}/resume`), 409, 'INVALID_STATE');
  });

  it('cancels a running run and records run started and cancelled in the audit log', async () => {
    await t.call('POST', `${api}/definitions`, { document: yaml('sleepy', 'seq 1 3000; sleep 300') });
    const started = await t.call('POST', `${api}/runs`, { pipeline: 'sleepy' });
    const runId = (started.json.run as { run_id: string }).run_id;
    // The running step's log, followed from an offset. The masker of the step's token holds back the last
    // bytes of a stream until the process ends, so only a head of `seq`'s lines is seen while it sleeps.
    type Log = { state: string; stdout: string; stdout_offset: number; stdout_next: number };
    const logsFrom = async (offset: number) =>
      (
        (await t.call('GET', `${api}/runs/${runId}/logs?step=hello&stdout_offset=${offset}`)).json.logs as
          Log[] | undefined
      )?.[0];
    let live: Log | undefined;
    for (let i = 0; i < 600; i++) {
      live = await logsFrom(0);
      if (live?.state === 'running' && live.stdout.length > 10) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(live).toMatchObject({ state: 'running', stdout_offset: 0 });
    expect(live?.stdout.startsWith('1\n2\n3\n')).toBe(true);
    expect(live?.stdout_next).toBe(live?.stdout.length);
    const at = live?.stdout_next ?? 0;
    const next = await logsFrom(at);
    expect(next).toMatchObject({ state: 'running', stdout_offset: at });
    expect(next?.stdout_next).toBe(at + (next?.stdout.length ?? 0));
    const whole = await logsFrom(0);
    expect(whole?.stdout.slice(at, next?.stdout_next)).toBe(next?.stdout);
    const cancelled = await t.call('POST', `${api}/runs/${runId}/cancel`);
    expect(cancelled.status).toBe(200);
    const details = await settled(t, runId);
    expect(details).toMatchObject({ run: { status: 'cancelled' } });
    expect((details.steps as unknown[])[0]).toMatchObject({ state: 'cancelled' });

    const audit = (await t.call('GET', '/api/bosun/v1/audit-log?max_results=200')).json.entries as Record<
      string,
      unknown
    >[];
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: `POST ${api}/runs`,
        resource_type: 'pipeline',
        resource_id: 'sleepy',
        outcome: 'success',
      }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: `POST ${api}/runs/:run_id/cancel`,
        resource_type: 'pipeline_run',
        resource_id: runId,
      }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: `POST ${api}/definitions`,
        resource_type: 'pipeline',
        resource_id: null,
        outcome: 'denied',
      }),
    );
  });

  it('documents every pipeline route in the OpenAPI document', async () => {
    const doc = (await t.call('GET', '/api/bosun/v1/openapi.json')).json as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      '/definitions',
      '/definitions/{name}',
      '/runs',
      '/runs/{run_id}',
      '/runs/{run_id}/cancel',
      '/runs/{run_id}/resume',
      '/runs/{run_id}/logs',
      '/plan',
    ]) {
      expect(doc.paths).toHaveProperty(`${api}${path}`);
    }
  });
});
