import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { OutboxEvent } from '../../events/index.js';
import { alertEventStates, type FieldValue } from './event-fields.js';
import type { AlertConditionName, TriggerFilter } from './trigger-types.js';

/** Whether the registered model `name` carries every tag of `tags` (read in the consumer's transaction). */
async function modelHasTags(
  trx: Kysely<Database>,
  name: string,
  tags: Readonly<Record<string, string>>,
): Promise<boolean> {
  const wanted = Object.entries(tags);
  if (wanted.length === 0) return true;
  const rows = await trx
    .selectFrom('registered_models as m')
    .innerJoin('registered_model_tags as t', 't.registered_model_id', 'm.registered_model_id')
    .select(['t.key', 't.value'])
    .where('m.name', '=', name)
    .where(
      't.key',
      'in',
      wanted.map(([k]) => k),
    )
    .execute();
  const have = new Map(rows.map((r) => [r.key, r.value] as const));
  return wanted.every(([k, v]) => have.get(k) === v);
}

/**
 * Whether an outbox event fires a trigger with this filter: its type and fields match, and for `model_tags` the
 * registered model carries the tags when the event is handled.
 * Example: `await matchesEvent(trx, trigger.filter, event, eventFields(event))`.
 */
export async function matchesEvent(
  trx: Kysely<Database>,
  filter: TriggerFilter,
  event: OutboxEvent,
  fields: Readonly<Record<string, FieldValue>>,
): Promise<boolean> {
  switch (filter.kind) {
    case 'registry_event':
      if (!filter.eventTypes.includes(event.type)) return false;
      if (filter.modelName !== undefined && fields['model_name'] !== filter.modelName) return false;
      if (filter.alias !== undefined && fields['alias'] !== filter.alias) return false;
      return modelHasTags(trx, event.subject, filter.modelTags);
    case 'monitoring_alert': {
      const state = alertEventStates[event.type];
      if (state === undefined || !filter.states.includes(state)) return false;
      if (filter.modelName !== undefined && fields['model_name'] !== filter.modelName) return false;
      if (filter.monitorName !== undefined && fields['monitor_name'] !== filter.monitorName) return false;
      return filter.conditions.includes(fields['condition'] as AlertConditionName);
    }
    case 'webhook':
      return false;
  }
}
