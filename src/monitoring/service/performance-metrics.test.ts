import { describe, expect, it } from 'vitest';
import { classificationMetrics, regressionMetrics } from './performance-metrics.js';

const pairs = (predictions: (number | string)[], labels: (number | string)[]) =>
  predictions.map((prediction, i) => ({ prediction, label: labels[i]! }));

describe('performance metrics', () => {
  it("match scikit-learn's accuracy_score and f1_score(average='macro')", () => {
    // sklearn: accuracy_score([0,1,2,0,1,2],[0,2,1,0,0,1]) = 0.3333333333333333,
    // f1_score(..., average='macro') = 0.26666666666666666
    const m = classificationMetrics(pairs([0, 2, 1, 0, 0, 1], [0, 1, 2, 0, 1, 2]));
    expect(m.accuracy).toBeCloseTo(1 / 3, 15);
    expect(m.f1).toBeCloseTo(0.26666666666666666, 15);
    // A class only predicted, never true, scores 0 (zero_division=0): f1_score(['a','a'], ['a','b'], average='macro') = 1/3
    expect(classificationMetrics(pairs(['a', 'b'], ['a', 'a'])).f1).toBeCloseTo(1 / 3, 15);
  });

  it('compute RMSE and MAE on numeric pairs only', () => {
    const r = regressionMetrics([...pairs([1, 2, 4], [1, 3, 2]), { prediction: 'x', label: 1 }]);
    expect(r).toEqual({ rmse: Math.sqrt(5 / 3), mae: 1, rows: 3 });
    expect(regressionMetrics(pairs(['a'], ['b']))).toBeUndefined();
  });
});
