import type { MonitorTask, PerformanceMetric, TargetValue } from './monitoring-types.js';

/** One labelled inference. */
export interface LabelledPair {
  readonly prediction: TargetValue;
  readonly label: TargetValue;
}

/** Classes compare by their JSON spelling: 1 and "1" are different classes, true and 1 too. */
const classKey = (v: TargetValue): string => JSON.stringify(v);

/**
 * Accuracy and macro F1 (scikit-learn's `f1_score(average='macro')` over the classes seen in labels or
 * predictions; a class with no true or predicted member scores 0, sklearn's zero_division default).
 */
export function classificationMetrics(pairs: readonly LabelledPair[]): { accuracy: number; f1: number } {
  let correct = 0;
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const { prediction, label } of pairs) {
    const p = classKey(prediction);
    const t = classKey(label);
    if (p === t) {
      correct++;
      add(tp, p);
    } else {
      add(fp, p);
      add(fn, t);
    }
  }
  const classes = new Set([...tp.keys(), ...fp.keys(), ...fn.keys()]);
  let f1Sum = 0;
  for (const c of classes) {
    const t = tp.get(c) ?? 0;
    const denominator = 2 * t + (fp.get(c) ?? 0) + (fn.get(c) ?? 0);
    f1Sum += denominator === 0 ? 0 : (2 * t) / denominator;
  }
  return { accuracy: correct / pairs.length, f1: classes.size === 0 ? 0 : f1Sum / classes.size };
}

/** Root mean squared error and mean absolute error over pairs whose prediction and label are both numbers. */
export function regressionMetrics(
  pairs: readonly LabelledPair[],
): { rmse: number; mae: number; rows: number } | undefined {
  let squared = 0;
  let absolute = 0;
  let rows = 0;
  for (const { prediction, label } of pairs) {
    if (typeof prediction !== 'number' || typeof label !== 'number') continue;
    const e = prediction - label;
    squared += e * e;
    absolute += Math.abs(e);
    rows++;
  }
  if (rows === 0) return undefined;
  return { rmse: Math.sqrt(squared / rows), mae: absolute / rows, rows };
}

/** The task's metrics over the labelled pairs, or undefined when none can be computed. */
export function performanceMetrics(
  task: MonitorTask,
  pairs: readonly LabelledPair[],
): { rows: number; metrics: Partial<Record<PerformanceMetric, number>> } | undefined {
  switch (task) {
    case 'classification': {
      if (pairs.length === 0) return undefined;
      return { rows: pairs.length, metrics: classificationMetrics(pairs) };
    }
    case 'regression': {
      const r = regressionMetrics(pairs);
      return r && { rows: r.rows, metrics: { rmse: r.rmse, mae: r.mae } };
    }
  }
}
