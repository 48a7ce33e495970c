import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openUnmigratedTestDatabase,
  testEngines,
  type TestDatabase,
} from '../../db/test-support/test-databases.js';
import { verifyWebhookSignature } from '../../registry/webhooks/index.js';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../registry/webhooks/test-support/webhook-receiver.js';
import { MasterKey } from '../../shared/index.js';
import { loadServerConfig } from '../../shared/config.js';
import { waitFor } from '../../shared/test-support/wait-for.js';
import { startServer, type RunningServer } from '../start-server.js';
import { jsonRequest, registerAliasedVersion, type JsonAnswer } from '../test-support/json-request.js';

const mlflow = '/api/2.0/mlflow';
const mon = '/api/bosun/v1/monitoring';
const T = 1_700_000_000_000;
const MINUTE = 60_000;
const secret = 'alert-hook-signing-secret-0001';

/** Reference rows: x spread evenly over (0, 1), city cycling a, b, c. */
const referenceRows = Array.from({ length: 200 }, (_, i) => ({
  x: (i + 0.5) / 200,
  city: ['a', 'b', 'c'][i % 3]!,
}));

/** 100 records from `start`: the reference's distribution, or shifted (x + 5, city z). */
function windowRecords(start: number, drifted: boolean, prefix: string) {
  return Array.from({ length: 100 }, (_, j) => ({
    features: { x: (j + 0.5) / 100 + (drifted ? 5 : 0), city: drifted ? 'z' : ['a', 'b', 'c'][j % 3]! },
    prediction: j % 2,
    timestamp: start + j * 100,
    request_id: `${prefix}-${j}`,
  }));
}

