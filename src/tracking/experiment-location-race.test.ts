import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { BosunError } from '../shared/errors.js';
import { createTrackingService } from './tracking-service.js';
import type { TrackingService } from './tracking-service-contract.js';

/** How many creations race in each round: below the pool's 10 connections, so all run at once on PostgreSQL. */
const racers = 8;

describe.each(testEngines)(
  'experiments created at the same moment with overlapping locations, on %s',
  (engine) => {
    let database: TestDatabase;
    let tracking: TrackingService;

    beforeAll(async () => {
      database = await openTestDatabase(engine);
      tracking = createTrackingService({
        handle: database.handle,
        defaultArtifactRoot: 'mlflow-artifacts:/',
      });
    });
    afterAll(async () => database.dispose());

    it.each([
      ['the same folder', (round: number, i: number) => `mlflow-artifacts:/same-${round}/${i % 1}`],
      [
        'nested folders',
        (round: number, i: number) =>
          `mlflow-artifacts:/nested-${round}/${Array.from({ length: i + 1 }, (_, d) => `d${d}`).join('/')}`,
      ],
    ])(
      '%s: exactly one creation succeeds, the others get INVALID_PARAMETER_VALUE',
      async (label, locationOf) => {
        for (let round = 0; round < 5; round++) {
          const results = await Promise.allSettled(
            Array.from({ length: racers }, (_, i) =>
              tracking.createExperiment({
                name: `race-${label}-${round}-${i}`,
                artifactLocation: locationOf(round, i),
              }),
            ),
          );
          const created = results.filter((r) => r.status === 'fulfilled');
          const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
          expect(created, `round ${round}`).toHaveLength(1);
          for (const r of refused) {
            expect(r.reason).toBeInstanceOf(BosunError);
            expect((r.reason as BosunError).code).toBe('INVALID_PARAMETER_VALUE');
            expect((r.reason as BosunError).message).toMatch(/overlaps the artifact location of experiment/);
          }
        }
      },
    );

    it('does not hold up creations whose locations do not overlap', async () => {
      const ids = await Promise.all(
        Array.from({ length: racers }, (_, i) =>
          tracking.createExperiment({ name: `apart-${i}`, artifactLocation: `mlflow-artifacts:/apart/${i}` }),
        ),
      );
      expect(new Set(ids).size).toBe(racers);
    });
  },
);
