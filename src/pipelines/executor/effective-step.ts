import type { PipelineSpec, StepSpec } from '../spec/index.js';

/** A step with the pipeline's `defaults` filled in where it sets nothing of its own (a field replaces the default's whole). */
export function effectiveStep(pipeline: PipelineSpec, name: string): StepSpec {
  const spec = pipeline.steps[name] ?? pipeline.on_exit?.[name];
  if (spec === undefined) throw new Error(`unknown step ${name}`);
  const d = pipeline.defaults;
  return {
    ...spec,
    ...(spec.retry === undefined && d?.retry !== undefined ? { retry: d.retry } : {}),
    ...(spec.timeout === undefined && d?.timeout !== undefined ? { timeout: d.timeout } : {}),
    ...(spec.cache === undefined && d?.cache !== undefined ? { cache: d.cache } : {}),
    ...(spec.resources === undefined && d?.resources !== undefined ? { resources: d.resources } : {}),
    ...(spec.requirements === undefined && d?.requirements !== undefined
      ? { requirements: d.requirements }
      : {}),
    ...(spec.env === undefined && d?.env !== undefined ? { env: d.env } : {}),
  };
}
