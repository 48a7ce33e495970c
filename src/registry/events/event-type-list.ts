import type { RegistryEventType } from './event-types.js';

/** Every registry event type, at run time (for validating subscriptions and query filters). */
export const registryEventTypes = [
  'registered_model.created',
  'registered_model.updated',
  'registered_model.renamed',
  'registered_model.deleted',
  'model_version.created',
  'model_version.updated',
  'model_version.deleted',
  'model_version.scanned',
  'model_version.stage_changed',
  'alias.set',
  'alias.removed',
  'tag.set',
  'tag.deleted',
  'policy.set',
  'policy.deleted',
  'promotion.refused',
  'approval.requested',
  'approval.approved',
  'approval.rejected',
] as const satisfies readonly RegistryEventType[];

// Fails compilation when event-types.ts gains a type this list lacks.
type Missing = Exclude<RegistryEventType, (typeof registryEventTypes)[number]>;
const complete: [Missing] extends [never] ? true : Missing = true;
void complete;

const known: ReadonlySet<string> = new Set(registryEventTypes);

export function isRegistryEventType(value: string): value is RegistryEventType {
  return known.has(value);
}
