import type { PipelineSpec, StepSpec } from '../spec/index.js';
import type { ResourceClass, ResourceClasses } from './resource-classes.js';

/**
 * The resource class a step names: its own `resources.class`, else the pipeline's `defaults.resources.class`
 * when the step sets no `resources` of its own (a step's `resources` replaces the default's whole).
 */
export function stepClassName(pipeline: PipelineSpec, step: string): string | undefined {
  const spec: StepSpec | undefined = pipeline.steps[step] ?? pipeline.on_exit?.[step];
  if (spec?.resources !== undefined) return spec.resources.class;
  return pipeline.defaults?.resources?.class;
}

/**
 * Refuses (InvalidParameterError, 400) a pipeline that names a resource class the server does not define,
 * naming the step and the known classes. Called when a run starts or resumes.
 */
export function checkResourceClasses(pipeline: PipelineSpec, classes: ResourceClasses): void {
  for (const step of [...Object.keys(pipeline.steps), ...Object.keys(pipeline.on_exit ?? {})]) {
    const name = stepClassName(pipeline, step);
    if (name !== undefined) classes.require(name, `Pipeline '${pipeline.name}' step '${step}': `);
  }
}

/**
 * Whether an attempt of a step of this class runs on spot capacity: a spot class always does; an on-demand
 * class does when the step asks for spot (`resources.spot: true`) and the class has a spot price to run at.
 */
export function runsOnSpot(resourceClass: ResourceClass, spot: boolean | undefined): boolean {
  if (resourceClass.capacity === 'spot') return true;
  return spot === true && resourceClass.spotPricePerHour !== undefined;
}

/** USD per hour of the class on the capacity the attempt ran on. */
export function hourlyPrice(resourceClass: ResourceClass, onSpot: boolean): number {
  return onSpot ? (resourceClass.spotPricePerHour ?? resourceClass.pricePerHour) : resourceClass.pricePerHour;
}
