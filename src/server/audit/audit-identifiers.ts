import { clipText } from '../../shared/index.js';
import type { AuditedInput } from '../authz/policy-types.js';

/** An identifier field of a request part, clipped to 256 characters, for an audit record; undefined when absent. */
export function auditField(source: unknown, name: string): string | undefined {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return undefined;
  const value: unknown = (source as Record<string, unknown>)[name];
  if (typeof value === 'string' && value !== '') return clipText(value, 256);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** An identifier from the route params, else the body, else the query string (see `auditField`). */
export function auditIdentifier(input: AuditedInput, name: string): string | undefined {
  return auditField(input.params, name) ?? auditField(input.body, name) ?? auditField(input.query, name);
}
