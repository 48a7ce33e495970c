import { Type, type TSchema } from '@sinclair/typebox';
import { DURATION_PATTERN, DURATION_RULE, NAME_PATTERN, NAME_RULE } from './syntax.js';

/** Building blocks of the pipeline schemas: closed objects, patterned strings, maps keyed by names. */

export const closed = { additionalProperties: false } as const;

export function pattern(regex: string, rule: string, extra: Record<string, unknown> = {}) {
  return Type.String({ pattern: regex, description: rule, ...extra });
}

export const Name = pattern(NAME_PATTERN, NAME_RULE);
export const Duration = pattern(DURATION_PATTERN, DURATION_RULE);
export const Text = (description: string, maxLength = 10_000) => Type.String({ maxLength, description });

/** A map keyed by names (steps, params, inputs, outputs): unknown-shaped keys are refused. */
export function NameMap<T extends TSchema>(
  value: T,
  description: string,
  options: { minProperties?: number } = {},
) {
  return Type.Record(Type.String({ pattern: NAME_PATTERN }), value, { ...closed, description, ...options });
}

/** What this is, for people: an optional description on most parts of the document. */
export const Description = Type.Optional(Text('what this is, for people'));

/**
 * A reference: `params.NAME`, `steps.STEP.outputs.NAME`, `item` or `item.KEY` (inside a fan-out),
 * `pipeline.name`, `pipeline.run_id` or `pipeline.status` (exit handlers only), `trigger.drift_report` (an
 * artifact the alert that started the run attached).
 */
export const ReferenceSchema = Type.String({
  minLength: 1,
  maxLength: 300,
  title: 'Reference',
  description:
    'params.NAME, steps.STEP.outputs.NAME, item, item.KEY, pipeline.name, pipeline.run_id, pipeline.status, trigger.drift_report',
});

// ---- types ------------------------------------------------------------------------------------------------------
