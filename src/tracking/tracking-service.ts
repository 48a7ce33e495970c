import type { ArtifactLocationPolicy } from '../artifacts/index.js';
import type { DatabaseHandle } from '../db/index.js';
import { bindMethods, type Clock, systemClock } from '../shared/index.js';
import { ExperimentService } from './experiment-service.js';
import { LoggedModelService } from './logged-model-service.js';
import { MetricHistoryService } from './metric-history-service.js';
import { RunService } from './run-service.js';
import { TrackingContext } from './tracking-context.js';
import type { TrackingService } from './tracking-service-contract.js';

export interface TrackingServiceOptions {
  handle: DatabaseHandle;
  /** Where new experiments put their artifacts, e.g. `mlflow-artifacts:/`; the experiment id is appended. */
  defaultArtifactRoot: string;
  /**
   * Which artifact locations experiments may be created with (the server passes its settings). Without it the
   * policy is inferred from `defaultArtifactRoot`: a proxied root allows `mlflow-artifacts:/...` locations only.
   */
  artifactLocations?: ArtifactLocationPolicy;
  clock?: Clock;
}

/**
 * Builds the tracking service over an open, migrated database.
 * Example: `const tracking = createTrackingService({ handle, defaultArtifactRoot: 'mlflow-artifacts:/' });`
 */
export function createTrackingService(options: TrackingServiceOptions): TrackingService {
  const ctx = new TrackingContext(options.handle, options.clock ?? systemClock, options.defaultArtifactRoot);
  return {
    ...bindMethods(new ExperimentService(ctx, options.artifactLocations)),
    ...bindMethods(new RunService(ctx)),
    ...bindMethods(new MetricHistoryService(ctx)),
    ...bindMethods(new LoggedModelService(ctx)),
  };
}
