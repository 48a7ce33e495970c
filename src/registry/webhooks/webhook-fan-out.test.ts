import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../../db/index.js';
import {
  openTestDatabase,
  postgresTests,
  testEngines,
  type TestDatabase,
} from '../../db/test-support/test-databases.js';
import { EventConsumerRunner, EventOutbox } from '../../events/index.js';
import { platformEventTypes } from '../../platform/platform-catalogue.js';
import { catchUp } from '../../events/test-support/catch-up.js';
import type { RegistryEventInput, RegistryEventType } from '../events/index.js';
import { openRegistryEvents } from '../test-support/outbox-events.js';
import { webhookConsumerName, webhookFanOut } from './webhook-fan-out.js';

/** A subscription row as the service leaves it (the secret is irrelevant to fan-out). */
async function subscribe(
  handle: DatabaseHandle,
  sub: { modelName?: string; events?: RegistryEventType[]; active?: boolean },
): Promise<number> {
  const row = await handle.db
    .insertInto('webhook_subscriptions')
    .values({
      model_name: sub.modelName ?? null,
      url: 'http://127.0.0.1:9/hook',
      event_types: JSON.stringify(sub.events ?? []),
      secret_ref: null,
      legacy_secret: 'not-used-by-fan-out-0123',
      active: sub.active === false ? 0 : 1,
      created_at: 1,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

async function deliveries(handle: DatabaseHandle): Promise<{ subscription_id: number; event_id: number }[]> {
  const rows = await handle.db
    .selectFrom('webhook_deliveries')
    .select(['subscription_id', 'event_id'])
    .orderBy('event_id')
    .orderBy('subscription_id')
    .execute();
  return rows.map((r) => ({ subscription_id: Number(r.subscription_id), event_id: Number(r.event_id) }));
}

describe.each(testEngines)('webhook fan-out on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(engine);
  });
  afterAll(async () => database.dispose());

  it('queues one delivery per wanted event and active subscription, then tells onQueued after commit', async () => {
    const { handle } = database;
    const global = await subscribe(handle, {});
    const aliases = await subscribe(handle, { modelName: 'rf', events: ['alias.set'] });
    await subscribe(handle, { modelName: 'rf', active: false });
    const outbox = new EventOutbox({ handle, types: platformEventTypes });
    let told = 0;
    const runner = new EventConsumerRunner({
      handle,
      consumers: [webhookFanOut(outbox, { onQueued: () => told++ })],
    });
    const events = openRegistryEvents(handle);
    const record = (e: RegistryEventInput) =>
      handle.db.transaction().execute((trx) => events.sink.record(trx, e));
    const set = await record({ type: 'alias.set', modelName: 'rf', version: '1', payload: { alias: 'a' } });
    const created = await record({
      type: 'model_version.created',
      modelName: 'rf',
      version: '2',
      payload: {},
    });
    expect(await deliveries(handle)).toEqual([]);
    await catchUp(runner, handle.db, [webhookConsumerName]);
    expect(await deliveries(handle)).toEqual([
      { subscription_id: global, event_id: set.id },
      { subscription_id: aliases, event_id: set.id },
      { subscription_id: global, event_id: created.id },
    ]);
    expect(told).toBeGreaterThan(0);
    const before = told;
    await catchUp(runner, handle.db, [webhookConsumerName]);
    expect(told).toBe(before);
    expect(await deliveries(handle)).toHaveLength(3);
  });
});

