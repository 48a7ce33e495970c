import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../../db/index.js';
import { verifyWebhookSignature } from '../../registry/webhooks/index.js';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../registry/webhooks/test-support/webhook-receiver.js';
import { MasterKey } from '../../shared/index.js';
import { loadServerConfig, type ServerConfig } from '../../shared/config.js';
import { waitFor } from '../../shared/test-support/wait-for.js';
import { startServer, type RunningServer } from '../start-server.js';
import { testStartOptions } from '../test-support/test-start-options.js';

const legacySecret = 'legacy-plain-text-secret-0009';
const ownSecret = 'my-own-signing-secret-4242';

let dir: string;
let uri: string;
let receiver: WebhookReceiver;

function configFor(masterKey: MasterKey | undefined): ServerConfig {
  const config = loadServerConfig(
    {
      port: 0,
      backendStoreUri: uri,
      artifactsDestination: `${dir}/artifacts`,
      logLevel: 'silent',
    },
    { BOSUN_WEBHOOK_ALLOW_PRIVATE: 'true' },
  );
  return masterKey ? { ...config, masterKey } : config;
}

async function call(server: RunningServer, method: string, path: string, body?: unknown) {
  const res = await fetch(server.address + path, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function subscriptionRows() {
  const handle = openDatabase(uri);
  try {
    return await handle.db.selectFrom('webhook_subscriptions').selectAll().orderBy('id').execute();
  } finally {
    await handle.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-webhook-server-'));
  uri = `sqlite:///${dir}/bosun.db`;
  receiver = await startWebhookReceiver();
  // A subscription as migration 0009 leaves one created before it: plain text, not yet in the store.
  const handle = openDatabase(uri);
  await migrateToLatest(handle);
  await handle.db
    .insertInto('webhook_subscriptions')
    .values({
      model_name: null,
      url: `${receiver.base}/legacy`,
      event_types: '[]',
      secret_ref: null,
      legacy_secret: legacySecret,
      active: 1,
      created_at: Date.now(),
    })
    .execute();
  await handle.close();
});
afterAll(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('webhook signing secrets in a running server', () => {
  it('seals old secrets at start, stores new ones encrypted, and signs deliveries with them', async () => {
    const server = await startServer(configFor(MasterKey.generate()), testStartOptions);
    try {
      const [legacy] = await subscriptionRows();
      expect(legacy).toMatchObject({
        legacy_secret: null,
        secret_ref: `bosun/webhooks/${legacy?.id}/signing-secret`,
      });

      const created = await call(server, 'POST', '/api/bosun/v1/webhooks', {
        url: `${receiver.base}/own`,
        secret: ownSecret,
      });
      expect(created.status).toBe(200);
      expect(created.json.webhook).not.toHaveProperty('secret');
      const rows = await subscriptionRows();
      expect(JSON.stringify(rows)).not.toContain(ownSecret);
      expect(JSON.stringify(rows)).not.toContain(legacySecret);
      const listed = await call(server, 'GET', '/api/bosun/v1/webhooks');
      expect(JSON.stringify(listed.json)).not.toMatch(/secret/);

      expect(
        (await call(server, 'POST', '/api/2.0/mlflow/registered-models/create', { name: 'hooked' })).status,
      ).toBe(200);
      await waitFor('deliveries to /own and /legacy', () =>
        receiver.on('/own').length > 0 && receiver.on('/legacy').length > 0 ? true : undefined,
      );
      for (const [path, secret] of [
        ['/own', ownSecret],
        ['/legacy', legacySecret],
      ] as const) {
        const [request] = receiver.on(path);
        expect(request).toBeDefined();
        expect(
          verifyWebhookSignature(
            secret,
            String(request?.headers['x-bosun-timestamp']),
            request?.body ?? '',
            String(request?.headers['x-bosun-signature']),
          ),
        ).toBe(true);
      }
    } finally {
      await server.close();
    }
  });

  it('answers 400 naming BOSUN_MASTER_KEY_FILE when creating a webhook on a server without a master key', async () => {
    const server = await startServer(configFor(undefined), testStartOptions);
    try {
      const res = await call(server, 'POST', '/api/bosun/v1/webhooks', {
        url: `${receiver.base}/keyless`,
        secret: 'keyless-secret-0123456789',
      });
      expect(res.status).toBe(400);
      expect(res.json.error_code).toBe('BAD_REQUEST');
      expect(String(res.json.message)).toContain('BOSUN_MASTER_KEY_FILE');
      expect((await subscriptionRows()).map((r) => r.url)).not.toContain(`${receiver.base}/keyless`);
      // Existing subscriptions stay visible and deletable.
      const listed = await call(server, 'GET', '/api/bosun/v1/webhooks');
      expect((listed.json.webhooks as unknown[]).length).toBe(2);
    } finally {
      await server.close();
    }
  });
});
