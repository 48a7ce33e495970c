import { describe, expect, it } from 'vitest';
import { segmentKey, sliceSegments } from './segments.js';
import type { WindowRow } from './window-evaluation.js';

const row = (city: string | null, x: number): WindowRow => ({
  features: { city, x },
  prediction: 0,
  label: null,
});

describe('sliceSegments', () => {
  const referenceData = {
    city: ['a', 'b', 'c', 'd', null, 'a'],
    x: [1, 2, 3, 4, 5, 6],
  };

  it('keeps the most frequent values as segments, the rest as __other__, each beside its own reference rows', () => {
    const rows = [row('a', 10), row('b', 20), row('a', 11), row('c', 30), row('d', 40), row(null, 50)];
    const slices = sliceSegments({ segmentBy: 'city', maxSegments: 2, rows, referenceData });
    expect(slices.map((s) => [s.segment, s.rows.map((r) => r.features.x)])).toEqual([
      ['a', [10, 11]],
      ['__missing__', [50]],
      ['__other__', [20, 30, 40]],
    ]);
    expect(slices[0]!.referenceData).toEqual({ city: ['a', 'a'], x: [1, 6] });
    expect(slices[1]!.referenceData).toEqual({ city: [null], x: [5] });
    expect(slices[2]!.referenceData).toEqual({ city: ['b', 'c', 'd'], x: [2, 3, 4] });
  });

  it('has no __other__ when every value fits under the cap, and a segment new to the reference has no reference rows', () => {
    const slices = sliceSegments({
      segmentBy: 'city',
      maxSegments: 5,
      rows: [row('z', 1), row('a', 2), row('z', 3)],
      referenceData,
    });
    expect(slices.map((s) => s.segment)).toEqual(['z', 'a']);
    expect(slices[0]!.referenceData.x).toEqual([]);
  });

  it('puts null, NaN and empty text in __missing__, and other values by their text', () => {
    expect([null, Number.NaN, '', 'a', 3, true].map((v) => segmentKey(v))).toEqual([
      '__missing__',
      '__missing__',
      '__missing__',
      'a',
      '3',
      'true',
    ]);
  });
});
