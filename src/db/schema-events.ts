import type { Generated } from 'kysely';

/**
 * The platform's event log and outbox (migration 0010; registry events before it lived in `registry_events`,
 * renamed to this). A producer appends a row in its own transaction; consumers read rows in (`xact_id`, `id`)
 * order. `xact_id` is the writing transaction's id on PostgreSQL (0 on SQLite, where ids are in commit order,
 * and on rows written before 0010). `subject_kind` and `subject` say what the event is about (e.g.
 * `registered_model` and the model name), `subject_version` which version of it when the event concerns one.
 * `payload` is JSON text; times are epoch milliseconds.
 */
export interface EventOutboxTable {
  id: Generated<number>;
  type: string;
  subject_kind: string;
  subject: string;
  subject_version: string | null;
  actor: string | null;
  payload: string;
  created_at: number;
  xact_id: number;
}

/** One event consumer's position in the outbox: the last (`position_xact`, `position_id`) it handled. */
export interface EventConsumersTable {
  name: string;
  position_xact: number;
  position_id: number;
  updated_at: number;
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
  /** How deliveries are written: 'bosun', 'slack' or 'pagerduty' (migration 0021, default 'bosun'). */
  format: Generated<string>;
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

/** The event outbox, its consumers' positions, and the webhook tables (subscriptions, deliveries, attempts). */
export interface EventTables {
  event_outbox: EventOutboxTable;
  event_consumers: EventConsumersTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
}
