import { ALERT_CONDITIONS, type AlertCondition } from '../service/monitoring-types.js';

/** One judged window: for each condition it evaluated, whether it was breached. */
export type Breaches = Partial<Readonly<Record<AlertCondition, boolean>>>;

export interface AlertDecisionInput {
  /** The judged windows, newest first; the first is the window just run. Windows with too few rows are left out. */
  readonly history: readonly Breaches[];
  /** Conditions with a firing alert now. */
  readonly firing: ReadonlySet<AlertCondition>;
  readonly fireAfter: number;
  readonly resolveAfter: number;
}

export interface AlertDecision {
  readonly fire: readonly AlertCondition[];
  readonly resolve: readonly AlertCondition[];
}

/**
 * Hysteresis and deduplication: a condition fires once it was breached in the last `fireAfter` windows that
 * evaluated it (and has no firing alert: one alert per condition, however many windows breach); a firing alert
 * resolves once the last `resolveAfter` windows evaluating it were clean. Only a window that evaluated the
 * condition can change its alert.
 * Example: `decideAlerts({ history: [{ data_drift: true }], firing: new Set(), fireAfter: 1, resolveAfter: 1 })`
 * → `{ fire: ['data_drift'], resolve: [] }`.
 */
export function decideAlerts(input: AlertDecisionInput): AlertDecision {
  const fire: AlertCondition[] = [];
  const resolve: AlertCondition[] = [];
  const current = input.history[0];
  if (current === undefined) return { fire, resolve };
  for (const condition of ALERT_CONDITIONS) {
    if (current[condition] === undefined) continue;
    const seen = input.history.map((h) => h[condition]).filter((b): b is boolean => b !== undefined);
    if (input.firing.has(condition)) {
      const recent = seen.slice(0, input.resolveAfter);
      if (recent.length === input.resolveAfter && recent.every((b) => !b)) resolve.push(condition);
    } else {
      const recent = seen.slice(0, input.fireAfter);
      if (recent.length === input.fireAfter && recent.every((b) => b)) fire.push(condition);
    }
  }
  return { fire, resolve };
}
