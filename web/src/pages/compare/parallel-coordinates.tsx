import type { ReactNode } from 'react';
import type { Run } from '../../api/tracking';
import { colourOf } from '../../components/charts/palette';
import { formatNumber } from '../../components/format';
import { extent, type CompareColumn } from './compare-columns';

/** Axes drawn at most (the numeric columns the runs differ on come first). */
export const maxAxes = 10;

/**
 * Parallel coordinates in SVG: one vertical axis per numeric column (each scaled to its own min–max, printed at
 * its ends), one line per run through its values; a run without a value on an axis breaks its line there.
 */
export function ParallelCoordinates({ runs, columns }: { runs: Run[]; columns: CompareColumn[] }): ReactNode {
  const axes = columns.slice(0, maxAxes);
  const width = Math.max(480, axes.length * 130);
  const height = 340;
  const top = 40;
  const bottom = 300;
  const step = axes.length > 1 ? (width - 120) / (axes.length - 1) : 0;
  const ax = (i: number): number => 60 + i * step;
  const scales = axes.map((c) => extent(c.numbers));
  const ay = (i: number, v: number): number => {
    const [lo, hi] = scales[i] ?? [0, 1];
    return bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  };
  return (
    <svg
      className="compare-svg parallel"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Parallel coordinates of ${runs.length} runs over ${axes.length} axes: ${axes.map((a) => a.id).join(', ')}`}
    >
      {runs.map((r, ri) => {
        const segments: string[] = [];
        let current: string[] = [];
        axes.forEach((c, i) => {
          const v = c.numbers[ri];
          if (v === undefined) {
            if (current.length > 0) segments.push(current.join(' '));
            current = [];
          } else current.push(`${ax(i)},${ay(i, v)}`);
        });
        if (current.length > 0) segments.push(current.join(' '));
        return (
          <g key={r.info.runId} className="run-line">
            <title>{r.info.runName || r.info.runId}</title>
            {segments.map((points, si) => (
              <polyline key={si} points={points} fill="none" stroke={colourOf(ri)} strokeWidth={2} />
            ))}
          </g>
        );
      })}
      {axes.map((c, i) => {
        const [lo, hi] = scales[i] ?? [0, 1];
        return (
          <g key={c.id} className="pc-axis">
            <line className="axis" x1={ax(i)} y1={top} x2={ax(i)} y2={bottom} />
            <text className="axis-label" x={ax(i)} y={top - 22} textAnchor="middle">
              {c.id}
            </text>
            <text className="tick" x={ax(i)} y={top - 6} textAnchor="middle">
              {formatNumber(hi)}
            </text>
            <text className="tick" x={ax(i)} y={bottom + 16} textAnchor="middle">
              {formatNumber(lo)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