describe.each(testEngines)('monitor alerts delivered by webhooks on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let server: RunningServer;
  let receiver: WebhookReceiver;
  const call = (method: string, path: string, body?: unknown): Promise<JsonAnswer> =>
    jsonRequest(server.address, method, path, body);

  beforeAll(async () => {
    database = await openUnmigratedTestDatabase(engine, 'alerthooks');
    dir = mkdtempSync(join(tmpdir(), 'bosun-alert-hooks-'));
    receiver = await startWebhookReceiver();
    const config = loadServerConfig(
      {
        port: 0,
        backendStoreUri: database.uri,
        artifactsDestination: join(dir, 'artifacts'),
        logLevel: 'silent',
      },
      { BOSUN_WEBHOOK_ALLOW_PRIVATE: 'true' },
    );
    server = await startServer({ ...config, masterKey: MasterKey.generate() }, { handleSignals: false });
    expect((await call('POST', `${mlflow}/registered-models/create`, { name: 'other' })).status).toBe(200);
    await registerAliasedVersion(call, 'churn', 'champion');
  });

  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await database?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an unknown event type in a subscription with a 400 naming it', async () => {
    const answer = await call('POST', '/api/bosun/v1/webhooks', {
      url: `${receiver.base}/x`,
      events: ['monitor.alert.fired'],
      secret,
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(String(answer.json.message)).toContain("'monitor.alert.fired'");
  });

  it("delivers one signed monitor.alert_fired webhook for a drifted window to the model's subscription only, then the recovery", async () => {
    const alerts = await call('POST', '/api/bosun/v1/webhooks', {
      url: `${receiver.base}/alerts`,
      model_name: 'churn',
      events: ['monitor.alert_fired', 'monitor.alert_resolved'],
      secret,
    });
    expect(alerts.status).toBe(200);
    expect(alerts.json.webhook).toMatchObject({ events: ['monitor.alert_fired', 'monitor.alert_resolved'] });
    // Same event types, another model: must receive nothing.
    const other = await call('POST', '/api/bosun/v1/webhooks', {
      url: `${receiver.base}/other`,
      model_name: 'other',
      events: ['monitor.alert_fired'],
      secret,
    });
    expect(other.status).toBe(200);
    // The same alerts as a Slack message and as PagerDuty Events v2 (the secret is the routing key).
    const slack = await call('POST', '/api/bosun/v1/webhooks', {
      url: `${receiver.base}/slack`,
      model_name: 'churn',
      events: ['monitor.alert_fired', 'monitor.alert_resolved'],
      format: 'slack',
      secret,
    });
    expect(slack.json.webhook).toMatchObject({ format: 'slack' });
    const routingKey = 'R0UT1NGKEY0123456789abcdefABCDEF';
    const pagerduty = await call('POST', '/api/bosun/v1/webhooks', {
      url: `${receiver.base}/pagerduty`,
      model_name: 'churn',
      events: ['monitor.alert_fired', 'monitor.alert_resolved'],
      format: 'pagerduty',
      secret: routingKey,
    });
    expect(pagerduty.json.webhook).toMatchObject({ format: 'pagerduty' });

    const reference = await call('POST', `${mon}/models/churn/references`, {
      name: 'training',
      version: '1',
      rows: referenceRows,
    });
    expect(reference.status).toBe(200);
    const created = await call('POST', `${mon}/models/churn/monitors`, {
      name: 'inputs',
      alias: 'champion',
      reference_id: String((reference.json.reference as { reference_id: string }).reference_id),
      window_ms: MINUTE,
    });
    expect(created.status).toBe(200);
    const monitorId = String((created.json.monitor as { monitor_id: string }).monitor_id);
    const monitorPath = `${mon}/models/churn/monitors/${monitorId}`;

    const logged = await call('POST', `${mon}/models/churn/predictions`, {
      alias: 'champion',
      records: windowRecords(T, true, 'drift'),
    });
    expect(logged.json).toEqual({ logged: 100, version: '1' });
    const ran = await call('POST', `${monitorPath}/run`, { window_end: T + MINUTE });
    expect(ran.status).toBe(200);
    const fired = ran.json.fired as { alert_id: string; condition: string }[];
    expect(fired).toHaveLength(1);
    expect(fired[0]!.condition).toBe('data_drift');

    const [request] = await waitFor('the alert webhook', () =>
      receiver.on('/alerts').length > 0 ? receiver.on('/alerts') : undefined,
    );
    expect(request!.headers['x-bosun-event']).toBe('monitor.alert_fired');
    expect(
      verifyWebhookSignature(
        secret,
        String(request!.headers['x-bosun-timestamp']),
        request!.body,
        String(request!.headers['x-bosun-signature']),
      ),
    ).toBe(true);
    expect(
      verifyWebhookSignature(
        'another-secret-entirely',
        String(request!.headers['x-bosun-timestamp']),
        request!.body,
        String(request!.headers['x-bosun-signature']),
      ),
    ).toBe(false);
    const body = JSON.parse(request!.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: 'monitor.alert_fired',
      model_name: 'churn',
      version: null,
      payload: {
        modelName: 'churn',
        monitorName: 'inputs',
        alertId: fired[0]!.alert_id,
        condition: 'data_drift',
        windowStart: T,
        windowEnd: T + MINUTE,
        driftShare: 1,
      },
    });

    // The subscription's delivery log shows exactly one delivery, succeeded; nothing went to the other model's.
    const subscriptionId = String((alerts.json.webhook as { id: number }).id);
    const deliveries = await waitFor('the delivery marked succeeded', async () => {
      const page = await call('GET', `/api/bosun/v1/webhooks/${subscriptionId}/deliveries`);
      const list = page.json.deliveries as { status: string; event_type: string }[];
      return list.length === 1 && list[0]!.status === 'succeeded' ? list : undefined;
    });
    expect(deliveries[0]!.event_type).toBe('monitor.alert_fired');
    const otherId = String((other.json.webhook as { id: number }).id);
    const otherPage = await call('GET', `/api/bosun/v1/webhooks/${otherId}/deliveries`);
    expect(otherPage.json.deliveries).toEqual([]);
    expect(receiver.on('/alerts')).toHaveLength(1);
    expect(receiver.on('/other')).toEqual([]);

    // A clean window resolves the alert: one more signed delivery, the recovery notice.
    const clean = await call('POST', `${mon}/models/churn/predictions`, {
      alias: 'champion',
      records: windowRecords(T + MINUTE, false, 'clean'),
    });
    expect(clean.json).toEqual({ logged: 100, version: '1' });
    const recovered = await call('POST', `${monitorPath}/run`, { window_end: T + 2 * MINUTE });
    expect((recovered.json.resolved as { alert_id: string }[]).map((a) => a.alert_id)).toEqual([
      fired[0]!.alert_id,
    ]);
    const resolvedRequest = await waitFor('the recovery webhook', () => receiver.on('/alerts')[1]);
    expect(resolvedRequest.headers['x-bosun-event']).toBe('monitor.alert_resolved');
    expect(
      verifyWebhookSignature(
        secret,
        String(resolvedRequest.headers['x-bosun-timestamp']),
        resolvedRequest.body,
        String(resolvedRequest.headers['x-bosun-signature']),
      ),
    ).toBe(true);
    expect(JSON.parse(resolvedRequest.body)).toMatchObject({
      type: 'monitor.alert_resolved',
      model_name: 'churn',
      payload: { alertId: fired[0]!.alert_id, condition: 'data_drift', windowEnd: T + 2 * MINUTE },
    });
    expect(receiver.on('/other')).toEqual([]);

    // Slack: a message per alert, signed like the others.
    const slackRequests = await waitFor('both Slack messages', () =>
      receiver.on('/slack').length === 2 ? receiver.on('/slack') : undefined,
    );
    const [slackFired, slackResolved] = slackRequests.map((r) => JSON.parse(r.body) as { text: string });
    expect(slackFired!.text).toMatch(/^FIRING churn \/ inputs: data drift: 2 of 2 columns drifted/);
    expect(slackResolved!.text).toMatch(/^RESOLVED churn \/ inputs: /);
    expect(JSON.parse(slackRequests[0]!.body)).toMatchObject({
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: slackFired!.text } }, { type: 'context' }],
    });
    expect(
      verifyWebhookSignature(
        secret,
        String(slackRequests[0]!.headers['x-bosun-timestamp']),
        slackRequests[0]!.body,
        String(slackRequests[0]!.headers['x-bosun-signature']),
      ),
    ).toBe(true);

    // PagerDuty: a trigger, then a resolve of the same incident (dedup_key), with the routing key in the body.
    const pdRequests = await waitFor('the PagerDuty trigger and resolve', () =>
      receiver.on('/pagerduty').length === 2 ? receiver.on('/pagerduty') : undefined,
    );
    const [trigger, resolve] = pdRequests.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(trigger).toEqual({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: `bosun/churn/monitor-alert/${fired[0]!.alert_id}`,
      payload: {
        summary: expect.stringMatching(/^FIRING churn \/ inputs: data drift/) as unknown,
        source: 'bosun/churn',
        severity: 'warning',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
        component: 'churn',
        group: 'inputs',
        class: 'data_drift',
        custom_details: expect.objectContaining({ alertId: fired[0]!.alert_id, driftShare: 1 }) as unknown,
      },
    });
    expect(resolve).toEqual({
      routing_key: routingKey,
      event_action: 'resolve',
      dedup_key: trigger!.dedup_key,
    });
  });

  it("checks a subscription's format: known names only; PagerDuty for monitor alerts with its routing key", async () => {
    const create = (body: Record<string, unknown>) =>
      call('POST', '/api/bosun/v1/webhooks', { url: `${receiver.base}/formats`, ...body });
    const refusals = [
      [{ format: 'teams', secret }, "Unknown webhook format 'teams': expected bosun, slack, pagerduty"],
      [{ format: 'pagerduty', events: ['monitor.alert_fired'] }, 'routing key'],
      [{ format: 'pagerduty', events: ['alias.set'], secret }, 'monitor alerts only'],
      [{ format: 'pagerduty', secret }, 'monitor alerts only'],
    ] as const;
    for (const [body, message] of refusals) {
      const answer = await create(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(String(answer.json.message)).toContain(message);
    }
    const plain = await create({ secret });
    expect(plain.json.webhook).toMatchObject({ format: 'bosun' });
    const id = (plain.json.webhook as { id: number }).id;
    expect((await call('GET', `/api/bosun/v1/webhooks/${id}`)).json.webhook).toMatchObject({
      format: 'bosun',
    });
  });
});
