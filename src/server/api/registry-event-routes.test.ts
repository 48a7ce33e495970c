import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import type { RegistryEventInput } from '../../registry/events/index.js';
import { openRegistryEvents } from '../../registry/test-support/outbox-events.js';
import {
  HttpWebhookTransport,
  WebhookDispatcher,
  WebhookService,
  WebhookTargetPolicy,
  verifyWebhookSignature,
  type HostResolver,
} from '../../registry/webhooks/index.js';
import { openTestSecretStore } from '../../registry/webhooks/test-support/test-secret-store.js';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../registry/webhooks/test-support/webhook-receiver.js';
import type { SecretStore } from '../../security/secrets/index.js';
import { formatSchemaError, installErrorHandling } from '../error-handler.js';
import type { TypedApp } from '../typed-app.js';
import { requestValidatorCompiler } from '../validator-compiler.js';
import { registerRegistryEventRoutes } from './registry-event-routes.js';

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

/**
 * The routes on an app set up like buildApp's (validation, error mapping), listening on loopback. `secrets`
 * undefined: a server started without a master key.
 */
async function startApp(
  database: TestDatabase,
  policy: WebhookTargetPolicy,
  secrets: SecretStore | undefined,
) {
  const app: TypedApp = Fastify({
    schemaErrorFormatter: formatSchemaError,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(requestValidatorCompiler());
  installErrorHandling(app, 1024 * 1024);
  const registryEvents = openRegistryEvents(database.handle);
  const events = registryEvents.sink;
  const webhooks = new WebhookService(database.handle.db, policy, secrets ? { secrets } : {});
  registerRegistryEventRoutes(app, { events, webhooks });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}/api/bosun/v1`;
  return {
    app,
    events,
    /** Records the event, then runs the webhook consumer: its deliveries are queued. */
    record: (e: RegistryEventInput) => registryEvents.record(e),
    async call(method: string, path: string, body?: unknown): Promise<Answer> {
      const res = await fetch(base + path, {
        method,
        ...(body !== undefined
          ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
          : {}),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    },
  };
}

const publicDns: HostResolver = async (host) => {
  if (host === 'hooks.example.test') return [{ address: '93.184.216.34', family: 4 }];
  throw new Error(`unknown host ${host}`);
};

describe.each(testEngines)('registry event routes on %s', (engine) => {
  let database: TestDatabase;
  let strict: Awaited<ReturnType<typeof startApp>>;
  let receiver: WebhookReceiver;
  let secrets: SecretStore;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    secrets = await openTestSecretStore(database.handle);
    strict = await startApp(database, new WebhookTargetPolicy({}, publicDns), secrets);
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await strict.app.close();
    await receiver.close();
    await database.dispose();
  });

  it.each([
    'http://127.0.0.1/',
    'http://10.0.0.1/',
    'http://169.254.169.254/',
    'http://[::1]/',
    'http://localhost/',
  ])('POST webhooks refuses %s when private targets are not allowed', async (url) => {
    const res = await strict.call('POST', '/webhooks', { url });
    expect(res.status).toBe(400);
    expect(res.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(String(res.json.message)).toMatch(/is refused: .*(loopback|private|link-local)/);
  });

  it('creates, shows, lists and deletes a subscription; only a generated secret is shown, once', async () => {
    const created = await strict.call('POST', '/webhooks', {
      url: 'https://hooks.example.test/bosun',
      model_name: 'rf',
      events: ['alias.set', 'model_version.created'],
    });
    expect(created.status).toBe(200);
    const webhook = created.json.webhook as Record<string, unknown>;
    expect(webhook).toMatchObject({
      model_name: 'rf',
      url: 'https://hooks.example.test/bosun',
      events: ['alias.set', 'model_version.created'],
      active: true,
    });
    expect(webhook.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const id = webhook.id as number;
    expect((await secrets.get(`bosun/webhooks/${id}/signing-secret`)).value).toBe(webhook.secret);

    const shown = await strict.call('GET', `/webhooks/${id}`);
    expect(shown.status).toBe(200);
    expect(shown.json.webhook).not.toHaveProperty('secret');
    expect((shown.json.webhook as Record<string, unknown>).url).toBe('https://hooks.example.test/bosun');

    const own = await strict.call('POST', '/webhooks', {
      url: 'https://hooks.example.test/global',
      secret: 'my-own-secret-0123456789',
    });
    expect(own.status).toBe(200);
    expect(own.json.webhook).not.toHaveProperty('secret');
    expect(JSON.stringify(own.json)).not.toContain('my-own-secret-0123456789');

    const listed = await strict.call('GET', '/webhooks');
    const all = listed.json.webhooks as Record<string, unknown>[];
    expect(all.map((w) => w.url)).toEqual([
      'https://hooks.example.test/bosun',
      'https://hooks.example.test/global',
    ]);
    expect(all.every((w) => !('secret' in w))).toBe(true);
    const forRf = await strict.call('GET', '/webhooks?model_name=rf');
    expect((forRf.json.webhooks as unknown[]).length).toBe(1);

    await strict.record({ type: 'alias.set', modelName: 'rf', version: '1', payload: { alias: 'champion' } });
    const deliveries = await strict.call('GET', `/webhooks/${id}/deliveries`);
    expect(deliveries.status).toBe(200);
    expect(deliveries.json.deliveries).toEqual([
      expect.objectContaining({ event_type: 'alias.set', status: 'pending', attempts: 0, attempt_log: [] }),
    ]);

    expect(JSON.stringify(deliveries.json)).not.toContain(String(webhook.secret));

    expect((await strict.call('DELETE', `/webhooks/${id}`)).json).toEqual({});
    await expect(secrets.get(`bosun/webhooks/${id}/signing-secret`)).rejects.toThrow(/does not exist/);
    const gone = await strict.call('GET', `/webhooks/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((await strict.call('DELETE', `/webhooks/${id}`)).status).toBe(404);
    expect((await strict.call('GET', `/webhooks/${id}/deliveries`)).status).toBe(404);
    // Later tests dispatch for real: leave no subscription pointing outside this machine.
    const ownId = (own.json.webhook as Record<string, unknown>).id as number;
    expect((await strict.call('DELETE', `/webhooks/${ownId}`)).status).toBe(200);
    expect((await strict.call('GET', '/webhooks')).json.webhooks).toEqual([]);
  });

  it('refuses to create a webhook without the secret store, telling the operator what to configure', async () => {
    const keyless = await startApp(database, new WebhookTargetPolicy({}, publicDns), undefined);
    try {
      const before = (await keyless.call('GET', '/webhooks')).json.webhooks as unknown[];
      for (const body of [
        { url: 'https://hooks.example.test/keyless', secret: 'keyless-secret-0123456789' },
        { url: 'https://hooks.example.test/keyless' },
      ]) {
        const res = await keyless.call('POST', '/webhooks', body);
        expect(res.status).toBe(400);
        expect(res.json.error_code).toBe('BAD_REQUEST');
        expect(String(res.json.message)).toContain('BOSUN_MASTER_KEY_FILE');
        expect(String(res.json.message)).not.toContain('keyless-secret');
      }
      expect((await keyless.call('GET', '/webhooks')).json.webhooks).toEqual(before);
    } finally {
      await keyless.app.close();
    }
  });

  it('answers bad input with typed errors', async () => {
    const noUrl = await strict.call('POST', '/webhooks', { model_name: 'rf' });
    expect(noUrl.status).toBe(400);
    expect(noUrl.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    const badType = await strict.call('POST', '/webhooks', {
      url: 'https://hooks.example.test/',
      events: ['nope'],
    });
    expect(badType.json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect(String(badType.json.message)).toContain("'nope'");
    const shortSecret = await strict.call('POST', '/webhooks', {
      url: 'https://hooks.example.test/',
      secret: 'x',
    });
    expect(shortSecret.status).toBe(400);
    const scheme = await strict.call('POST', '/webhooks', { url: 'gopher://hooks.example.test/' });
    expect(String(scheme.json.message)).toContain("scheme 'gopher'");
    expect((await strict.call('GET', '/webhooks/abc')).json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await strict.call('GET', '/registry/events?type=nope')).status).toBe(400);
    expect((await strict.call('GET', '/registry/events?page_token=%25%25')).status).toBe(400);
    expect((await strict.call('GET', '/registry/events?max_results=0')).status).toBe(400);
  });

  it('GET registry/events filters by model, version and type, and pages', async () => {
    for (const v of ['1', '2', '3']) {
      await strict.record({ type: 'model_version.created', modelName: 'listed', version: v, payload: { v } });
    }
    await strict.record({
      type: 'alias.set',
      modelName: 'listed',
      version: '3',
      actor: 'ann',
      payload: { alias: 'a' },
    });
    await strict.record({
      type: 'alias.removed',
      modelName: 'listed',
      version: '3',
      payload: { alias: 'a' },
    });

    const page1 = await strict.call('GET', '/registry/events?model_name=listed&max_results=2');
    expect((page1.json.events as Record<string, unknown>[]).map((e) => e.version)).toEqual(['1', '2']);
    const token = page1.json.next_page_token as string;
    const page2 = await strict.call(
      'GET',
      `/registry/events?model_name=listed&max_results=2&page_token=${encodeURIComponent(token)}`,
    );
    expect((page2.json.events as Record<string, unknown>[]).map((e) => e.type)).toEqual([
      'model_version.created',
      'alias.set',
    ]);
    const aliasEvents = await strict.call(
      'GET',
      '/registry/events?model_name=listed&type=alias.set,alias.removed',
    );
    expect((aliasEvents.json.events as unknown[]).length).toBe(2);
    const repeated = await strict.call(
      'GET',
      '/registry/events?model_name=listed&type=alias.set&type=alias.removed',
    );
    expect((repeated.json.events as unknown[]).length).toBe(2);
    const v3 = await strict.call('GET', '/registry/events?model_name=listed&version=3&type=alias.set');
    expect(v3.json.events).toEqual([
      {
        id: expect.any(Number),
        type: 'alias.set',
        model_name: 'listed',
        version: '3',
        actor: 'ann',
        payload: { alias: 'a' },
        created_at: expect.any(Number),
      },
    ]);
  });

  it('shows the delivery log of a webhook sent to a local receiver the operator allowed', async () => {
    const policy = new WebhookTargetPolicy({ allowedWebhookCidrs: ['127.0.0.1/32'] });
    const open = await startApp(database, policy, secrets);
    try {
      const path = `/routes-${engine}`;
      receiver.script(path, [503]);
      const created = await open.call('POST', '/webhooks', {
        url: receiver.base + path,
        model_name: 'delivered',
      });
      const webhook = created.json.webhook as { id: number; secret: string };
      await open.record({
        type: 'model_version.scanned',
        modelName: 'delivered',
        version: '1',
        payload: { verdict: 'clean' },
      });
      let now = Date.now();
      const dispatcher = new WebhookDispatcher({
        db: database.handle.db,
        transport: new HttpWebhookTransport(policy),
        secrets,
        clock: { nowMs: () => now },
        retry: { maxAttempts: 3, delaysMs: [5], jitter: 0 },
      });
      await dispatcher.runOnce();
      now += 5;
      await dispatcher.runOnce();
      const res = await open.call('GET', `/webhooks/${webhook.id}/deliveries`);
      const [delivery] = res.json.deliveries as Record<string, unknown>[];
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2, last_status_code: 200 });
      expect((delivery?.attempt_log as Record<string, unknown>[]).map((a) => a.status_code)).toEqual([
        503, 200,
      ]);
      const [last] = receiver.on(path).slice(-1);
      expect(
        verifyWebhookSignature(
          webhook.secret,
          String(last?.headers['x-bosun-timestamp']),
          last?.body ?? '',
          String(last?.headers['x-bosun-signature']),
        ),
      ).toBe(true);
    } finally {
      await open.app.close();
    }
  });
});
