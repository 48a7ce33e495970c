import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import { decodePageToken, encodePageToken } from '../../search/index.js';
import { type Clock, InvalidParameterError, NotFoundError, systemClock } from '../../shared/index.js';
import { isMonitorAlertEventType, isWebhookEventType, type WebhookEventType } from './webhook-event-types.js';
import { isWebhookFormat, webhookFormats, type WebhookFormat } from './webhook-formats.js';
import {
  WebhookSecretsUnavailableError,
  removeSigningSecret,
  signingSecretPath,
  signingSecretPrefix,
  storeSigningSecretOnce,
  type WebhookSecretStore,
} from './signing-secrets.js';
import type { WebhookTargetPolicy } from './target-policy.js';
import { type SubscriptionRow, webhookStore } from './webhook-store.js';
import type {
  CreateWebhookInput,
  CreatedWebhookSubscription,
  WebhookAttempt,
  WebhookDelivery,
  WebhookSubscription,
} from './webhook-types.js';

export interface WebhookServiceOptions {
  /**
   * Where signing secrets are kept, encrypted. Without it (no master key) subscriptions cannot be created;
   * existing ones can still be listed and deleted.
   */
  secrets?: WebhookSecretStore;
  clock?: Clock;
}

export interface DeliveryPage {
  deliveries: WebhookDelivery[];
  nextPageToken?: string;
}

const maxUrlLength = 2048;
const maxDeliveriesPerPage = 1000;

function subscriptionFromRow(row: SubscriptionRow): WebhookSubscription {
  const events = JSON.parse(row.event_types) as WebhookEventType[];
  const sub: WebhookSubscription = {
    id: Number(row.id),
    url: row.url,
    events,
    format: isWebhookFormat(row.format) ? row.format : 'bosun',
    active: Number(row.active) === 1,
    createdAt: Number(row.created_at),
  };
  if (row.model_name !== null) sub.modelName = row.model_name;
  return sub;
}

function parseFormat(raw: string | undefined): WebhookFormat {
  if (raw === undefined) return 'bosun';
  if (!isWebhookFormat(raw)) {
    throw new InvalidParameterError(`Unknown webhook format '${raw}': expected ${webhookFormats.join(', ')}`);
  }
  return raw;
}

/** A subscription id from the path: a positive integer, else InvalidParameterError. */
export function parseSubscriptionId(raw: string | number): number {
  const id = typeof raw === 'number' ? raw : /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new InvalidParameterError(`Invalid webhook id '${String(raw)}': expected a positive integer`);
  }
  return id;
}

/**
 * Webhook subscriptions and their delivery log. Subscription URLs are checked by the target policy when they
 * are created (and again, address by address, when each delivery connects). Signing secrets live in the
 * secret store at `bosun/webhooks/<id>/signing-secret`; the subscription row keeps only that path.
 * Example: `await webhooks.create({ url: 'https://ci.example.com/hook', modelName: 'rf', events: ['alias.set'] })`.
 */
