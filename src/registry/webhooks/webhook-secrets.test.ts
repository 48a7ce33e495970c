import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle, Engine } from '../../db/index.js';
import { eventsMigration } from '../../db/migrations/0003-events.js';
import { secretsMigration } from '../../db/migrations/0005-secrets.js';
import { webhookSecretRefMigration } from '../../db/migrations/0009-webhook-secret-ref.js';
import { eventOutboxMigration } from '../../db/migrations/0010-event-outbox.js';
import { webhookFormatMigration } from '../../db/migrations/0021-webhook-format.js';
import {
  openTestDatabase,
  openUnmigratedTestDatabase,
  testEngines,
  type TestDatabase,
} from '../../db/test-support/test-databases.js';
import { SecretStore } from '../../security/secrets/index.js';
import { MasterKey } from '../../shared/index.js';
import type { Clock } from '../../shared/clock.js';
import { BosunError } from '../../shared/errors.js';
import type { RegistryEventInput } from '../events/index.js';
import { openRegistryEvents } from '../test-support/outbox-events.js';
import { signingSecretPath, WebhookSecretsUnavailableError } from './signing-secrets.js';
import { WebhookTargetPolicy } from './target-policy.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookService } from './webhook-service.js';
import { verifyWebhookSignature } from './webhook-signature.js';
import { HttpWebhookTransport } from './webhook-transport.js';
import { openTestSecretStore } from './test-support/test-secret-store.js';
import { startWebhookReceiver, type WebhookReceiver } from './test-support/webhook-receiver.js';

const loopbackAllowed = new WebhookTargetPolicy({ allowPrivateWebhookTargets: true });
let time = 1_700_000_000_000;
const clock: Clock = { nowMs: () => time };

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => receiver.close());

function dispatcherFor(handle: DatabaseHandle, secrets: SecretStore | undefined): WebhookDispatcher {
  return new WebhookDispatcher({
    db: handle.db,
    transport: new HttpWebhookTransport(loopbackAllowed),
    ...(secrets ? { secrets } : {}),
    clock,
    retry: { maxAttempts: 3, delaysMs: [10, 10], jitter: 0 },
    timeoutMs: 2000,
  });
}

/** Records the event, then runs the webhook consumer: its deliveries are queued. */
function recordOn(handle: DatabaseHandle, event: RegistryEventInput) {
  return openRegistryEvents(handle, clock).record(event);
}

/** Whether the last request on `path` carries a valid signature under `secret`. */
function lastSignedWith(path: string, secret: string): boolean {
  const last = receiver.on(path).at(-1);
  if (!last) return false;
  return verifyWebhookSignature(
    secret,
    String(last.headers['x-bosun-timestamp']),
    last.body,
    String(last.headers['x-bosun-signature']),
    300,
    Math.floor(time / 1000),
  );
}

describe.each(testEngines)('webhook signing secrets in the secret store on %s', (engine) => {
  let database: TestDatabase;
  let secrets: SecretStore;
  let webhooks: WebhookService;

  beforeEach(async () => {
    database = await openTestDatabase(engine);
    secrets = await openTestSecretStore(database.handle);
    webhooks = new WebhookService(database.handle.db, loopbackAllowed, { clock, secrets });
  });
  afterEach(async () => database.dispose());

  it('keeps only a reference in the row, signs deliveries with the stored secret, and deletes it', async () => {
    const secret = 'caller-chosen-secret-7f3a9c2e51';
    const path = `/stored-${engine}`;
    const created = await webhooks.create({ url: receiver.base + path, secret });
    expect(created).not.toHaveProperty('secret');
    const ref = signingSecretPath(created.id);

    const row = await database.handle.db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_ref).toBe(ref);
    expect(row.legacy_secret).toBeNull();
    expect(Number(row.active)).toBe(1);
    expect(JSON.stringify(row)).not.toContain(secret);
    // Nowhere in the database in clear: not in the subscription table, not in the secret store's tables.
    for (const table of ['webhook_subscriptions', 'secrets', 'secret_versions'] as const) {
      const rows = await database.handle.db.selectFrom(table).selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(secret);
    }
    if (engine === 'sqlite') {
      const file = new URL(database.uri.replace(/^sqlite:/, 'file:')).pathname;
      for (const f of [file, `${file}-wal`]) {
        if (existsSync(f)) expect(readFileSync(f).includes(Buffer.from(secret, 'utf8'))).toBe(false);
      }
    }
    expect((await secrets.get(ref)).value).toBe(secret);

    await recordOn(database.handle, { type: 'alias.set', modelName: 'rf', version: '1', payload: {} });
    expect(await dispatcherFor(database.handle, secrets).runOnce()).toBe(1);
    expect(receiver.on(path)).toHaveLength(1);
    expect(lastSignedWith(path, secret)).toBe(true);
    const [delivery] = (await webhooks.listDeliveries(created.id)).deliveries;
    expect(delivery?.status).toBe('succeeded');

    await webhooks.delete(created.id);
    await expect(secrets.getMetadata(ref)).rejects.toThrow(/does not exist/);
  });

  it('returns a generated secret once, and signs with a new version written to the store (rotation)', async () => {
    const path = `/rotated-${engine}`;
    const created = await webhooks.create({ url: receiver.base + path, modelName: 'rf' });
    expect(created.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(await webhooks.get(created.id)).not.toHaveProperty('secret');
    expect((await webhooks.list()).some((w) => 'secret' in w)).toBe(false);

    await recordOn(database.handle, { type: 'alias.set', modelName: 'rf', payload: {} });
    await dispatcherFor(database.handle, secrets).runOnce();
    expect(lastSignedWith(path, created.secret ?? '')).toBe(true);

    const rotated = 'rotated-secret-0123456789abcdef';
    await secrets.put(signingSecretPath(created.id), rotated);
    await recordOn(database.handle, { type: 'alias.removed', modelName: 'rf', payload: {} });
    await dispatcherFor(database.handle, secrets).runOnce();
    expect(receiver.on(path)).toHaveLength(2);
    expect(lastSignedWith(path, rotated)).toBe(true);
    expect(lastSignedWith(path, created.secret ?? '')).toBe(false);
  });

  it('refuses creation without the secret store with a clear 400 and leaves no row', async () => {
    const keyless = new WebhookService(database.handle.db, loopbackAllowed, { clock });
    const attempt = keyless.create({ url: `${receiver.base}/keyless`, secret: 'keyless-secret-0123456789' });
    await expect(attempt).rejects.toBeInstanceOf(WebhookSecretsUnavailableError);
    const err = await attempt.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BosunError);
    expect((err as BosunError).code).toBe('BAD_REQUEST');
    expect((err as Error).message).toContain('BOSUN_MASTER_KEY_FILE');
    expect((err as Error).message).not.toContain('keyless-secret');
    expect(await keyless.list()).toEqual([]);
  });

  it('does not send unsigned when the store is missing or the secret was deleted from it', async () => {
    const path = `/unsigned-${engine}`;
    const created = await webhooks.create({ url: receiver.base + path, secret: 'never-sent-unsigned-0123' });
    await recordOn(database.handle, { type: 'alias.set', modelName: 'rf', payload: {} });
    expect(await dispatcherFor(database.handle, undefined).runOnce()).toBe(1);
    let [delivery] = (await webhooks.listDeliveries(created.id)).deliveries;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1 });
    expect(delivery?.lastError).toMatch(/^signing secret unavailable: .*no master key/);
    expect(delivery?.lastError).not.toContain('never-sent-unsigned');

    await secrets.delete(signingSecretPath(created.id));
    time += 10;
    await dispatcherFor(database.handle, secrets).runOnce();
    [delivery] = (await webhooks.listDeliveries(created.id)).deliveries;
    expect(delivery?.lastError).toMatch(/^signing secret unavailable: .*deleted from the secret store/);
    expect(receiver.on(path)).toHaveLength(0);
  });
});

