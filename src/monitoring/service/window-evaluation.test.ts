import { describe, expect, it } from 'vitest';
import { parseMonitorConfig } from './monitor-config.js';
import { evaluateWindow, type WindowRow } from './window-evaluation.js';

const referenceData = { x: Array.from({ length: 100 }, (_, i) => i / 100) };
const referenceColumns = [{ name: 'x', type: 'numerical' as const }];
const config = parseMonitorConfig(
  { task: 'classification', performanceThresholds: { accuracy: 0.9 }, minRows: 5 },
  ['x'],
);
const row = (x: number, label: number | null): WindowRow => ({ features: { x }, prediction: 1, label });

describe('evaluateWindow', () => {
  it('leaves a window with fewer than minRows rows unjudged', () => {
    const e = evaluateWindow({ referenceColumns, referenceData, columns: null, rows: [row(0.5, 1)], config });
    expect(e).toMatchObject({ status: 'insufficient_data', breaches: {}, drift: null });
  });

  it('computes performance on few labels but judges it only on minRows labelled rows', () => {
    const rows = Array.from({ length: 20 }, (_, i) => row(i / 20, i < 2 ? 0 : null));
    const few = evaluateWindow({ referenceColumns, referenceData, columns: null, rows, config });
    expect(few.performance).toMatchObject({ rows: 2, metrics: { accuracy: 0 }, violations: ['accuracy'] });
    expect(few.breaches).toEqual({ data_drift: false });
    const labelled = rows.map((r, i) => (i < 6 ? { ...r, label: 0 } : r));
    const enough = evaluateWindow({ referenceColumns, referenceData, columns: null, rows: labelled, config });
    expect(enough.breaches).toEqual({ data_drift: false, performance: true });
    expect(enough.status).toBe('breach');
  });

  it('skips a column with no values in the window instead of failing', () => {
    const rows = Array.from({ length: 10 }, () => ({ features: {}, prediction: 1, label: null }));
    const e = evaluateWindow({ referenceColumns, referenceData, columns: null, rows, config });
    expect(e.drift).toBeNull();
    expect(e.status).toBe('ok');
  });

  it('counts values of the wrong type per column as data quality instead of failing the window', () => {
    const refData = {
      x: referenceData.x,
      city: Array.from({ length: 100 }, (_, i) => ['a', 'b', 'c'][i % 3]!),
      flag: Array.from({ length: 100 }, (_, i) => i % 2 === 0),
    };
    const columns = [
      { name: 'x', type: 'numerical' as const },
      { name: 'city', type: 'categorical' as const },
      { name: 'flag', type: 'categorical' as const },
    ];
    const rows: WindowRow[] = Array.from({ length: 20 }, (_, i) => ({
      features: {
        x: i === 3 ? 'n/a' : i === 7 ? true : i / 20,
        city: i === 5 ? 42 : ['a', 'b', 'c'][i % 3]!,
        flag: 'yes',
      },
      prediction: 1,
      label: null,
    }));
    const e = evaluateWindow({
      referenceColumns: columns,
      referenceData: refData,
      columns: null,
      rows,
      config,
    });
    const byName = new Map(e.drift?.columns.map((c) => [c.column, c]));
    // The wrong-typed values are left out of the test, as missing values are, and counted.
    expect(byName.get('x')).toMatchObject({ status: 'tested', method: 'ks', typeMismatches: 2 });
    expect(byName.get('city')).toMatchObject({ status: 'tested', typeMismatches: 1 });
    expect(byName.get('flag')).toMatchObject({
      status: 'skipped',
      typeMismatches: 20,
      reason: 'no values of the reference type in the window (20 of another type)',
    });
    expect(e.drift?.testedColumns).toBe(2);
    expect(e.status).toBe('ok');
  });
});
