import { isRegistryEventType } from '../../registry/events/index.js';
import { InvalidParameterError } from '../../shared/index.js';
import {
  ALERT_CHANGES,
  ALERT_CONDITION_NAMES,
  type AlertChange,
  type AlertConditionName,
  type TriggerFilter,
  type TriggerKind,
} from './trigger-types.js';

type Json = Record<string, unknown>;

const known: Record<TriggerKind, readonly string[]> = {
  registry_event: ['event_types', 'model_name', 'model_tags', 'alias'],
  monitoring_alert: ['model_name', 'monitor_name', 'conditions', 'states'],
  webhook: [],
};

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new InvalidParameterError(`Invalid value for filter.${field}: expected a non-empty string`);
  }
  return value;
}

function listOf<T extends string>(
  value: unknown,
  field: string,
  allowed: readonly T[],
  fallback: readonly T[],
): T[] {
  if (value === undefined || value === null) return [...fallback];
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidParameterError(
      `Invalid value for filter.${field}: expected a non-empty list of ${allowed.join(', ')}`,
    );
  }
  return value.map((v) => {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      throw new InvalidParameterError(
        `Invalid value for filter.${field}: '${String(v).slice(0, 64)}' (expected ${allowed.join(', ')})`,
      );
    }
    return v as T;
  });
}

/**
 * Reads a trigger's filter as given on the wire (snake_case JSON) for its kind; refuses unknown fields and
 * values with an INVALID_PARAMETER_VALUE error that names them.
 * Example: `parseFilter('registry_event', { event_types: ['model_version.created'], model_name: 'churn' })`.
 */
export function parseFilter(kind: TriggerKind, raw: unknown): TriggerFilter {
  const input = raw === undefined || raw === null ? {} : raw;
  if (!isObject(input)) throw new InvalidParameterError('Invalid value for filter: expected a JSON object');
  for (const key of Object.keys(input)) {
    if (!known[kind].includes(key)) {
      throw new InvalidParameterError(
        `Invalid value for filter: '${key.slice(0, 64)}' is not a filter of ${kind} triggers` +
          (known[kind].length > 0 ? ` (they have: ${known[kind].join(', ')})` : ' (they take none)'),
      );
    }
  }
  switch (kind) {
    case 'registry_event': {
      const types = input['event_types'];
      if (!Array.isArray(types) || types.length === 0) {
        throw new InvalidParameterError(
          'Invalid value for filter.event_types: expected a non-empty list of registry event types (e.g. model_version.created)',
        );
      }
      for (const t of types) {
        if (typeof t !== 'string' || !isRegistryEventType(t)) {
          throw new InvalidParameterError(
            `Invalid value for filter.event_types: '${String(t).slice(0, 64)}' is not a registry event type`,
          );
        }
      }
      const tags = input['model_tags'] ?? {};
      if (!isObject(tags) || Object.values(tags).some((v) => typeof v !== 'string')) {
        throw new InvalidParameterError('Invalid value for filter.model_tags: expected an object of strings');
      }
      const modelName = text(input['model_name'], 'model_name');
      const alias = text(input['alias'], 'alias');
      return {
        kind,
        eventTypes: [...new Set(types as string[])],
        ...(modelName !== undefined ? { modelName } : {}),
        modelTags: tags as Record<string, string>,
        ...(alias !== undefined ? { alias } : {}),
      };
    }
    case 'monitoring_alert': {
      const modelName = text(input['model_name'], 'model_name');
      const monitorName = text(input['monitor_name'], 'monitor_name');
      return {
        kind,
        ...(modelName !== undefined ? { modelName } : {}),
        ...(monitorName !== undefined ? { monitorName } : {}),
        conditions: listOf<AlertConditionName>(
          input['conditions'],
          'conditions',
          ALERT_CONDITION_NAMES,
          ALERT_CONDITION_NAMES,
        ),
        states: listOf<AlertChange>(input['states'], 'states', ALERT_CHANGES, ['firing']),
      };
    }
    case 'webhook':
      return { kind };
  }
}

/** The wire form of a filter (snake_case), as `parseFilter` reads it. */
export function filterToWire(filter: TriggerFilter): Json {
  switch (filter.kind) {
    case 'registry_event':
      return {
        event_types: filter.eventTypes,
        ...(filter.modelName !== undefined ? { model_name: filter.modelName } : {}),
        ...(Object.keys(filter.modelTags).length > 0 ? { model_tags: filter.modelTags } : {}),
        ...(filter.alias !== undefined ? { alias: filter.alias } : {}),
      };
    case 'monitoring_alert':
      return {
        ...(filter.modelName !== undefined ? { model_name: filter.modelName } : {}),
        ...(filter.monitorName !== undefined ? { monitor_name: filter.monitorName } : {}),
        conditions: filter.conditions,
        states: filter.states,
      };
    case 'webhook':
      return {};
  }
}
