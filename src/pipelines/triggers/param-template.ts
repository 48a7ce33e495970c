import { InvalidParameterError } from '../../shared/index.js';
import { paramFromText } from '../executor/run-values.js';
import { validateValue, type ParamSpec } from '../spec/index.js';
import { templateFields, type FieldValue } from './event-fields.js';
import type { TriggerKind } from './trigger-types.js';

const placeholder = /\{\{\s*([^{}]*?)\s*\}\}/g;
const whole = /^\{\{\s*event\.([a-z_]+)\s*\}\}$/;

/** The event fields a string names (`{{event.version}}` -> `version`); throws on any other placeholder. */
function namedFields(text: string, param: string): string[] {
  return [...text.matchAll(placeholder)].map((m) => {
    const ref = m[1] ?? '';
    const field = /^event\.([a-z_]+)$/.exec(ref)?.[1];
    if (field === undefined) {
      throw new InvalidParameterError(
        `Invalid value for params.${param}: '{{${ref.slice(0, 64)}}}' is not an event field (use {{event.<field>}})`,
      );
    }
    return field;
  });
}

/**
 * Checks a trigger's parameter mapping when it is created: every name is a parameter the pipeline declares,
 * every placeholder names a field events of this kind have (webhook triggers take none: their callers send
 * values), constant values have the declared type, and, for event kinds, every parameter without a default is
 * given (nobody else can give it). Example: `checkParamMapping('registry_event', { version: '{{event.version}}' }, declared)`.
 */
export function checkParamMapping(
  kind: TriggerKind,
  params: Record<string, unknown>,
  declared: Readonly<Record<string, ParamSpec>>,
  pipeline: string,
): void {
  const allowed = templateFields[kind];
  for (const [name, value] of Object.entries(params)) {
    const spec = declared[name];
    if (spec === undefined) {
      const names = Object.keys(declared);
      throw new InvalidParameterError(
        `Invalid value for params: pipeline '${pipeline}' has no parameter '${name.slice(0, 64)}'` +
          (names.length > 0 ? ` (it has: ${names.join(', ')})` : ''),
      );
    }
    const fields = typeof value === 'string' ? namedFields(value, name) : [];
    for (const field of fields) {
      if (!allowed.includes(field)) {
        throw new InvalidParameterError(
          `Invalid value for params.${name}: ${kind} triggers have no event field '${field}'` +
            (allowed.length > 0
              ? ` (they have: ${allowed.join(', ')})`
              : ' (webhook callers send values in the body)'),
        );
      }
    }
    if (fields.length === 0) {
      const problem = validateValue(spec, value);
      if (problem !== undefined)
        throw new InvalidParameterError(`Invalid value for params.${name}: ${problem}`);
    } else if (spec.type !== 'string' && spec.type !== 'enum' && !whole.test(value as string)) {
      throw new InvalidParameterError(
        `Invalid value for params.${name}: a ${spec.type} parameter takes one whole placeholder such as '{{event.version}}'`,
      );
    }
  }
  if (kind === 'webhook') return;
  for (const [name, spec] of Object.entries(declared)) {
    if (!(name in params) && spec.default === undefined) {
      throw new InvalidParameterError(
        `Invalid value for params: pipeline '${pipeline}' needs parameter '${name}' (it has no default); map it from the event, e.g. "{{event.model_name}}"`,
      );
    }
  }
}

/** A value given as text (a placeholder's, or a webhook caller's) read as the declared type. */
export function coerceParam(spec: ParamSpec | undefined, name: string, value: unknown): unknown {
  if (spec === undefined) return value;
  if (typeof value === 'string' && spec.type !== 'string' && spec.type !== 'enum') {
    return paramFromText(spec, name, value);
  }
  if (
    (spec.type === 'string' || spec.type === 'enum') &&
    (typeof value === 'number' || typeof value === 'boolean')
  ) {
    return String(value);
  }
  return value;
}

/**
 * The run's parameters for one event: placeholders replaced by the event's fields (a string that is one whole
 * placeholder takes the field's value, read as the declared type). Throws INVALID_PARAMETER_VALUE when the
 * event lacks a field or a value does not fit (recorded as the firing's error).
 */
export function renderParams(
  params: Record<string, unknown>,
  fields: Readonly<Record<string, FieldValue>>,
  declared: Readonly<Record<string, ParamSpec>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== 'string') {
      out[name] = value;
      continue;
    }
    const fieldOf = (field: string): FieldValue => {
      if (!(field in fields)) {
        throw new InvalidParameterError(
          `Parameter '${name}': the ${String(fields['type'])} event has no field '${field}'`,
        );
      }
      return fields[field] ?? null;
    };
    const one = whole.exec(value);
    const rendered =
      one?.[1] !== undefined
        ? fieldOf(one[1])
        : value.replace(placeholder, (_m, ref: string) => {
            const v = fieldOf(ref.replace(/^event\./, ''));
            return v === null ? '' : String(v);
          });
    out[name] = coerceParam(declared[name], name, rendered);
  }
  return out;
}
