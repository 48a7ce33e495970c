/**
 * The set-up the tracking-service tests share: a fresh test database on one engine, a tracking service over it
 * (default artifact root `mlflow-artifacts:/`) and one experiment, made before the calling describe block's tests
 * and thrown away after them.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Engine } from '../../db/index.js';
import { openTestDatabase, type TestDatabase } from '../../db/test-support/test-databases.js';
import { createTrackingService } from '../tracking-service.js';
import type { TrackingService } from '../tracking-service-contract.js';

/** What `trackingExperiment` makes; its fields are set once the describe block's `beforeAll` has run. */
export interface TrackingExperiment {
  tracking: TrackingService;
  experimentId: string;
}

/**
 * Registers the `beforeAll`/`afterAll` pair in the calling describe block and returns the object they fill.
 * Example: `const fixture = trackingExperiment(engine, 'logged-models');` then, in a test,
 * `const { tracking, experimentId } = fixture;`.
 */
export function trackingExperiment(engine: Engine, experimentName: string): TrackingExperiment {
  let database: TestDatabase | undefined;
  const made = {} as TrackingExperiment;
  beforeAll(async () => {
    database = await openTestDatabase(engine);
    made.tracking = createTrackingService({
      handle: database.handle,
      defaultArtifactRoot: 'mlflow-artifacts:/',
    });
    made.experimentId = await made.tracking.createExperiment({ name: experimentName });
  });
  afterAll(async () => database?.dispose());
  return made;
}
