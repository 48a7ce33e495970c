import type { OutboxEvent } from '../../events/index.js';
import type { AlertChange, TriggerKind } from './trigger-types.js';

/** A field of an event as trigger templates (`{{event.model_name}}`) and filters see it. */
export type FieldValue = string | number | boolean | null;

/** The monitoring alert event types (the monitoring catalogue's; the pipelines layer sits below monitoring). */
export const alertEventStates: Readonly<Record<string, AlertChange>> = {
  'monitor.alert_fired': 'firing',
  'monitor.alert_resolved': 'resolved',
};

/** The fields a template of each kind may name (a registry event has only those its type records). */
export const templateFields: Readonly<Record<TriggerKind, readonly string[]>> = {
  registry_event: [
    'id',
    'type',
    'model_name',
    'version',
    'actor',
    'alias',
    'previous_version',
    'source',
    'storage_location',
    'run_id',
    'model_id',
    'key',
    'value',
    'target',
    'from',
    'to',
    'status',
    'description',
  ],
  monitoring_alert: [
    'id',
    'type',
    'model_name',
    'monitor_name',
    'monitor_id',
    'alert_id',
    'condition',
    'state',
    'message',
    'result_id',
    'window_start',
    'window_end',
    'drift_share',
  ],
  webhook: [],
};

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function scalar(value: unknown): value is FieldValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/**
 * The flat fields of an outbox event: `id`, `type`, `actor`, the payload's scalar fields in snake_case, and per
 * kind `model_name` and `version` (registry: the subject and its version) or `model_name`, `monitor_name`,
 * `monitor_id` and `state` (`firing`/`resolved`) for a monitor alert.
 * Example: a `model_version.created` of `churn` v3 -> `{ id: 41, type: 'model_version.created', model_name: 'churn', version: '3', source: ... }`.
 */
export function eventFields(event: OutboxEvent): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  for (const [key, value] of Object.entries(event.payload)) {
    if (scalar(value)) fields[snake(key)] = value;
  }
  fields['id'] = event.id;
  fields['type'] = event.type;
  if (event.actor !== undefined) fields['actor'] = event.actor;
  const state = alertEventStates[event.type];
  if (state !== undefined) {
    fields['monitor_id'] = event.subject;
    fields['state'] = state;
  } else {
    fields['model_name'] = event.subject;
    if (event.subjectVersion !== undefined) fields['version'] = event.subjectVersion;
  }
  return fields;
}
