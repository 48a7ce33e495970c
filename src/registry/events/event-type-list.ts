import type { RegistryEventType } from './event-types.js';
import { registryEventSubjects } from './registry-event-catalogue.js';

/**
 * Every registry event type, at run time (for validating subscriptions and query filters). The keys of the
 * catalogue's subject-kind object, which the compiler checks complete against `RegistryEvents`.
 */
export const registryEventTypes = Object.keys(registryEventSubjects) as readonly RegistryEventType[];

const known: ReadonlySet<string> = new Set(registryEventTypes);

export function isRegistryEventType(value: string): value is RegistryEventType {
  return known.has(value);
}