/** A database with the webhook tables as they were before migration 0009, and the secret store tables. */
async function openPre0009Database(engine: Engine): Promise<TestDatabase> {
  const database = await openUnmigratedTestDatabase(engine, 'webhook_0009');
  const { handle } = database;
  await eventsMigration(handle).up(handle.db);
  await secretsMigration(handle).up(handle.db);
  return database;
}

describe.each(testEngines)('migration 0009 of plain-text webhook secrets on %s', (engine) => {
  it('keeps old rows deliverable without a key, then moves their secrets into the store', async () => {
    const { handle, dispose } = await openPre0009Database(engine);
    try {
      const path = `/legacy-${engine}`;
      const oldSecret = 'plain-text-from-before-0009';
      await sql`insert into webhook_subscriptions (model_name, url, event_types, secret, active, created_at)
                values (${null}, ${receiver.base + path}, ${'[]'}, ${oldSecret}, ${1}, ${time})`.execute(
        handle.db,
      );
      await webhookSecretRefMigration(handle).up(handle.db);
      // Events go to the outbox since migration 0010; subscriptions have a body format since 0021.
      await eventOutboxMigration(handle).up(handle.db);
      await webhookFormatMigration().up(handle.db);

      const columns = (await handle.db.introspection.getTables())
        .find((t) => t.name === 'webhook_subscriptions')
        ?.columns.map((c) => c.name);
      expect(columns).toContain('secret_ref');
      expect(columns).toContain('legacy_secret');
      expect(columns).not.toContain('secret');
      const [migrated] = await handle.db.selectFrom('webhook_subscriptions').selectAll().execute();
      expect(migrated).toMatchObject({ secret_ref: null, legacy_secret: oldSecret, format: 'bosun' });
      const id = Number(migrated?.id);

      // Server started without a master key: the old row still delivers, signed with its old secret.
      const keyless = new WebhookService(handle.db, loopbackAllowed, { clock });
      expect(await keyless.countLegacySecrets()).toBe(1);
      await recordOn(handle, { type: 'alias.set', modelName: 'rf', payload: {} });
      expect(await dispatcherFor(handle, undefined).runOnce()).toBe(1);
      expect(lastSignedWith(path, oldSecret)).toBe(true);

      // Started with a key: the secret moves into the store and leaves the table.
      const secrets = await SecretStore.open(handle, MasterKey.generate());
      const keyed = new WebhookService(handle.db, loopbackAllowed, { clock, secrets });
      expect(await keyed.sealLegacySecrets()).toBe(1);
      expect(await keyed.sealLegacySecrets()).toBe(0);
      expect(await keyed.countLegacySecrets()).toBe(0);
      const sealed = await handle.db
        .selectFrom('webhook_subscriptions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(sealed).toMatchObject({ secret_ref: signingSecretPath(id), legacy_secret: null });
      expect(JSON.stringify(sealed)).not.toContain(oldSecret);
      expect((await secrets.get(signingSecretPath(id))).value).toBe(oldSecret);

      await recordOn(handle, { type: 'alias.removed', modelName: 'rf', payload: {} });
      expect(await dispatcherFor(handle, secrets).runOnce()).toBe(1);
      expect(receiver.on(path)).toHaveLength(2);
      expect(lastSignedWith(path, oldSecret)).toBe(true);
    } finally {
      await dispose();
    }
  });
});
