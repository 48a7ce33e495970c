import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import type { Clock } from '../../shared/clock.js';
import { BosunError } from '../../shared/errors.js';
import { openRegistryEvents, type TestRegistryEvents } from '../test-support/outbox-events.js';
import { WebhookService, WebhookTargetPolicy } from '../webhooks/index.js';
import { openTestSecretStore } from '../webhooks/test-support/test-secret-store.js';
import type { OutboxRegistryEventSink } from './outbox-event-sink.js';

class Rollback extends Error {}

describe.each(testEngines)('registry events on %s', (engine) => {
  let database: TestDatabase;
  let events: TestRegistryEvents;
  let sink: OutboxRegistryEventSink;
  let webhooks: WebhookService;
  let time = 1_700_000_000_000;
  const clock: Clock = { nowMs: () => time };

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    events = openRegistryEvents(database.handle, clock);
    sink = events.sink;
    webhooks = new WebhookService(
      database.handle.db,
      new WebhookTargetPolicy({ allowPrivateWebhookTargets: true }),
      { clock, secrets: await openTestSecretStore(database.handle) },
    );
  });
  afterAll(async () => database.dispose());

  const deliveryCount = async () =>
    (await database.handle.db.selectFrom('webhook_deliveries').select('id').execute()).length;

  it('records an event; the webhook consumer then queues deliveries for matching subscriptions', async () => {
    const db = database.handle.db;
    const global = await webhooks.create({ url: 'http://127.0.0.1:9/all' });
    const forRf = await webhooks.create({
      url: 'http://127.0.0.1:9/rf',
      modelName: 'rf',
      events: ['alias.set'],
    });
    const forOther = await webhooks.create({ url: 'http://127.0.0.1:9/other', modelName: 'other' });
    const event = await db.transaction().execute((trx) =>
      sink.record(trx, {
        type: 'alias.set',
        modelName: 'rf',
        version: '3',
        actor: 'alice',
        payload: { alias: 'champion', nested: { ok: true } },
      }),
    );
    expect(event).toMatchObject({ type: 'alias.set', modelName: 'rf', version: '3', actor: 'alice' });
    expect(event.id).toBeGreaterThan(0);
    expect(event.createdAt).toBe(time);
    expect(await deliveryCount()).toBe(0);
    expect(await events.fanOut()).toBe(1);

    const deliveries = await db
      .selectFrom('webhook_deliveries')
      .select(['subscription_id', 'event_id', 'status', 'attempts', 'next_attempt_at'])
      .orderBy('subscription_id')
      .execute();
    expect(deliveries).toEqual([
      {
        subscription_id: global.id,
        event_id: event.id,
        status: 'pending',
        attempts: 0,
        next_attempt_at: time,
      },
      {
        subscription_id: forRf.id,
        event_id: event.id,
        status: 'pending',
        attempts: 0,
        next_attempt_at: time,
      },
    ]);
    expect(deliveries.some((d) => d.subscription_id === forOther.id)).toBe(false);

    // A type the rf subscription does not want reaches only the global one.
    await db
      .transaction()
      .execute((trx) =>
        sink.record(trx, { type: 'model_version.created', modelName: 'rf', version: '4', payload: {} }),
      );
    await events.fanOut();
    expect(await deliveryCount()).toBe(3);
    // Each event is fanned out once: running the consumer again queues nothing.
    expect(await events.fanOut()).toBe(0);
    expect(await deliveryCount()).toBe(3);
  });

  it('a rolled-back transaction leaves no event and no delivery', async () => {
    const db = database.handle.db;
    const before = (await sink.listEvents({ maxResults: 1000 })).events.length;
    const deliveriesBefore = await deliveryCount();
    await expect(
      db.transaction().execute(async (trx) => {
        await sink.record(trx, { type: 'registered_model.created', modelName: 'ghost', payload: {} });
        throw new Rollback('the registry change failed');
      }),
    ).rejects.toBeInstanceOf(Rollback);
    await events.fanOut();
    expect((await sink.listEvents({ maxResults: 1000 })).events.length).toBe(before);
    expect((await sink.listEvents({ modelName: 'ghost' })).events).toEqual([]);
    expect(await deliveryCount()).toBe(deliveriesBefore);
  });

  it('lists events with filters and page tokens', async () => {
    const db = database.handle.db;
    time += 1000;
    const since = time;
    for (let i = 1; i <= 5; i++) {
      await db.transaction().execute((trx) =>
        sink.record(trx, {
          type: 'model_version.created',
          modelName: 'paged',
          version: String(i),
          payload: { i },
        }),
      );
    }
    await db
      .transaction()
      .execute((trx) =>
        sink.record(trx, { type: 'alias.set', modelName: 'paged', version: '5', payload: { alias: 'prod' } }),
      );

    const first = await sink.listEvents({ modelName: 'paged', maxResults: 4 });
    expect(first.events.map((e) => e.version)).toEqual(['1', '2', '3', '4']);
    expect(first.nextPageToken).toBeDefined();
    const second = await sink.listEvents({
      modelName: 'paged',
      maxResults: 4,
      pageToken: first.nextPageToken,
    });
    expect(second.events.map((e) => `${e.type}:${e.version}`)).toEqual([
      'model_version.created:5',
      'alias.set:5',
    ]);
    expect(second.nextPageToken).toBeUndefined();
    expect(second.events[1]?.payload).toEqual({ alias: 'prod' });

    const onlyAlias = await sink.listEvents({ modelName: 'paged', types: ['alias.set'] });
    expect(onlyAlias.events).toHaveLength(1);
    const v3 = await sink.listEvents({ modelName: 'paged', version: '3' });
    expect(v3.events.map((e) => e.payload)).toEqual([{ i: 3 }]);
    const recent = await sink.listEvents({ since });
    expect(recent.events.every((e) => e.modelName === 'paged')).toBe(true);
    expect(recent.events).toHaveLength(6);
    const newest = await sink.listEvents({ modelName: 'paged', order: 'desc', maxResults: 1 });
    expect(newest.events[0]?.type).toBe('alias.set');
  });

  it('moves subscriptions to the new name in the rename transaction; the consumer sends it the rename', async () => {
    const db = database.handle.db;
    const sub = await webhooks.create({ url: 'http://127.0.0.1:9/renamed', modelName: 'old-name' });
    await db.transaction().execute(async (trx) => {
      await sink.record(trx, {
        type: 'registered_model.renamed',
        modelName: 'new-name',
        payload: { oldName: 'old-name', newName: 'new-name' },
      });
      const moved = await trx
        .selectFrom('webhook_subscriptions')
        .select('model_name')
        .where('id', '=', sub.id)
        .executeTakeFirstOrThrow();
      expect(moved.model_name).toBe('new-name');
    });
    expect((await webhooks.get(sub.id)).modelName).toBe('new-name');
    await events.fanOut();
    const { deliveries } = await webhooks.listDeliveries(sub.id);
    expect(deliveries.map((d) => d.eventType)).toEqual(['registered_model.renamed']);
  });

  it('a rolled-back rename leaves the subscriptions where they were', async () => {
    const db = database.handle.db;
    const sub = await webhooks.create({ url: 'http://127.0.0.1:9/kept', modelName: 'kept-name' });
    await expect(
      db.transaction().execute(async (trx) => {
        await sink.record(trx, {
          type: 'registered_model.renamed',
          modelName: 'other-name',
          payload: { oldName: 'kept-name', newName: 'other-name' },
        });
        throw new Rollback('the rename failed');
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect((await webhooks.get(sub.id)).modelName).toBe('kept-name');
  });

  it('sends events recorded under the old name before a rename, not yet fanned out, to the moved subscriptions', async () => {
    const db = database.handle.db;
    const sub = await webhooks.create({ url: 'http://127.0.0.1:9/chain', modelName: 'first' });
    const record = (event: Parameters<OutboxRegistryEventSink['record']>[1]) =>
      db.transaction().execute((trx) => sink.record(trx, event));
    // None of these is fanned out before the last one commits.
    await record({ type: 'alias.set', modelName: 'first', version: '1', payload: { alias: 'a' } });
    await record({
      type: 'registered_model.renamed',
      modelName: 'second',
      payload: { oldName: 'first', newName: 'second' },
    });
    await record({ type: 'alias.set', modelName: 'second', version: '1', payload: { alias: 'b' } });
    await record({
      type: 'registered_model.renamed',
      modelName: 'third',
      payload: { oldName: 'second', newName: 'third' },
    });
    // A new model takes the first name: its events are not the subscription's.
    await record({ type: 'registered_model.created', modelName: 'first', payload: { tags: [] } });
    expect((await webhooks.get(sub.id)).modelName).toBe('third');
    await events.fanOut();
    const { deliveries } = await webhooks.listDeliveries(sub.id);
    expect(deliveries.map((d) => d.eventType).reverse()).toEqual([
      'alias.set',
      'registered_model.renamed',
      'alias.set',
      'registered_model.renamed',
    ]);
  });

  it('refuses bad queries with typed errors', async () => {
    await expect(sink.listEvents({ types: ['nope'] })).rejects.toBeInstanceOf(BosunError);
    await expect(sink.listEvents({ maxResults: 0 })).rejects.toThrow(/max_results/);
    await expect(sink.listEvents({ pageToken: '%%%' })).rejects.toThrow(/page token/);
  });
});
