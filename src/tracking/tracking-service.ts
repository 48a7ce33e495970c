import type { DatabaseHandle } from '../db/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { ExperimentService } from './experiment-service.js';
import { LoggedModelService } from './logged-model-service.js';
import { RunService } from './run-service.js';
import { TrackingContext } from './tracking-context.js';
import type { TrackingService } from './tracking-service-contract.js';

export interface TrackingServiceOptions {
  handle: DatabaseHandle;
  /** Where new experiments put their artifacts, e.g. `mlflow-artifacts:/`; the experiment id is appended. */
  defaultArtifactRoot: string;
  clock?: Clock;
}

type Methods<T> = { [K in keyof T]: T[K] };

/** Binds every method of a service object so that it can be spread into the facade. */
function methodsOf<T extends object>(service: T): Methods<T> {
  const bound: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(service))) {
    const member = (service as Record<string, unknown>)[name];
    if (name !== 'constructor' && typeof member === 'function') bound[name] = member.bind(service);
  }
  return bound as Methods<T>;
}

/**
 * Builds the tracking service over an open, migrated database.
 * Example: `const tracking = createTrackingService({ handle, defaultArtifactRoot: 'mlflow-artifacts:/' });`
 */
export function createTrackingService(options: TrackingServiceOptions): TrackingService {
  const ctx = new TrackingContext(options.handle, options.clock ?? systemClock, options.defaultArtifactRoot);
  return {
    ...methodsOf(new ExperimentService(ctx)),
    ...methodsOf(new RunService(ctx)),
    ...methodsOf(new LoggedModelService(ctx)),
  };
}
