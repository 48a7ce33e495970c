import { InvalidParameterError } from '../../shared/index.js';
import { monitoringLimits, type FeatureValue, type TargetValue } from './monitoring-types.js';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function checkName(name: string, where: string): void {
  if (name.length === 0 || name.length > monitoringLimits.maxColumnName) {
    throw new InvalidParameterError(
      `${where}: column names must have 1 to ${monitoringLimits.maxColumnName} characters`,
    );
  }
}

/** A scalar feature value, or why it is not one. `where` names the row and column (`records[3].features.age`). */
export function parseFeatureValue(value: unknown, where: string): FeatureValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidParameterError(`${where}: numbers must be finite`);
    return value;
  }
  if (typeof value === 'string') {
    if (value.length > monitoringLimits.maxStringValue) {
      throw new InvalidParameterError(
        `${where}: strings may have at most ${monitoringLimits.maxStringValue} characters`,
      );
    }
    return value;
  }
  throw new InvalidParameterError(
    `${where}: expected a number, string, boolean or null, got ${describe(value)}`,
  );
}

/** An object of feature values. Example: `parseFeatures({ age: 3 }, 'records[0].features')`. */
export function parseFeatures(value: unknown, where: string): Record<string, FeatureValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidParameterError(`${where}: expected an object of feature values, got ${describe(value)}`);
  }
  const entries = Object.entries(value);
  if (entries.length > monitoringLimits.maxColumns) {
    throw new InvalidParameterError(`${where}: at most ${monitoringLimits.maxColumns} columns`);
  }
  const out: Record<string, FeatureValue> = {};
  for (const [name, v] of entries) {
    checkName(name, `${where}.${name.slice(0, 40)}`);
    out[name] = parseFeatureValue(v, `${where}.${name}`);
  }
  return out;
}

/** A prediction or label: a non-null scalar. */
export function parseTarget(value: unknown, where: string): TargetValue {
  const parsed = value === undefined ? undefined : parseFeatureValue(value, where);
  if (parsed === null || parsed === undefined) {
    throw new InvalidParameterError(`${where}: required (a number, string or boolean)`);
  }
  return parsed;
}

/** An optional epoch-millisecond timestamp (an integer from 0). */
export function parseTimestamp(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidParameterError(`${where}: expected epoch milliseconds (an integer from 0)`);
  }
  return value;
}

/** An optional request id: a non-empty string of bounded length. */
export function parseRequestId(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > monitoringLimits.maxRequestId) {
    throw new InvalidParameterError(
      `${where}: expected a string of 1 to ${monitoringLimits.maxRequestId} characters`,
    );
  }
  return value;
}

/** A monitor or reference name. */
export function parseName(value: string, what: string): string {
  if (value.trim().length === 0 || value.length > monitoringLimits.maxName) {
    throw new InvalidParameterError(`${what} must have 1 to ${monitoringLimits.maxName} characters`);
  }
  return value;
}

/** A positive integer (a version number, an id) given as text; `what` names it in the error. */
export function parsePositiveId(value: string, what: string): number {
  const n = /^[1-9][0-9]{0,14}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n))
    throw new InvalidParameterError(`${what} must be a positive integer, got '${value}'`);
  return n;
}

/** Batch size check: 1 to `max` records. */
export function checkBatchSize(count: number, max: number, what: string): void {
  if (count === 0) throw new InvalidParameterError(`${what}: at least one record is required`);
  if (count > max)
    throw new InvalidParameterError(`${what}: at most ${max} records per request, got ${count}`);
}
