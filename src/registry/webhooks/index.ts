/**
 * Webhooks for registry events and monitor alerts: subscriptions (per model or global), the webhook consumer that fans each
 * outbox event out to its subscriptions' deliveries (exactly once), the target policy that keeps deliveries
 * off loopback, private and link-local addresses, HMAC-SHA256 signatures keyed with secrets kept encrypted in
 * the secret store, and the dispatcher that sends, retries with backoff and logs every attempt. See
 * docs/webhooks.md.
 */
export type {
  CreateWebhookInput,
  CreatedWebhookSubscription,
  DeliveryStatus,
  WebhookAttempt,
  WebhookDelivery,
  WebhookSubscription,
} from './webhook-types.js';
export {
  WebhookService,
  parseSubscriptionId,
  type DeliveryPage,
  type WebhookServiceOptions,
} from './webhook-service.js';
export {
  WebhookSecretsUnavailableError,
  signingSecretPath,
  type WebhookSecretStore,
} from './signing-secrets.js';
export {
  WebhookTargetPolicy,
  systemResolver,
  type HostResolver,
  type ResolvedAddress,
  type WebhookTargetOptions,
} from './target-policy.js';
export {
  HttpWebhookTransport,
  WebhookTargetRefusedError,
  type WebhookRequest,
  type WebhookResponse,
  type WebhookTransport,
} from './webhook-transport.js';
export { WebhookDispatcher, type WebhookDispatcherOptions } from './webhook-dispatcher.js';
export {
  bosunBody,
  eventSummary,
  isWebhookFormat,
  webhookBodyIn,
  webhookFormats,
  type DeliveredEvent,
  type WebhookFormat,
} from './webhook-formats.js';
export {
  moveSubscriptionsOnRename,
  subscriptionAccepts,
  webhookConsumerName,
  webhookFanOut,
  type WebhookFanOutOptions,
} from './webhook-fan-out.js';
export { signWebhook, verifyWebhookSignature } from './webhook-signature.js';
export {
  isWebhookEventType,
  monitorAlertEventTypes,
  webhookEventTypes,
  type MonitorAlertEventType,
  type WebhookEventType,
} from './webhook-event-types.js';
export { defaultRetrySchedule, retryDelayMs, type RetrySchedule } from './retry-schedule.js';
