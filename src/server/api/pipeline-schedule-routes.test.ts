import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basic,
  expectError,
  startAuthTestServer,
  type AuthTestServer,
} from '../test-support/auth-test-server.js';

const api = '/api/bosun/v1/pipelines';
const bob = basic('bob', 'Bob-password-123-long');

const document = `apiVersion: bosun.dev/v1
kind: Pipeline
name: nightly
params:
  day: { type: string }
steps:
  hello:
    command: [sh, -c, 'echo "day $1"', sh, '{{inputs.day}}']
    inputs:
      day: { type: string, from: params.day }
`;

describe('pipeline schedule routes (auth on)', () => {
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthTestServer('bosun-pipeline-schedules-', { defaultPermission: 'NO_PERMISSIONS' });
    expect(
      (
        await t.call('POST', '/api/2.0/mlflow/users/create', {
          username: 'bob',
          password: 'Bob-password-123-long',
        })
      ).status,
    ).toBe(200);
    expect((await t.call('POST', `${api}/definitions`, { document })).status).toBe(200);
  });
  afterAll(async () => t.close());

  it('creates, lists, backfills (runs start with the scheduled day), refuses what it must, deletes', async () => {
    const created = await t.call('POST', `${api}/schedules`, {
      name: 'nightly-berlin',
      pipeline: 'nightly',
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      params: { day: '{{scheduled_time}}' },
      catch_up: 'skip',
    });
    expect(created.status).toBe(200);
    expect(created.json.schedule).toMatchObject({
      name: 'nightly-berlin',
      pipeline: 'nightly',
      timezone: 'Europe/Berlin',
      catch_up: 'skip',
      max_concurrent: 1,
      created_by: 'admin',
    });
    expect(typeof (created.json.schedule as { next_fire_at: unknown }).next_fire_at).toBe('number');

    // Clear errors, never a 500.
    const bad = { name: 'bad', pipeline: 'nightly' };
    expectError(
      await t.call('POST', `${api}/schedules`, { ...bad, cron: 'nightly' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await t.call('POST', `${api}/schedules`, { ...bad, cron: '0 2 * * *', timezone: 'Mars/Base' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await t.call('POST', `${api}/schedules`, { ...bad, cron: '0 2 * * *', catch_up: 'sometimes' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(
      await t.call('POST', `${api}/schedules`, { ...bad, pipeline: 'missing', cron: '0 2 * * *' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    const dup = await t.call('POST', `${api}/schedules`, {
      name: 'nightly-berlin',
      pipeline: 'nightly',
      cron: '0 3 * * *',
    });
    expect(dup.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    // Who may schedule: EDIT on the pipeline's experiment (bob has none); bob's list shows nothing.
    expectError(
      await t.call('POST', `${api}/schedules`, { name: 'bobs', pipeline: 'nightly', cron: '0 2 * * *' }, bob),
      403,
      'PERMISSION_DENIED',
    );
    expect((await t.call('GET', `${api}/schedules`, undefined, bob)).json).toEqual({ schedules: [] });
    expectError(
      await t.call(
        'POST',
        `${api}/schedules/nightly/nightly-berlin/backfill`,
        { from: '2026-06-01', to: '2026-06-02' },
        bob,
      ),
      403,
      'PERMISSION_DENIED',
    );
    expect(
      ((await t.call('GET', `${api}/schedules`)).json.schedules as { name: string }[]).map((s) => s.name),
    ).toEqual(['nightly-berlin']);

    // A backfill of two days (the cap itself: src/pipelines/schedule): both runs start with their day as parameter.
    const backfill = await t.call('POST', `${api}/schedules/nightly/nightly-berlin/backfill`, {
      from: '2026-06-01T00:00:00Z',
      to: '2026-06-02T23:59:59Z',
      max_concurrent: 2,
    });
    expect(backfill.json).toEqual({
      queued: 2,
      fire_times: [Date.parse('2026-06-01T00:00:00Z'), Date.parse('2026-06-02T00:00:00Z')],
    });
    expectError(
      await t.call('POST', `${api}/schedules/nightly/nightly-berlin/backfill`, {
        from: 'yesterday',
        to: 'today',
      }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    let fires: { state: string; run_id: string | null; fire_time: number }[] = [];
    for (let i = 0; i < 400; i++) {
      fires = (await t.call('GET', `${api}/schedules/nightly/nightly-berlin`)).json.fires as typeof fires;
      if (fires.every((f) => f.state === 'finished')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(fires.map((f) => f.state)).toEqual(['finished', 'finished']);
    const runs = (await t.call('GET', `${api}/runs?pipeline=nightly`)).json.runs as {
      run_id: string;
      params: { day: string };
      status: string;
      created_by: string;
    }[];
    expect(runs.map((r) => [r.params.day, r.status, r.created_by]).sort()).toEqual([
      ['2026-06-01T00:00:00.000Z', 'succeeded', 'admin'],
      ['2026-06-02T00:00:00.000Z', 'succeeded', 'admin'],
    ]);
    expect(new Set(fires.map((f) => f.run_id))).toEqual(new Set(runs.map((r) => r.run_id)));

    // The wrong pipeline in the path is a 404; then the schedule goes.
    expectError(
      await t.call('DELETE', `${api}/schedules/other/nightly-berlin`),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expect((await t.call('DELETE', `${api}/schedules/nightly/nightly-berlin`)).status).toBe(200);
    expect((await t.call('GET', `${api}/schedules`)).json).toEqual({ schedules: [] });

    const audit = (await t.call('GET', '/api/bosun/v1/audit-log?max_results=200')).json.entries as Record<
      string,
      unknown
    >[];
    for (const action of [
      `POST ${api}/schedules`,
      `POST ${api}/schedules/:pipeline/:name/backfill`,
      `DELETE ${api}/schedules/:pipeline/:name`,
    ]) {
      expect(audit).toContainEqual(
        expect.objectContaining({
          action,
          resource_type: 'pipeline_schedule',
          resource_id: 'nightly-berlin',
          outcome: 'success',
        }),
      );
    }
    expect(audit).toContainEqual(
      expect.objectContaining({ action: `POST ${api}/schedules`, actor: 'bob', outcome: 'denied' }),
    );
  });
});
