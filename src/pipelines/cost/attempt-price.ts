import type { StepSpec } from '../spec/index.js';
import { hourlyPrice, runsOnSpot, type ResourceClasses } from '../resources/index.js';
import type { AttemptPrice } from './attempt-cost.js';

/**
 * The price of an attempt of a step (defaults applied): its class's hourly price on the capacity it runs on;
 * undefined when it names no class (or the server defines none of that name: such a run is refused at start).
 */
export function attemptPrice(spec: StepSpec, classes: ResourceClasses | undefined): AttemptPrice | undefined {
  const name = spec.resources?.class;
  if (name === undefined || classes === undefined) return undefined;
  const resourceClass = classes.get(name);
  if (resourceClass === undefined) return undefined;
  const onSpot = runsOnSpot(resourceClass, spec.resources?.spot);
  return { resourceClass: name, usdPerHour: hourlyPrice(resourceClass, onSpot), onSpot };
}
