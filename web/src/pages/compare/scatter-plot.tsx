import type { ReactNode } from 'react';
import type { Run } from '../../api/tracking';
import { colourOf } from '../../components/charts/palette';
import { formatNumber } from '../../components/format';
import { extent, niceTicks, type CompareColumn } from './compare-columns';

const size = { width: 560, height: 360, left: 64, right: 16, top: 16, bottom: 44 };

/** One point per run with both values, `x` against `y`, drawn in SVG; hovering a point names the run. */
export function ScatterPlot({ runs, x, y }: { runs: Run[]; x: CompareColumn; y: CompareColumn }): ReactNode {
  const [x0, x1] = extent(x.numbers);
  const [y0, y1] = extent(y.numbers);
  const w = size.width - size.left - size.right;
  const h = size.height - size.top - size.bottom;
  const px = (v: number): number => size.left + ((v - x0) / (x1 - x0)) * w;
  const py = (v: number): number => size.top + h - ((v - y0) / (y1 - y0)) * h;
  const points = runs.flatMap((r, i) => {
    const vx = x.numbers[i];
    const vy = y.numbers[i];
    if (vx === undefined || vy === undefined) return [];
    return [{ run: r, i, vx, vy }];
  });
  return (
    <svg
      className="compare-svg scatter"
      viewBox={`0 0 ${size.width} ${size.height}`}
      role="img"
      aria-label={`Scatter of ${y.id} against ${x.id}: ${points.length} runs`}
    >
      <line className="axis" x1={size.left} y1={size.top + h} x2={size.left + w} y2={size.top + h} />
      <line className="axis" x1={size.left} y1={size.top} x2={size.left} y2={size.top + h} />
      {niceTicks(x0, x1).map((t) => (
        <g key={`x${t}`}>
          <line className="grid" x1={px(t)} y1={size.top} x2={px(t)} y2={size.top + h} />
          <text className="tick" x={px(t)} y={size.top + h + 16} textAnchor="middle">
            {formatNumber(t)}
          </text>
        </g>
      ))}
      {niceTicks(y0, y1).map((t) => (
        <g key={`y${t}`}>
          <line className="grid" x1={size.left} y1={py(t)} x2={size.left + w} y2={py(t)} />
          <text className="tick" x={size.left - 6} y={py(t) + 4} textAnchor="end">
            {formatNumber(t)}
          </text>
        </g>
      ))}
      <text className="axis-label" x={size.left + w / 2} y={size.height - 6} textAnchor="middle">
        {x.id}
      </text>
      <text
        className="axis-label"
        x={12}
        y={size.top + h / 2}
        textAnchor="middle"
        transform={`rotate(-90 12 ${size.top + h / 2})`}
      >
        {y.id}
      </text>
      {points.map((p) => (
        <circle
          key={p.run.info.runId}
          className="point"
          cx={px(p.vx)}
          cy={py(p.vy)}
          r={5}
          fill={colourOf(p.i)}
        >
          <title>{`${p.run.info.runName || p.run.info.runId}: ${x.id} = ${formatNumber(p.vx)}, ${y.id} = ${formatNumber(p.vy)}`}</title>
        </circle>
      ))}
    </svg>
  );
}
