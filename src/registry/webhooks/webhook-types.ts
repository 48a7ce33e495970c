import type { WebhookEventType } from './webhook-event-types.js';
import type { WebhookFormat } from './webhook-formats.js';

/** Where registry events (and monitor alerts) are POSTed. Never carries the signing secret (it lives in the secret store). */
export interface WebhookSubscription {
  id: number;
  /** Absent: every model (a global subscription). */
  modelName?: string;
  url: string;
  /** Empty: every event type. */
  events: WebhookEventType[];
  /** How deliveries are written (Bosun's event, a Slack message, a PagerDuty event). */
  format: WebhookFormat;
  active: boolean;
  createdAt: number;
}

/**
 * The answer to a creation. `secret` is present only when the server generated it (the caller has no other
 * way to learn it), shown this once; a secret the caller gave is never echoed.
 */
export interface CreatedWebhookSubscription extends WebhookSubscription {
  secret?: string;
}

export interface CreateWebhookInput {
  url: string;
  modelName?: string;
  events?: readonly string[];
  /** The HMAC key; one is generated when absent. For `pagerduty`, the integration's routing key (required). */
  secret?: string;
  /** 'bosun' (default), 'slack' or 'pagerduty'. */
  format?: string;
}

/** One HTTP attempt of a delivery. */
export interface WebhookAttempt {
  attempt: number;
  /** Absent when no HTTP answer came (refused target, connection error, timeout). */
  statusCode?: number;
  error?: string;
  durationMs: number;
  createdAt: number;
}

interface DeliveryCommon {
  id: number;
  subscriptionId: number;
  eventId: number;
  eventType: WebhookEventType;
  attempts: number;
  lastStatusCode?: number;
  lastError?: string;
  createdAt: number;
  updatedAt: number;
  log: WebhookAttempt[];
}

/** One event on its way to one subscription. */
export type WebhookDelivery =
  | (DeliveryCommon & { status: 'pending'; nextAttemptAt: number })
  | (DeliveryCommon & { status: 'succeeded' })
  | (DeliveryCommon & { status: 'failed' });

export type DeliveryStatus = WebhookDelivery['status'];
