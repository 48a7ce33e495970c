import { describe, expect, it } from 'vitest';
import { formatDuration, formatMetricValue, formatTimestamp, toJson } from './format.js';

describe('format', () => {
  it('prints metric values with 6 significant digits and non-finite values by name', () => {
    expect(formatMetricValue(0.123456789)).toBe('0.123457');
    expect(formatMetricValue(42)).toBe('42');
    expect(formatMetricValue(NaN)).toBe('NaN');
    expect(formatMetricValue(-Infinity)).toBe('-Infinity');
  });

  it('prints durations at a readable scale', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_340)).toBe('12.3s');
    expect(formatDuration(245_000)).toBe('4m 05s');
    expect(formatDuration(7_380_000)).toBe('2h 03m');
  });

  it('prints timestamps as local date and time, absent ones as empty', () => {
    const ms = new Date(2025, 0, 2, 3, 4, 5).getTime();
    expect(formatTimestamp(ms)).toBe('2025-01-02 03:04:05');
    expect(formatTimestamp(null)).toBe('');
    expect(formatTimestamp(0)).toBe('');
  });

  it('keeps NaN and infinities in JSON output as strings', () => {
    expect(JSON.parse(toJson({ a: NaN, b: [Infinity, -Infinity, 1] }))).toEqual({
      a: 'NaN',
      b: ['Infinity', '-Infinity', 1],
    });
  });
});
