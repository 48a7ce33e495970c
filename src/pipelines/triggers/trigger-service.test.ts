import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { EventConsumers } from '../../events/index.js';
import { catchUp } from '../../events/test-support/catch-up.js';
import { InvalidParameterError } from '../../shared/index.js';
import { recordingStarter, triggerFixture } from './test-support/trigger-fixtures.js';
import { triggerConsumerName } from './trigger-consumer.js';
import { TriggerTokenError } from './trigger-types.js';
import type { TriggerTables } from './trigger-tables.js';

const alert = (type: 'monitor.alert_fired' | 'monitor.alert_resolved', condition: string, model = 'churn') =>
  ({
    type,
    subject: 'mon-1',
    payload: {
      modelName: model,
      monitorName: 'daily',
      alertId: `a-${condition}`,
      condition,
      resultId: 'r1',
      message: 'drift',
      windowStart: 1,
      windowEnd: 2,
      driftShare: 0.5,
    },
  }) as const;

const versionCreated = (model: string, version: string) =>
  ({
    type: 'model_version.created',
    subject: model,
    subjectVersion: version,
    payload: { source: `models:/m-${version}`, storageLocation: 's' },
  }) as const;

describe.each(testEngines)('pipeline triggers (%s)', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => db.dispose());

  it('checks a trigger when it is created: kind, filter, parameter names, fields and types', async () => {
    const { triggers } = await triggerFixture(db.handle, recordingStarter(), 'checks');
    const base = { kind: 'registry_event', pipelineName: 'evaluate', createdBy: 'alice' };
    const filter = { event_types: ['model_version.created'] };
    const full = { model_name: '{{event.model_name}}', version: '{{event.version}}' };
    const refused = async (input: Record<string, unknown>, text: string) => {
      const err = await triggers.create({ name: 'bad', ...base, ...input } as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InvalidParameterError);
      expect((err as Error).message).toContain(text);
    };
    await refused({ kind: 'cron', filter, params: full }, "'cron'");
    await refused({ filter: { event_types: ['model_version.made'] }, params: full }, 'model_version.made');
    await refused({ filter: {}, params: full }, 'event_types');
    await refused({ filter: { ...filter, colour: 'red' }, params: full }, "'colour'");
    await refused({ filter, params: { ...full, lr: 1 } }, "no parameter 'lr'");
    await refused({ filter, params: { ...full, version: '{{event.versoin}}' } }, "no event field 'versoin'");
    await refused({ filter, params: { ...full, version: 'v{{event.version}}' } }, 'one whole placeholder');
    await refused({ filter, params: { model_name: '{{event.model_name}}' } }, "needs parameter 'version'");
    await refused({ filter, params: { ...full, threshold: 'high' } }, 'threshold');
    await refused({ kind: 'webhook', params: { model_name: '{{event.model_name}}' } }, 'webhook');
    await refused({ kind: 'monitoring_alert', filter: { states: ['asleep'] }, params: full }, 'asleep');
    await expect(
      triggers.create({ name: 'gone', ...base, pipelineName: 'missing', filter, params: full }),
    ).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    expect(await triggers.list()).toEqual([]);
  });

  it('starts the pipeline once per matching event, with parameters mapped from it; a replay starts nothing', async () => {
    const starter = recordingStarter('reg');
    const { triggers, runner, append } = await triggerFixture(db.handle, starter, 'registry');
    const { trigger, token } = await triggers.create({
      name: 'evaluate-new-churn',
      kind: 'registry_event',
      pipelineName: 'evaluate',
      filter: { event_types: ['model_version.created'], model_name: 'churn' },
      params: { model_name: '{{event.model_name}}', version: '{{event.version}}', threshold: 0.9 },
      createdBy: 'alice',
    });
    expect(token).toBeUndefined();
    expect(trigger.filter).toEqual({
      kind: 'registry_event',
      eventTypes: ['model_version.created'],
      modelName: 'churn',
      modelTags: {},
    });
    await append(versionCreated('churn', '3'));
    await append(versionCreated('fraud', '1'));
    await append({
      type: 'alias.set',
      subject: 'churn',
      subjectVersion: '3',
      payload: { alias: 'champion' },
    });
    await catchUp(runner, db.handle.db, [triggerConsumerName]);
    expect((await triggers.firings('evaluate-new-churn')).map((f) => f.state)).toEqual(['pending']);
    expect((await triggers.tick()).started).toEqual(['reg-1']);
    expect(starter.calls).toEqual([{ model_name: 'churn', version: 3, threshold: 0.9 }]);
    const [firing] = await triggers.firings('evaluate-new-churn');
    expect(firing).toMatchObject({ state: 'started', runId: 'reg-1', params: starter.calls[0] });
    expect(firing?.eventKey).toBe(`event:${String(firing?.eventId)}`);

    // The same events delivered again (a consumer replayed from the beginning): no new firing, no new run.
    await new EventConsumers(db.handle.db).reset(triggerConsumerName, { kind: 'beginning' });
    await catchUp(runner, db.handle.db, [triggerConsumerName]);
    expect((await triggers.tick()).started).toEqual([]);
    expect(starter.calls).toHaveLength(1);
    expect(await triggers.firings('evaluate-new-churn')).toHaveLength(1);

    // Disabled: the next version fires nothing; enabled again, the one after does.
    await triggers.setEnabled('evaluate-new-churn', false);
    await append(versionCreated('churn', '4'));
    await catchUp(runner, db.handle.db, [triggerConsumerName]);
    expect((await triggers.tick()).started).toEqual([]);
    expect(await triggers.firings('evaluate-new-churn')).toHaveLength(1);
    await triggers.setEnabled('evaluate-new-churn', true);
    await append(versionCreated('churn', '5'));
    await catchUp(runner, db.handle.db, [triggerConsumerName]);
    expect((await triggers.tick()).started).toEqual(['reg-2']);
    expect(starter.calls[1]).toEqual({ model_name: 'churn', version: 5, threshold: 0.9 });
    await triggers.delete('evaluate-new-churn');
  });

  it('filters on the registered model tags and records a mapping the event cannot fill as a failed firing', async () => {
    const starter = recordingStarter('tags');
    const { triggers, runner, append } = await triggerFixture(db.handle, starter, 'tags');
    const now = Date.now();
    await db.handle.db
      .insertInto('registered_models')
      .values([
        {
          name: 'growth-model',
          description: null,
          creation_time: now,
          last_updated_time: now,
          last_version: 0,
        },
        {
          name: 'other-model',
          description: null,
          creation_time: now,
          last_updated_time: now,
          last_version: 0,
        },
      ])
      .execute();
    const { registered_model_id: id } = await db.handle.db
      .selectFrom('registered_models')
      .select('registered_model_id')
      .where('name', '=', 'growth-model')
      .executeTakeFirstOrThrow();
    await db.handle.db
      .insertInto('registered_model_tags')
      .values({ registered_model_id: id, key: 'team', value: 'growth' })
      .execute();
    await triggers.create({
      name: 'growth-versions',
      kind: 'registry_event',
      pipelineName: 'evaluate',
      filter: { event_types: ['model_version.created'], model_tags: { team: 'growth' } },
      params: { model_name: '{{event.model_name}}', version: '{{event.version}}' },
      createdBy: 'alice',
    });
    await triggers.create({
      name: 'on-alias',
      kind: 'registry_event',
      pipelineName: 'evaluate',
      filter: { event_types: ['alias.set'], alias: 'champion' },
      // An alias is not a version number: the firing fails with the reason, and nothing starts.
      params: { model_name: '{{event.model_name}}', version: '{{event.alias}}' },
      createdBy: 'alice',
    });
    await append(versionCreated('growth-model', '7'));
    await append(versionCreated('other-model', '2'));
    await append({
      type: 'alias.set',
      subject: 'other-model',
      subjectVersion: '2',
      payload: { alias: 'champion' },
    });
    await append({
      type: 'alias.set',
      subject: 'other-model',
      subjectVersion: '2',
      payload: { alias: 'shadow' },
    });
    await catchUp(runner, db.handle.db, [triggerConsumerName]);
    expect((await triggers.tick()).started).toEqual(['tags-1']);
    expect(starter.calls).toEqual([{ model_name: 'growth-model', version: 7 }]);
    const [failed, ...more] = await triggers.firings('on-alias');
    expect(more).toEqual([]);
    expect(failed).toMatchObject({ state: 'failed' });
    expect(failed?.error).toContain("'champion' is not a number");
    await triggers.delete('growth-versions');
    await triggers.delete('on-alias');
  });

  it('starts a run on a monitoring alert of the filtered model, condition and change', async () => {
    const starter = recordingStarter('alert');
    const { triggers, runner, append } = await triggerFixture(db.handle, starter, 'alerts');
    await triggers.create({
      name: 'retrain-on-drift',
      kind: 'monitoring_alert',
      pipelineName: 'evaluate',
      filter: { model_name: 'churn', conditions: ['data_drift'] },
      params: { model_name: '{{event.model_name}}', version: 1, threshold: '{{event.drift_share}}' },
      createdBy: 'carol',
    });
    // A trigger whose stored filter no longer reads is skipped; the others still fire.
    await triggers.create({
      name: 'stale',
      kind: 'monitoring_alert',
      pipelineName: 'evaluate',
      params: { model_name: 'x', version: 1 },
      createdBy: 'carol',
    });
    await db.handle.db
      .withTables<TriggerTables>()
      .updateTable('pipeline_triggers')
      .set({ filter: JSON.stringify({ states: ['sleeping'] }) })
      .where('name', '=', 'stale')
      .execute();
    await append(alert('monitor.alert_fired', 'data_drift'));
    await append(alert('monitor.alert_resolved', 'data_drift'));
    await append(alert('monitor.alert_fired', 'performance'));
    await append(alert('monitor.alert_fired', 'data_drift', 'fraud'));
    await catchUp(runner, db.handle.db, [triggerConsumerName]);
    expect((await triggers.tick()).started).toEqual(['alert-1']);
    expect(starter.calls).toEqual([{ model_name: 'churn', version: 1, threshold: 0.5 }]);
    await triggers.delete('retrain-on-drift');
    await db.handle.db
      .withTables<TriggerTables>()
      .deleteFrom('pipeline_triggers')
      .where('name', '=', 'stale')
      .execute();
  });

  it('fails a firing left starting by a server that stopped, and one whose pipeline version is gone', async () => {
    const starter = recordingStarter('lost');
    const { triggers, runner, append } = await triggerFixture(db.handle, starter, 'lost');
    const { trigger } = await triggers.create({
      name: 'pinned',
      kind: 'registry_event',
      pipelineName: 'evaluate',
      pipelineVersion: 1,
      filter: { event_types: ['model_version.created'], model_name: 'pinned-model' },
      params: { model_name: '{{event.model_name}}', version: '{{event.version}}' },
      createdBy: 'erin',
    });
    const firings = db.handle.db.withTables<TriggerTables>();
    const row = (key: string, state: string, startedAt: number | null) => ({
      trigger_id: trigger.triggerId,
      event_key: key,
      event_id: null,
      state,
      params: JSON.stringify({ model_name: 'pinned-model', version: 1 }),
      run_id: null,
      error: null,
      claimed_by: startedAt === null ? null : 'gone-server',
      started_at: startedAt,
      created_at: Date.now(),
    });
    await firings
      .insertInto('pipeline_trigger_firings')
      .values([
        row('event:lost', 'starting', Date.now() - 11 * 60_000),
        row('event:recent', 'starting', Date.now()),
      ])
      .execute();
    expect((await triggers.tick()).started).toEqual([]);
    const byKey = new Map((await triggers.firings('pinned')).map((f) => [f.eventKey, f]));
    expect(byKey.get('event:lost')).toMatchObject({ state: 'failed' });
    expect(byKey.get('event:lost')?.error).toContain('stopped before it started');
    // Claimed a moment ago: its server may still start it.
    expect(byKey.get('event:recent')).toMatchObject({ state: 'starting' });

    // The pinned version no longer exists (another database's history, say): the firing fails with the reason.
    await firings
      .updateTable('pipeline_triggers')
      .set({ pipeline_version: 99 })
      .where('trigger_id', '=', trigger.triggerId)
      .execute();
    await append(versionCreated('pinned-model', '2'));
    await catchUp(runner, db.handle.db, [triggerConsumerName]);
    await triggers.tick();
    const failed = (await triggers.firings('pinned')).filter((f) => f.eventId !== undefined);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ state: 'failed' });
    expect(failed[0]?.error).toMatch(/evaluate/);
    expect(starter.calls).toEqual([]);
    await triggers.delete('pinned');
  });

  it('fires a webhook trigger only with its token, merges and checks the body parameters, once per key', async () => {
    const starter = recordingStarter('ci');
    const { triggers } = await triggerFixture(db.handle, starter, 'webhook');
    const { token } = await triggers.create({
      name: 'ci',
      kind: 'webhook',
      pipelineName: 'evaluate',
      params: { model_name: 'churn' },
      createdBy: 'alice',
    });
    expect(token).toMatch(/^bpt_[A-Za-z0-9_-]{43}$/);
    for (const wrong of [undefined, 'bpt_wrong', `${String(token)}x`]) {
      await expect(triggers.fireWebhook('ci', wrong, { params: { version: 1 } })).rejects.toBeInstanceOf(
        TriggerTokenError,
      );
    }
    // An unknown trigger answers the same as a wrong token.
    await expect(triggers.fireWebhook('nope', token, {})).rejects.toBeInstanceOf(TriggerTokenError);
    await expect(triggers.fireWebhook('ci', token, { params: { version: 'latest' } })).rejects.toThrow(
      "'latest' is not a number",
    );
    await expect(triggers.fireWebhook('ci', token, { params: { lr: 1 } })).rejects.toThrow(
      "no parameter 'lr'",
    );
    expect(starter.calls).toEqual([]);
    expect(await triggers.firings('ci')).toEqual([]);

    const first = await triggers.fireWebhook('ci', token, { params: { version: '12' }, key: 'job-77' });
    expect(first).toMatchObject({ duplicate: false, firing: { state: 'started', runId: 'ci-1' } });
    expect(starter.calls).toEqual([{ model_name: 'churn', version: 12 }]);
    const again = await triggers.fireWebhook('ci', token, { params: { version: '13' }, key: 'job-77' });
    expect(again).toMatchObject({ duplicate: true, firing: { runId: 'ci-1' } });
    expect(starter.calls).toHaveLength(1);

    await triggers.setEnabled('ci', false);
    await expect(triggers.fireWebhook('ci', token, { params: { version: 1 } })).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
    expect(starter.calls).toHaveLength(1);
    await triggers.delete('ci');
  });
});
