import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/index.js';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import type { Clock } from '../../shared/clock.js';
import type { RegistryEventInput } from '../events/index.js';
import { openRegistryEvents, type TestRegistryEvents } from '../test-support/outbox-events.js';
import { WebhookTargetPolicy, type HostResolver } from './target-policy.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from './webhook-dispatcher.js';
import { WebhookService } from './webhook-service.js';
import { verifyWebhookSignature } from './webhook-signature.js';
import { HttpWebhookTransport, WebhookTargetRefusedError } from './webhook-transport.js';
import { SecretStore } from '../../security/secrets/index.js';
import { MasterKey } from '../../shared/index.js';
import { waitFor } from '../../shared/test-support/wait-for.js';
import { openTestSecretStore } from './test-support/test-secret-store.js';
import { startWebhookReceiver, type WebhookReceiver } from './test-support/webhook-receiver.js';

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => receiver.close());

describe.each(testEngines)('webhook delivery on %s', (engine) => {
  let database: TestDatabase;
  let time = 1_700_000_000_000;
  const clock: Clock = { nowMs: () => time };
  const loopbackAllowed = new WebhookTargetPolicy({ allowPrivateWebhookTargets: true });
  let events: TestRegistryEvents;
  let webhooks: WebhookService;
  let secrets: SecretStore;

  beforeEach(async () => {
    database = await openTestDatabase(engine);
    secrets = await openTestSecretStore(database.handle);
    events = openRegistryEvents(database.handle, clock);
    webhooks = new WebhookService(database.handle.db, loopbackAllowed, { clock, secrets });
  });
  afterEach(async () => database.dispose());

  /** Records the event, then runs the webhook consumer: its deliveries are queued. */
  const record = (event: RegistryEventInput) => events.record(event);
  const dispatcher = (options: Partial<WebhookDispatcherOptions> = {}) =>
    new WebhookDispatcher({
      db: database.handle.db,
      transport: new HttpWebhookTransport(loopbackAllowed),
      secrets,
      clock,
      retry: { maxAttempts: 3, delaysMs: [50, 100], jitter: 0 },
      timeoutMs: 2000,
      ...options,
    });

  it('signs the payload, retries after a 500 and logs both attempts', async () => {
    const path = `/ok-${engine}`;
    receiver.script(path, [500, 200]);
    const sub = await webhooks.create({ url: receiver.base + path, modelName: 'rf' });
    expect(sub.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const event = await record({
      type: 'alias.set',
      modelName: 'rf',
      version: '2',
      actor: 'alice',
      payload: { alias: 'champion', previous_version: null },
    });
    const d = dispatcher();

    expect(await d.runOnce()).toBe(1);
    let [delivery] = (await webhooks.listDeliveries(sub.id)).deliveries;
    expect(delivery).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatusCode: 500,
      nextAttemptAt: time + 50,
    });
    expect(await d.runOnce()).toBe(0); // not due yet
    time += 50;
    expect(await d.runOnce()).toBe(1);
    [delivery] = (await webhooks.listDeliveries(sub.id)).deliveries;
    expect(delivery?.status).toBe('succeeded');
    expect(delivery?.attempts).toBe(2);
    expect(delivery?.log.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(delivery?.log[0]?.error).toBe('receiver answered 500');
    expect(delivery?.log.every((a) => a.durationMs >= 0)).toBe(true);
    expect(await d.runOnce()).toBe(0);

    const requests = receiver.on(path);
    expect(requests).toHaveLength(2);
    for (const req of requests) {
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['x-bosun-event']).toBe('alias.set');
      expect(req.headers['x-bosun-delivery']).toBe(String(delivery?.id));
      const timestamp = String(req.headers['x-bosun-timestamp']);
      const signature = String(req.headers['x-bosun-signature']);
      expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(
        verifyWebhookSignature(
          sub.secret ?? '',
          timestamp,
          req.body,
          signature,
          300,
          Math.floor(time / 1000),
        ),
      ).toBe(true);
      expect(
        verifyWebhookSignature(
          'wrong-secret-0123456789',
          timestamp,
          req.body,
          signature,
          300,
          Math.floor(time / 1000),
        ),
      ).toBe(false);
      expect(JSON.parse(req.body)).toEqual({
        id: event.id,
        type: 'alias.set',
        model_name: 'rf',
        version: '2',
        actor: 'alice',
        payload: { alias: 'champion', previous_version: null },
        created_at: event.createdAt,
      });
    }
  });

  it('counts a 302 as a failure and does not follow it; gives up after the last attempt', async () => {
    const path = `/redirect-${engine}`;
    const elsewhere = `/elsewhere-${engine}`;
    receiver.script(path, [{ redirect: receiver.base + elsewhere }, { redirect: receiver.base + elsewhere }]);
    const sub = await webhooks.create({ url: receiver.base + path, events: ['model_version.created'] });
    await record({ type: 'model_version.created', modelName: 'any', version: '1', payload: {} });
    const d = dispatcher({ retry: { maxAttempts: 2, delaysMs: [10], jitter: 0 } });
    expect(await d.runOnce()).toBe(1);
    time += 10;
    expect(await d.runOnce()).toBe(1);
    const [delivery] = (await webhooks.listDeliveries(sub.id)).deliveries;
    expect(delivery?.status).toBe('failed');
    expect(delivery?.attempts).toBe(2);
    expect(delivery?.lastStatusCode).toBe(302);
    expect(delivery?.lastError).toContain('redirect (302');
    expect(delivery?.lastError).toContain('not followed');
    expect(receiver.on(path)).toHaveLength(2);
    expect(receiver.on(elsewhere)).toHaveLength(0);
    time += 1000;
    expect(await d.runOnce()).toBe(0);
  });

  it('times out a receiver that never answers', async () => {
    const path = `/hang-${engine}`;
    receiver.script(path, ['hang']);
    const sub = await webhooks.create({ url: receiver.base + path });
    await record({ type: 'registered_model.created', modelName: 'slow', payload: {} });
    await dispatcher({ timeoutMs: 200 }).runOnce();
    const [delivery] = (await webhooks.listDeliveries(sub.id)).deliveries;
    expect(delivery?.status).toBe('pending');
    expect(delivery?.lastError).toMatch(/timed out after 200 ms/);
    expect(delivery?.lastStatusCode).toBeUndefined();
  });

  it('refuses at connect time a name that now resolves to a private address (DNS rebinding)', async () => {
    const path = `/rebind-${engine}`;
    let calls = 0;
    const rebinding: HostResolver = async () => {
      calls++;
      return calls === 1 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    };
    const strict = new WebhookTargetPolicy({}, rebinding);
    const strictHooks = new WebhookService(database.handle.db, strict, { clock, secrets });
    const sub = await strictHooks.create({ url: `http://hooks.rebind.test:${receiver.port}${path}` });
    expect(calls).toBe(1);
    await record({ type: 'alias.removed', modelName: 'rf', payload: { alias: 'champion' } });
    const d = dispatcher({
      transport: new HttpWebhookTransport(strict),
      retry: { maxAttempts: 1, delaysMs: [1], jitter: 0 },
    });
    expect(await d.runOnce()).toBe(1);
    expect(calls).toBe(2);
    const [delivery] = (await strictHooks.listDeliveries(sub.id)).deliveries;
    expect(delivery?.status).toBe('failed');
    expect(delivery?.lastError).toMatch(/resolved to 127\.0\.0\.1: refused, a loopback address/);
    expect(receiver.on(path)).toHaveLength(0);
  });

  it('sends each delivery once when two dispatchers share the database', async () => {
    const path = `/shared-${engine}`;
    const sub = await webhooks.create({ url: receiver.base + path });
    for (let i = 1; i <= 12; i++) {
      await record({ type: 'model_version.created', modelName: 'busy', version: String(i), payload: { i } });
    }
    const other = openDatabase(database.uri);
    try {
      const a = dispatcher({ batchSize: 5 });
      const b = dispatcher({ batchSize: 5, db: other.db });
      let sent = 0;
      for (let round = 0; round < 5; round++) {
        const [x, y] = await Promise.all([a.runOnce(), b.runOnce()]);
        sent += x + y;
      }
      expect(sent).toBe(12);
    } finally {
      await other.close();
    }
    const ids = receiver.on(path).map((r) => r.headers['x-bosun-delivery']);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    const { deliveries } = await webhooks.listDeliveries(sub.id);
    expect(deliveries.every((x) => x.status === 'succeeded' && x.attempts === 1)).toBe(true);
  });

  it('a replica whose master key was rotated away hands deliveries back unsent, without spending an attempt', async () => {
    const path = `/stale-key-${engine}`;
    const sub = await webhooks.create({ url: receiver.base + path });
    await record({ type: 'alias.set', modelName: 'rf', version: '1', payload: { alias: 'a' } });
    // Two processes on key A; one of them rotates to key B: the other is stale until restarted.
    const keyA = MasterKey.generate('key-a');
    await secrets.rotateMasterKey(keyA);
    const stale = await SecretStore.open(database.handle, keyA);
    await secrets.rotateMasterKey(MasterKey.generate('key-b'));

    expect(await dispatcher({ secrets: stale, pollIntervalMs: 500 }).runOnce()).toBe(1);
    let [delivery] = (await webhooks.listDeliveries(sub.id)).deliveries;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: time + 500 });
    expect(delivery?.log).toEqual([]);
    expect(receiver.on(path)).toHaveLength(0);

    time += 500;
    expect(await dispatcher().runOnce()).toBe(1);
    [delivery] = (await webhooks.listDeliveries(sub.id)).deliveries;
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(receiver.on(path)).toHaveLength(1);
  });

  it('runs on its own timer once started, and stops', async () => {
    const path = `/timer-${engine}`;
    await webhooks.create({ url: receiver.base + path });
    const d = dispatcher({ clock: undefined, pollIntervalMs: 20 });
    d.start();
    try {
      time = Date.now();
      await record({ type: 'approval.approved', modelName: 'rf', version: '1', actor: 'bob', payload: {} });
      await waitFor(`a delivery to ${path}`, () => (receiver.on(path).length > 0 ? true : undefined));
    } finally {
      await d.stop();
    }
    expect(receiver.on(path)).toHaveLength(1);
  });
});

describe('HTTP transport', () => {
  it('refuses an IP-literal target the policy forbids without connecting', async () => {
    const transport = new HttpWebhookTransport(new WebhookTargetPolicy());
    const before = receiver.received.length;
    await expect(
      transport.send({ url: `${receiver.base}/direct`, headers: {}, body: '{}', timeoutMs: 1000 }),
    ).rejects.toBeInstanceOf(WebhookTargetRefusedError);
    expect(receiver.received.length).toBe(before);
  });
});
