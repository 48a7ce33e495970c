import { isRegistryEventType, registryEventTypes } from '../events/event-type-list.js';
import type { RegistryEventType } from '../events/event-types.js';

/**
 * The monitoring events a webhook may subscribe to besides the registry's: a monitor's alert fired or resolved
 * (src/monitoring/alerts/monitoring-event-catalogue.ts declares them; src/platform/platform-catalogue.ts checks
 * at compile time that these names are platform event types). Their subject is the monitor's id; the model's
 * name is the payload's `modelName`.
 */
export const monitorAlertEventTypes = ['monitor.alert_fired', 'monitor.alert_resolved'] as const;

export type MonitorAlertEventType = (typeof monitorAlertEventTypes)[number];

/** Every event type a webhook subscription may name. */
export type WebhookEventType = RegistryEventType | MonitorAlertEventType;

/** Every webhook event type at run time: the registry's, then the monitor alerts. */
export const webhookEventTypes: readonly WebhookEventType[] = [
  ...registryEventTypes,
  ...monitorAlertEventTypes,
];

const alertTypes: ReadonlySet<string> = new Set(monitorAlertEventTypes);

export function isMonitorAlertEventType(value: string): value is MonitorAlertEventType {
  return alertTypes.has(value);
}

export function isWebhookEventType(value: string): value is WebhookEventType {
  return isRegistryEventType(value) || isMonitorAlertEventType(value);
}

/**
 * The registered model an event is about, as recorded: a registry event's subject, a monitor alert's
 * `modelName` payload field (its subject is the monitor's id). `payload` is the event's JSON object.
 */
export function eventModelName(type: string, subject: string, payload: Record<string, unknown>): string {
  if (!isMonitorAlertEventType(type)) return subject;
  const name = payload.modelName;
  return typeof name === 'string' ? name : subject;
}
