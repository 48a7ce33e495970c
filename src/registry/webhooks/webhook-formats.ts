import { isMonitorAlertEventType } from './webhook-event-types.js';

/**
 * How a subscription's deliveries are written:
 * - `bosun`: Bosun's own event (`{id, type, model_name, version, actor, payload, created_at}`);
 * - `slack`: a Slack incoming-webhook message (`{text, blocks}`), also read by Mattermost, Rocket.Chat and
 *   Microsoft Teams' Slack-compatible connectors;
 * - `pagerduty`: a PagerDuty Events API v2 event (`{routing_key, event_action, dedup_key, payload}`), for monitor
 *   alerts only: fired → `trigger`, resolved → `resolve`, one incident per alert.
 * Every format is signed the same way (the X-Bosun-* headers).
 */
export const webhookFormats = ['bosun', 'slack', 'pagerduty'] as const;

export type WebhookFormat = (typeof webhookFormats)[number];

export function isWebhookFormat(value: string): value is WebhookFormat {
  return (webhookFormats as readonly string[]).includes(value);
}

/** The event a delivery carries, as the dispatcher has it (its payload is the recorded JSON text). */
export interface DeliveredEvent {
  eventId: number;
  type: string;
  modelName: string;
  version: string | null;
  actor: string | null;
  payload: string;
  createdAt: number;
}

/** Bosun's own body; the payload is embedded as recorded, not re-parsed. */
export function bosunBody(d: DeliveredEvent): string {
  const head = JSON.stringify({
    id: Number(d.eventId),
    type: d.type,
    model_name: d.modelName,
    version: d.version,
    actor: d.actor,
  });
  return `${head.slice(0, -1)},"payload":${d.payload},"created_at":${Number(d.createdAt)}}`;
}

type Payload = Record<string, unknown>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function parsePayload(d: DeliveredEvent): Payload {
  const parsed: unknown = JSON.parse(d.payload);
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Payload) : {};
}

/** One line saying what happened, for people: the alert's message, or the registry change. */
export function eventSummary(d: DeliveredEvent, p: Payload = parsePayload(d)): string {
  if (isMonitorAlertEventType(d.type)) {
    const monitor = text(p.monitorName) ?? '?';
    const what = text(p.message) ?? text(p.condition) ?? 'alert';
    const verb = d.type === 'monitor.alert_fired' ? 'FIRING' : 'RESOLVED';
    return `${verb} ${d.modelName} / ${monitor}: ${what}`;
  }
  const version = d.version === null ? '' : ` version ${d.version}`;
  const by = d.actor === null ? '' : ` by ${d.actor}`;
  const details = Object.entries(p)
    .filter(([, v]) => text(v) !== undefined)
    .map(([k, v]) => `${k}=${text(v)}`)
    .join(', ');
  return `${d.type}: ${d.modelName}${version}${by}${details === '' ? '' : ` (${details})`}`;
}

/** Slack's mrkdwn treats &, < and > as markup: escaped as Slack documents. */
function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackBody(d: DeliveredEvent): string {
  const p = parsePayload(d);
  const summary = slackEscape(eventSummary(d, p));
  const facts = [
    `*model* ${slackEscape(d.modelName)}`,
    ...(d.version === null ? [] : [`*version* ${slackEscape(d.version)}`]),
    ...(isMonitorAlertEventType(d.type)
      ? [
          `*monitor* ${slackEscape(text(p.monitorName) ?? '?')}`,
          `*condition* ${slackEscape(text(p.condition) ?? '?')}`,
          ...(text(p.driftShare) === undefined ? [] : [`*drift share* ${text(p.driftShare)}`]),
        ]
      : []),
    `*event* ${d.type} #${d.eventId}`,
  ];
  return JSON.stringify({
    text: summary,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: summary } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: facts.join(' · ') }] },
    ],
  });
}

function pagerDutyBody(d: DeliveredEvent, routingKey: string): string {
  const p = parsePayload(d);
  const firing = d.type === 'monitor.alert_fired';
  // One incident per alert: the resolve names the same key as the trigger.
  const dedupKey = `bosun/${d.modelName}/monitor-alert/${text(p.alertId) ?? d.eventId}`;
  if (!firing)
    return JSON.stringify({ routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey });
  return JSON.stringify({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      // PagerDuty caps the summary at 1,024 characters.
      summary: eventSummary(d, p).slice(0, 1024),
      source: `bosun/${d.modelName}`,
      severity: 'warning',
      timestamp: new Date(d.createdAt).toISOString(),
      component: d.modelName,
      group: text(p.monitorName) ?? 'monitor',
      class: text(p.condition) ?? 'alert',
      custom_details: p,
    },
  });
}

/**
 * The request body of a delivery in a subscription's format. `secret` is the subscription's secret: for
 * `pagerduty` it is the integration's routing key, which PagerDuty reads from the body.
 */
export function webhookBodyIn(format: WebhookFormat, d: DeliveredEvent, secret: string): string {
  switch (format) {
    case 'bosun':
      return bosunBody(d);
    case 'slack':
      return slackBody(d);
    case 'pagerduty':
      return pagerDutyBody(d, secret);
    default: {
      const unknown: never = format;
      throw new Error(`unknown webhook format ${String(unknown)}`);
    }
  }
}
