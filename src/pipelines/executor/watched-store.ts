import type { StepRun } from '../store/pipeline-store-types.js';

/**
 * What a write through a watched store may have changed: one step run, as the write returned it (no re-read
 * needed); one step run to re-read (its id is the write's first argument: the write failed or changed nothing); or
 * any step run of the run (a write that adds rows, or one whose rows are not named).
 */
export type StepRowChange = { row: StepRun } | { stepRunId: string } | { all: true };

/**
 * Writes of the pipeline store that change exactly the step run named by their first argument, and resolve to that
 * row as changed (undefined when they changed nothing).
 */
const ONE_STEP_WRITES: ReadonlySet<string> = new Set(['transition', 'claimStep', 'updateRunning']);

/**
 * Wraps a store so that every write it makes through the wrapper is reported once it has settled (committed or
 * failed): `reads` are passed through untouched, the methods in `ONE_STEP_WRITES` report their step run, and any
 * other method reports `{all: true}`. The run driver re-reads only what its own writes changed instead of every
 * step run of the run on every pass (a pass over a run of 1,000 steps read 1,000 rows; with several passes per
 * step a long run was quadratic), and not even those when the write returned the changed row; anything it does
 * not know about (a method not listed as a read) makes it re-read everything, so a new write method is safe by
 * default.
 *
 * Reported after the write: a re-read that starts after the report sees the write.
 */
export function watchWrites<T extends object>(
  target: T,
  reads: ReadonlySet<string>,
  changed: (change: StepRowChange) => void,
): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      const name = typeof property === 'string' ? property : '';
      if (reads.has(name)) return (...args: unknown[]): unknown => Reflect.apply(value, object, args);
      return (...args: unknown[]): unknown => {
        const change: StepRowChange =
          ONE_STEP_WRITES.has(name) && typeof args[0] === 'string' ? { stepRunId: args[0] } : { all: true };
        let result: unknown;
        try {
          result = Reflect.apply(value, object, args);
        } catch (err) {
          changed(change);
          throw err;
        }
        if (result instanceof Promise) {
          return result.then(
            (settled: unknown) => {
              changed(isRowOf(settled, change) ? { row: settled } : change);
              return settled;
            },
            (err: unknown) => {
              changed(change);
              throw err;
            },
          );
        }
        changed(change);
        return result;
      };
    },
  });
}

/** Whether a write's result is the row of the one step run it changed. */
function isRowOf(value: unknown, change: StepRowChange): value is StepRun {
  return (
    'stepRunId' in change &&
    typeof value === 'object' &&
    value !== null &&
    (value as { stepRunId?: unknown }).stepRunId === change.stepRunId
  );
}

/** The pipeline store's methods that only read. */
export const PIPELINE_STORE_READS: ReadonlySet<string> = new Set([
  'latestDefinition',
  'getDefinition',
  'getDefinitionById',
  'listDefinitions',
  'getRun',
  'listRuns',
  'orphanedRuns',
  'listSteps',
  'getStep',
  'expiredSteps',
  'findCached',
  'latestKeyed',
]);

/** The approval store's methods that only read (`open` moves the step run to waiting). */
export const APPROVAL_STORE_READS: ReadonlySet<string> = new Set(['get', 'forRun', 'waiting']);
