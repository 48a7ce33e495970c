import type { RegistryEventType } from '../events/event-types.js';

/** Where registry events are POSTed. The secret is never shown again after creation. */
export interface WebhookSubscription {
  id: number;
  /** Absent: every model (a global subscription). */
  modelName?: string;
  url: string;
  /** Empty: every event type. */
  events: RegistryEventType[];
  active: boolean;
  createdAt: number;
}

/** The answer to a creation: the subscription and its secret, shown this once. */
export interface CreatedWebhookSubscription extends WebhookSubscription {
  secret: string;
}

export interface CreateWebhookInput {
  url: string;
  modelName?: string;
  events?: readonly string[];
  /** The HMAC key; one is generated when absent. */
  secret?: string;
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
  eventType: RegistryEventType;
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
