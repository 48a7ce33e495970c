/**
 * The life of one step run (a step, or one fan-out item of it):
 *
 *     pending ──claim──▶ running ──▶ succeeded | failed | cancelled
 *        │                  │ (retry after a failure or a preemption, within its budget)
 *        │                  └──────▶ pending
 *        ├──▶ waiting ──▶ succeeded | failed | cancelled (an approval step: no process, a person decides or
 *        │                its timeout passes; the wait is a row of pipeline_approvals)
 *        ├──▶ skipped (its condition is false, or a step it reads was skipped or failed)
 *        ├──▶ cached (a result with the same cache key exists)
 *        ├──▶ failed (it could not start: a missing output, a bad value)
 *        └──▶ cancelled
 *
 * `resume` takes failed, cancelled and upstream-skipped step runs back to pending. Every change goes through
 * `canTransition`, and the store writes it with a conditional update on the state it expects, so two processes
 * can never both move the same step run out of the same state.
 */
export type StepState =
  'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cached' | 'cancelled';

export const STEP_STATES: readonly StepState[] = [
  'pending',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'skipped',
  'cached',
  'cancelled',
];

/** The states a step run never leaves on its own (only `resume` reopens failed, cancelled and skipped ones). */
export function isTerminal(state: StepState): boolean {
  switch (state) {
    case 'pending':
    case 'running':
    case 'waiting':
      return false;
    case 'succeeded':
    case 'failed':
    case 'skipped':
    case 'cached':
    case 'cancelled':
      return true;
  }
}

/** Whether a step run in `state` produced its outputs (ran to success, or reused a cached result). */
export function hasOutputs(state: StepState): boolean {
  return state === 'succeeded' || state === 'cached';
}

const transitions: Readonly<Record<StepState, readonly StepState[]>> = {
  pending: ['running', 'waiting', 'skipped', 'cached', 'failed', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled', 'pending'],
  waiting: ['succeeded', 'failed', 'cancelled'],
  succeeded: [],
  cached: [],
  failed: ['pending'],
  cancelled: ['pending'],
  skipped: ['pending'],
};

/** Whether the state machine allows `from` → `to`. */
export function canTransition(from: StepState, to: StepState): boolean {
  return transitions[from].includes(to);
}

export function parseStepState(text: string): StepState {
  const state = STEP_STATES.find((s) => s === text);
  if (state === undefined) throw new Error(`unknown step state '${text}'`);
  return state;
}

/** A pipeline run's status. `running` while a process drives it; the others are final until a resume. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export const RUN_STATUSES: readonly RunStatus[] = ['running', 'succeeded', 'failed', 'cancelled'];

export function parseRunStatus(text: string): RunStatus {
  const status = RUN_STATUSES.find((s) => s === text);
  if (status === undefined) throw new Error(`unknown pipeline run status '${text}'`);
  return status;
}
