import type { RunStatus, StepRun, StepState } from './pipelines-api';

/*
 * How a state reads: an icon and a word beside the colour, so the state never rests on colour alone.
 */

/** The icon of a step state or run status (shown next to its name). */
export function stateIcon(state: StepState | RunStatus): string {
  switch (state) {
    case 'pending':
      return '○';
    case 'running':
      return '▶';
    case 'waiting':
      return '⏸';
    case 'succeeded':
      return '✓';
    case 'cached':
      return '⚡';
    case 'failed':
      return '✗';
    case 'skipped':
      return '⤼';
    case 'cancelled':
      return '■';
  }
}

/** "✓ succeeded", "⚡ cached": the icon and the word. */
export const stateLabel = (state: StepState | RunStatus): string => `${stateIcon(state)} ${state}`;

/** A step of a run as the DAG shows it: all its fan-out items together. */
export interface StepSummary {
  name: string;
  /** The state the box takes: running before failed before pending before the rest. */
  state: StepState;
  /** Fan-out items (0 for a step that does not fan out). */
  items: number;
  /** How many items (or the step itself) are in each state. */
  counts: Partial<Record<StepState, number>>;
  /** Retries taken: attempts beyond the first, over every item. */
  retries: number;
  /** From the first start to the last end (or now, while running); undefined before it starts. */
  durationMs: number | undefined;
  cacheHits: number;
}

const precedence: StepState[] = [
  'running',
  'waiting',
  'failed',
  'pending',
  'cancelled',
  'succeeded',
  'cached',
  'skipped',
];

/** Gathers a run's step runs by step name. */
export function summarizeSteps(steps: readonly StepRun[], now: number): Map<string, StepSummary> {
  const groups = new Map<string, StepRun[]>();
  for (const s of steps) groups.set(s.step, [...(groups.get(s.step) ?? []), s]);
  const out = new Map<string, StepSummary>();
  for (const [name, runs] of groups) {
    const counts: Partial<Record<StepState, number>> = {};
    for (const r of runs) counts[r.state] = (counts[r.state] ?? 0) + 1;
    const present = (s: StepState): boolean => (counts[s] ?? 0) > 0;
    // Only some items cached and the rest run: the step as a whole succeeded.
    const state =
      present('cached') && present('succeeded') && !precedence.slice(0, 5).some(present)
        ? 'succeeded'
        : (precedence.find(present) ?? 'pending');
    const starts = runs.flatMap((r) => (r.startedAt === null ? [] : [r.startedAt]));
    const ends = runs.map((r) => r.endedAt ?? (r.state === 'running' ? now : null));
    const lastEnd = ends.every((e) => e !== null) ? Math.max(...(ends as number[])) : now;
    out.set(name, {
      name,
      state,
      items: runs.some((r) => r.itemIndex !== null) ? runs.length : 0,
      counts,
      retries: runs.reduce((n, r) => n + Math.max(0, r.attempt - 1), 0),
      durationMs: starts.length === 0 ? undefined : Math.max(0, lastEnd - Math.min(...starts)),
      cacheHits: counts.cached ?? 0,
    });
  }
  return out;
}

/** A step run's own duration: start to end, or to now while it runs. */
export function stepDuration(step: StepRun, now: number): number | undefined {
  if (step.startedAt === null) return undefined;
  return Math.max(0, (step.endedAt ?? now) - step.startedAt);
}