describe.runIf(postgresTests)('webhook fan-out by three server processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
  });
  afterAll(async () => database.dispose());

  it('fans every event out exactly once while events are being recorded', async () => {
    const { handle } = database;
    const global = await subscribe(handle, {});
    const m1Aliases = await subscribe(handle, { modelName: 'm1', events: ['alias.set'] });
    const m2All = await subscribe(handle, { modelName: 'm2' });
    const processes = [0, 1, 2].map(() => openDatabase(database.uri));
    const runners = processes.map((h) => {
      const outbox = new EventOutbox({ handle: h, types: platformEventTypes });
      return new EventConsumerRunner({ handle: h, consumers: [webhookFanOut(outbox)], batchSize: 9 });
    });
    const producers = openRegistryEvents(handle);
    const recorded: { id: number; modelName: string; type: RegistryEventType }[] = [];
    try {
      let producing = true;
      const consuming = runners.map(async (runner) => {
        let handled = 0;
        while (producing) handled += await runner.runOnce();
        return handled;
      });
      await Promise.all(
        [0, 1, 2, 3, 4, 5].map(async (worker) => {
          for (let t = 0; t < 20; t++) {
            const events = await handle.db.transaction().execute(async (trx) => {
              const out = [];
              for (let i = 0; i <= (worker + t) % 3; i++) {
                const type: RegistryEventType = (t + i) % 2 === 0 ? 'alias.set' : 'tag.set';
                const modelName = `m${(worker + t + i) % 3}`;
                out.push(await producers.sink.record(trx, { type, modelName, payload: { worker, t, i } }));
                await new Promise((resolve) => setTimeout(resolve, (worker * 5 + t + i) % 4));
              }
              return out;
            });
            recorded.push(...events.map((e) => ({ id: e.id, modelName: e.modelName, type: e.type })));
          }
        }),
      );
      producing = false;
      const handledWhileProducing = await Promise.all(consuming);
      for (const runner of runners) await catchUp(runner, handle.db, [webhookConsumerName]);

      const expected = recorded
        .flatMap((e) => [
          { subscription_id: global, event_id: e.id },
          ...(e.modelName === 'm1' && e.type === 'alias.set'
            ? [{ subscription_id: m1Aliases, event_id: e.id }]
            : []),
          ...(e.modelName === 'm2' ? [{ subscription_id: m2All, event_id: e.id }] : []),
        ])
        .sort((a, b) => a.event_id - b.event_id || a.subscription_id - b.subscription_id);
      expect(await deliveries(handle)).toEqual(expected);
      expect(handledWhileProducing.filter((n) => n > 0).length).toBeGreaterThan(1);
    } finally {
      for (const h of processes) await h.close();
    }
  });
});

const repo = resolve(import.meta.dirname, '../../..');

/**
 * Runs the webhook consumer in a separate Node process on `uri`: says it is ready (a row `ready-<pid>` in
 * `event_consumers`), then runs rounds until the row `producers-done` exists and nothing is left to fan out;
 * resolves with how many events that process handled.
 */
function consumeInChild(uri: string): Promise<number> {
  const script = `
    import { openDatabase } from './src/db/index.ts';
    import { EventConsumerRunner, EventOutbox } from './src/events/index.ts';
    import { platformEventTypes } from './src/platform/platform-catalogue.ts';
    import { webhookFanOut } from './src/registry/webhooks/index.ts';
    const handle = openDatabase(${JSON.stringify(uri)});
    const outbox = new EventOutbox({ handle, types: platformEventTypes });
    const runner = new EventConsumerRunner({ handle, consumers: [webhookFanOut(outbox)], batchSize: 7 });
    await handle.db.insertInto('event_consumers')
      .values({ name: 'ready-' + process.pid, position_xact: 0, position_id: 0, updated_at: 0 }).execute();
    let handled = 0;
    for (;;) {
      const done = await handle.db.selectFrom('event_consumers').select('name')
        .where('name', '=', 'producers-done').executeTakeFirst();
      const n = await runner.runOnce();
      handled += n;
      if (done && n === 0 && (await runner.drain()) === 0) break;
      if (n === 0) await new Promise((r) => setTimeout(r, 2));
    }
    await handle.close();
    process.stdout.write(String(handled));
  `;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx/esm', '--input-type=module', '-e', script], {
      cwd: repo,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? done(Number(out)) : fail(new Error(err))));
  });
}

describe('webhook fan-out by three server processes on one SQLite file', () => {
  it('fans every event out exactly once while another process records events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bosun-fan-out-'));
    const uri = `sqlite:///${join(dir, 'bosun.db')}`;
    const handle = openDatabase(uri);
    try {
      await migrateToLatest(handle);
      const global = await subscribe(handle, {});
      const producers = openRegistryEvents(handle);
      const consumers = [0, 1, 2].map(() => consumeInChild(uri));
      const ready = () =>
        handle.db.selectFrom('event_consumers').select('name').where('name', 'like', 'ready-%').execute();
      const deadline = Date.now() + 60_000;
      while ((await ready()).length < 3 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const recorded: number[] = [];
      for (let t = 0; t < 60; t++) {
        const events = await handle.db.transaction().execute(async (trx) => {
          const out = [];
          for (let i = 0; i <= t % 4; i++) {
            out.push(
              await producers.sink.record(trx, { type: 'tag.set', modelName: `m${i}`, payload: { t, i } }),
            );
          }
          return out;
        });
        recorded.push(...events.map((e) => e.id));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await handle.db
        .insertInto('event_consumers')
        .values({ name: 'producers-done', position_xact: 0, position_id: 0, updated_at: 0 })
        .execute();
      const handled = await Promise.all(consumers);
      expect(handled.reduce((a, b) => a + b, 0)).toBe(recorded.length);
      expect(handled.filter((n) => n > 0).length).toBeGreaterThan(1);
      expect(await deliveries(handle)).toEqual(
        recorded.map((id) => ({ subscription_id: global, event_id: id })),
      );
    } finally {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
