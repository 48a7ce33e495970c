import { describe, expect, it } from 'vitest';
import { decideAlerts, type Breaches } from './alert-decision.js';
import type { AlertCondition } from '../service/monitoring-types.js';

/** Feeds windows oldest first and keeps the firing set as the runner does; returns each window's decision. */
function replay(windows: Breaches[], fireAfter: number, resolveAfter: number) {
  const firing = new Set<AlertCondition>();
  const history: Breaches[] = [];
  return windows.map((w) => {
    history.unshift(w);
    const d = decideAlerts({ history, firing, fireAfter, resolveAfter });
    for (const c of d.fire) firing.add(c);
    for (const c of d.resolve) firing.delete(c);
    return d;
  });
}

describe('decideAlerts', () => {
  it('fires once per condition while breaches continue, and resolves on a clean window', () => {
    const d = replay([{ data_drift: true }, { data_drift: true }, { data_drift: false }], 1, 1);
    expect(d).toEqual([
      { fire: ['data_drift'], resolve: [] },
      { fire: [], resolve: [] },
      { fire: [], resolve: ['data_drift'] },
    ]);
  });

  it('waits for fireAfter consecutive breaches and resolveAfter consecutive clean windows', () => {
    const t = { data_drift: true };
    const f = { data_drift: false };
    const d = replay([t, f, t, t, f, t, f, f], 2, 2);
    expect(d.map((x) => x.fire)).toEqual([[], [], [], ['data_drift'], [], [], [], []]);
    expect(d.map((x) => x.resolve)).toEqual([[], [], [], [], [], [], [], ['data_drift']]);
  });

  it('ignores windows that did not evaluate a condition', () => {
    const d = replay(
      [{ performance: true, data_drift: false }, { data_drift: false }, { performance: true }],
      2,
      1,
    );
    expect(d.map((x) => x.fire)).toEqual([[], [], ['performance']]);
  });

  it('keeps conditions apart', () => {
    const d = replay(
      [
        { data_drift: true, performance: false },
        { data_drift: false, performance: true },
      ],
      1,
      1,
    );
    expect(d).toEqual([
      { fire: ['data_drift'], resolve: [] },
      { fire: ['performance'], resolve: ['data_drift'] },
    ]);
  });
});
