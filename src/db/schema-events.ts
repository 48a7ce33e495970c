import type { Generated } from 'kysely';

/** One registry change, as kept on record. `payload` is JSON text; times are epoch milliseconds. */
export interface RegistryEventsTable {
  id: Generated<number>;
  type: string;
  model_name: string;
  version: string | null;
  actor: string | null;
  payload: string;
  created_at: number;
}

/**
 * Where to POST registry events. `model_name` null means every model; `event_types` is a JSON array of event
 * types (empty = all). The HMAC signing key is never stored here: `secret_ref` is the path of the secret-store
 * entry that holds it, encrypted (`bosun/webhooks/<id>/signing-secret`). `legacy_secret` is the plain text of a
 * subscription created before migration 0009, until a server with a master key moves it into the store and
 * sets it to null. A row is created inactive and activated once its secret is stored.
 */
export interface WebhookSubscriptionsTable {
  id: Generated<number>;
  model_name: string | null;
  url: string;
  event_types: string;
  secret_ref: string | null;
  legacy_secret: string | null;
  active: number;
  created_at: number;
}

/**
 * One event to send to one subscription. A process owns a pending row while `lease_owner` is its token and
 * `next_attempt_at` (pushed forward by the lease) has not passed.
 */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  subscription_id: number;
  event_id: number;
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** The delivery log: one row per HTTP attempt. */
export interface WebhookDeliveryAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  created_at: number;
}

/** Registry event and webhook tables (events, subscriptions, deliveries and their attempts). */
export interface EventTables {
  registry_events: RegistryEventsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
}