export class WebhookService {
  private readonly clock: Clock;
  private readonly secrets: WebhookSecretStore | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly policy: WebhookTargetPolicy,
    options: WebhookServiceOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.secrets = options.secrets;
  }

  /**
   * Subscribes a URL. The secret (given, or generated) goes to the secret store; the answer carries it only
   * when it was generated, since the caller cannot know it otherwise. Needs the secret store: without one,
   * `WebhookSecretsUnavailableError` (400) tells the operator to configure a master key.
   */
  async create(input: CreateWebhookInput): Promise<CreatedWebhookSubscription> {
    const secrets = this.secrets;
    if (!secrets) throw new WebhookSecretsUnavailableError();
    if (typeof input.url !== 'string' || input.url.length === 0) {
      throw new InvalidParameterError("Missing value for required parameter 'url'");
    }
    if (input.url.length > maxUrlLength) {
      throw new InvalidParameterError(`Webhook URL is longer than ${maxUrlLength} characters`);
    }
    const modelName = input.modelName === '' ? undefined : input.modelName;
    if (modelName !== undefined && modelName.length > 256) {
      throw new InvalidParameterError('model_name is longer than 256 characters');
    }
    const events: WebhookEventType[] = [];
    for (const type of input.events ?? []) {
      if (!isWebhookEventType(type)) {
        throw new InvalidParameterError(
          `Unknown webhook event type '${type}' in 'events' (a registry event type, monitor.alert_fired or monitor.alert_resolved)`,
        );
      }
      if (!events.includes(type)) events.push(type);
    }
    const format = parseFormat(input.format);
    if (format === 'pagerduty') {
      if (events.length === 0 || !events.every((e) => isMonitorAlertEventType(e))) {
        throw new InvalidParameterError(
          "A 'pagerduty' webhook takes monitor alerts only: 'events' must list monitor.alert_fired and/or monitor.alert_resolved",
        );
      }
      if (input.secret === undefined) {
        throw new InvalidParameterError(
          "A 'pagerduty' webhook needs the PagerDuty integration's routing key as 'secret'",
        );
      }
    }
    const generated = input.secret === undefined;
    const secret = input.secret ?? `whsec_${randomBytes(32).toString('hex')}`;
    if (typeof secret !== 'string' || secret.length < 16 || secret.length > 256) {
      throw new InvalidParameterError('Webhook secret must be 16 to 256 characters long');
    }
    const url = await this.policy.checkUrl(input.url);
    const now = this.clock.nowMs();
    // Inactive until its secret is stored, so no event queues a delivery that could not be signed.
    const row = await webhookStore.insertInactive(this.db, {
      modelName: modelName ?? null,
      url,
      eventTypes: JSON.stringify(events),
      format,
      now,
    });
    const id = Number(row.id);
    const ref = signingSecretPath(id);
    try {
      // A leftover of an earlier subscription with the same id (deleted while the store was off) goes first.
      await removeSigningSecret(secrets, ref);
      await secrets.put(ref, secret);
      await webhookStore.activate(this.db, id, ref);
    } catch (err) {
      // Best effort: the original error is the one worth reporting.
      await webhookStore.deleteSubscriptionRow(this.db, id).catch(() => undefined);
      await removeSigningSecret(secrets, ref).catch(() => undefined);
      throw err;
    }
    const created: CreatedWebhookSubscription = subscriptionFromRow({ ...row, active: 1 });
    if (generated) created.secret = secret;
    return created;
  }

  /**
   * Moves the plain-text secrets of subscriptions created before migration 0009 into the secret store and
   * clears them from the table. Idempotent, also when several servers run it at the same moment (each secret
   * gets one version); the server runs it at every start when it has a master key.
   * Returns how many were moved.
   */
  async sealLegacySecrets(): Promise<number> {
    const secrets = this.secrets;
    if (!secrets) throw new WebhookSecretsUnavailableError();
    const rows = await webhookStore.withLegacySecret(this.db);
    let moved = 0;
    for (const row of rows) {
      if (row.legacy_secret === null) continue;
      const ref = signingSecretPath(Number(row.id));
      await storeSigningSecretOnce(secrets, ref, row.legacy_secret);
      moved += await webhookStore.sealLegacySecret(this.db, row.id, ref);
    }
    return moved;
  }

  /** How many subscriptions still hold a plain-text secret (created before migration 0009, not yet moved). */
  async countLegacySecrets(): Promise<number> {
    return webhookStore.countLegacySecrets(this.db);
  }

  /** Every subscription, or those of one model (global ones excluded), oldest first. */
  async list(filter: { modelName?: string } = {}): Promise<WebhookSubscription[]> {
    const rows = await webhookStore.listSubscriptions(this.db, filter);
    return rows.map(subscriptionFromRow);
  }

  async get(id: number): Promise<WebhookSubscription> {
    const row = await webhookStore.findSubscription(this.db, parseSubscriptionId(id));
    if (!row) throw new NotFoundError(`Webhook subscription ${id} not found`);
    return subscriptionFromRow(row);
  }

  /**
   * Deletes a subscription with its pending deliveries and their log, then its signing secret. Without the
   * secret store the secret entry stays behind (harmless: nothing refers to it; a later subscription with the
   * same id replaces it).
   */
  async delete(id: number): Promise<void> {
    const subscriptionId = parseSubscriptionId(id);
    const deleted = await webhookStore.deleteSubscription(this.db, subscriptionId);
    if (!deleted) throw new NotFoundError(`Webhook subscription ${id} not found`);
    const ref = deleted.secretRef;
    if (ref !== null && ref.startsWith(signingSecretPrefix) && this.secrets) {
      await removeSigningSecret(this.secrets, ref);
    }
  }

  /** The deliveries of one subscription, newest first, each with its attempt log. */
  async listDeliveries(
    id: number,
    page: { maxResults?: number; pageToken?: string } = {},
  ): Promise<DeliveryPage> {
    const subscription = await this.get(id);
    const limit = page.maxResults ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxDeliveriesPerPage) {
      throw new InvalidParameterError(
        `Invalid value ${limit} for parameter 'max_results': expected 1 to ${maxDeliveriesPerPage}`,
      );
    }
    const offset = decodePageToken(page.pageToken);
    const rows = await webhookStore.listDeliveries(this.db, subscription.id, { limit: limit + 1, offset });
    const shown = rows.slice(0, limit);
    const logs = new Map<number, WebhookAttempt[]>();
    if (shown.length > 0) {
      const attempts = await webhookStore.attemptsOf(
        this.db,
        shown.map((r) => r.id),
      );
      for (const a of attempts) {
        const entry: WebhookAttempt = {
          attempt: Number(a.attempt),
          durationMs: Number(a.duration_ms),
          createdAt: Number(a.created_at),
        };
        if (a.status_code !== null) entry.statusCode = Number(a.status_code);
        if (a.error !== null) entry.error = a.error;
        const list = logs.get(Number(a.delivery_id)) ?? [];
        list.push(entry);
        logs.set(Number(a.delivery_id), list);
      }
    }
    const deliveries = shown.map((r): WebhookDelivery => {
      const common = {
        id: Number(r.id),
        subscriptionId: Number(r.subscription_id),
        eventId: Number(r.event_id),
        eventType: r.event_type as WebhookEventType,
        attempts: Number(r.attempts),
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
        log: logs.get(Number(r.id)) ?? [],
        ...(r.last_status_code !== null ? { lastStatusCode: Number(r.last_status_code) } : {}),
        ...(r.last_error !== null ? { lastError: r.last_error } : {}),
      };
      switch (r.status) {
        case 'pending':
          return { ...common, status: 'pending', nextAttemptAt: Number(r.next_attempt_at) };
        case 'succeeded':
          return { ...common, status: 'succeeded' };
        default:
          return { ...common, status: 'failed' };
      }
    });
    const result: DeliveryPage = { deliveries };
    if (rows.length > limit) result.nextPageToken = encodePageToken(offset + limit);
    return result;
  }
}
