import type { StepPatch, StepRun } from '../store/pipeline-store-types.js';
import type { StepState } from '../store/step-state.js';
import type { ExecutorDeps } from './executor-deps.js';

/** How the driver tells its listeners a step run changed state. */
export type StepEmit = (unit: StepRun, state: string, reason?: string) => void;

/**
 * Ends a step run that has no process: from `from` (pending, or waiting for an approval) to `to`, with the reason and
 * the end time, then tells the listeners. False when another writer moved the step run first (nothing is emitted).
 *
 * @example
 * if (blocked) return endStepRun(deps, emit, unit, 'pending', 'skipped', 'upstream: train failed');
 */
export async function endStepRun(
  deps: Pick<ExecutorDeps, 'store' | 'clock'>,
  emit: StepEmit,
  unit: StepRun,
  from: StepState,
  to: StepState,
  reason: string | undefined,
  extra: Pick<StepPatch, 'outputs'> = {},
): Promise<boolean> {
  const now = deps.clock.now();
  const moved = await deps.store.transition(
    unit.stepRunId,
    from,
    to,
    { reason, endedAt: now, ...extra },
    now,
  );
  if (moved) emit(unit, to, reason);
  return moved !== undefined;
}
