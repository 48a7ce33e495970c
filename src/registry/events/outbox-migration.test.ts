import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest } from '../../db/index.js';
import { openUnmigratedTestDatabase, testEngines } from '../../db/test-support/test-databases.js';
import { openRegistryEvents } from '../test-support/outbox-events.js';
import { WebhookService, WebhookTargetPolicy } from '../webhooks/index.js';
import { OutboxRegistryEventSink } from './outbox-event-sink.js';

describe.each(testEngines)('migration 0010 (event outbox) on %s', (engine) => {
  it('keeps every registry event with its id, its deliveries, and does not send them again', async () => {
    const { handle, dispose } = await openUnmigratedTestDatabase(engine, 'outbox_0010');
    try {
      const applied = await migrateTo(handle, '0009-webhook-secret-ref');
      expect(applied.at(-1)).toBe('0009-webhook-secret-ref');
      // Data as the old code wrote it: events, a subscription, deliveries queued with their events, a log.
      await sql`insert into registry_events (type, model_name, version, actor, payload, created_at) values
        ('registered_model.created', 'rf', null, null, '{"tags":[]}', 1000),
        ('alias.set', 'rf', '3', 'alice', '{"alias":"champion"}', 2000),
        ('registered_model.renamed', 'rf2', null, 'bob', '{"oldName":"rf","newName":"rf2"}', 3000)`.execute(
        handle.db,
      );
      await sql`insert into webhook_subscriptions (model_name, url, event_types, secret_ref, legacy_secret, active, created_at)
        values ('rf2', 'http://127.0.0.1:9/old', '[]', null, 'legacy-secret-0123456789', 1, 500)`.execute(
        handle.db,
      );
      await sql`insert into webhook_deliveries (subscription_id, event_id, status, attempts, next_attempt_at,
          lease_owner, last_status_code, last_error, created_at, updated_at)
        values (1, 2, 'succeeded', 1, 2000, null, 200, null, 2000, 2001),
               (1, 3, 'pending', 1, 9000, null, 503, 'receiver answered 503', 3000, 3001)`.execute(handle.db);
      await sql`insert into webhook_delivery_attempts (delivery_id, attempt, status_code, error, duration_ms, created_at)
        values (1, 1, 200, null, 12, 2001)`.execute(handle.db);

      expect(await migrateTo(handle, '0010-event-outbox')).toEqual(['0010-event-outbox']);

      const tables = (await handle.db.introspection.getTables()).map((t) => t.name);
      expect(tables).toContain('event_outbox');
      expect(tables).toContain('event_consumers');
      expect(tables).not.toContain('registry_events');
      const rows = await handle.db.selectFrom('event_outbox').selectAll().orderBy('id').execute();
      expect(
        rows.map((r) => [Number(r.id), r.subject_kind, r.subject, r.subject_version, Number(r.xact_id)]),
      ).toEqual([
        [1, 'registered_model', 'rf', null, 0],
        [2, 'registered_model', 'rf', '3', 0],
        [3, 'registered_model', 'rf2', null, 0],
      ]);

      // The later migrations, as a server start applies them: today's code runs on today's schema.
      await migrateToLatest(handle);
      const events = new OutboxRegistryEventSink(openRegistryEvents(handle).outbox);
      const listed = await events.listEvents({ modelName: 'rf' });
      expect(listed.events).toEqual([
        { id: 1, type: 'registered_model.created', modelName: 'rf', payload: { tags: [] }, createdAt: 1000 },
        {
          id: 2,
          type: 'alias.set',
          modelName: 'rf',
          version: '3',
          actor: 'alice',
          payload: { alias: 'champion' },
          createdAt: 2000,
        },
      ]);
      const webhooks = new WebhookService(
        handle.db,
        new WebhookTargetPolicy({ allowPrivateWebhookTargets: true }),
      );
      const before = await webhooks.listDeliveries(1);
      expect(before.deliveries.map((d) => [d.eventId, d.eventType, d.status, d.log.length])).toEqual([
        [3, 'registered_model.renamed', 'pending', 0],
        [2, 'alias.set', 'succeeded', 1],
      ]);

      // The webhook consumer starts after the old events: their deliveries were queued when they happened.
      const registry = openRegistryEvents(handle);
      expect(await registry.fanOut()).toBe(0);
      const next = await registry.record({
        type: 'alias.removed',
        modelName: 'rf2',
        payload: { alias: 'champion' },
      });
      expect(next.id).toBe(4);
      const after = await webhooks.listDeliveries(1);
      expect(after.deliveries.map((d) => d.eventId)).toEqual([4, 3, 2]);

      // The deliveries' foreign key now points at the outbox.
      await expect(
        sql`insert into webhook_deliveries (subscription_id, event_id, status, attempts, next_attempt_at,
            created_at, updated_at) values (1, 999, 'pending', 0, 0, 0, 0)`.execute(handle.db),
      ).rejects.toThrow(/foreign key/i);
    } finally {
      await dispose();
    }
  });
});
