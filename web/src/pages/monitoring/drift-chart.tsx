import type { ReactNode } from 'react';
import { formatDateTime, formatNumber } from '../../components/format';
import type { MonitorResult } from './monitoring-api';

const width = 640;
const height = 160;
const pad = { left: 40, right: 12, top: 10, bottom: 24 };

/**
 * The drift share of each window over time as a small SVG line chart (oldest on the left), with the dataset
 * drift threshold as a dashed line and drifted windows marked. Windows without a drift verdict (too few rows)
 * are left out. Readable in both themes: it draws with the theme's colours (currentColor and CSS variables).
 */
export function DriftChart({ results }: { results: MonitorResult[] }): ReactNode {
  const points = results
    .filter((r) => r.drift !== null)
    .map((r) => ({
      t: r.windowEnd,
      share: r.drift?.driftShare ?? 0,
      drifted: r.drift?.datasetDrift === true,
    }))
    .sort((a, b) => a.t - b.t);
  const threshold = results.find((r) => r.drift !== null)?.drift?.driftShareThreshold;
  if (points.length === 0) return <p className="empty">No window had enough rows to judge drift yet.</p>;
  const t0 = points[0]?.t ?? 0;
  const t1 = points[points.length - 1]?.t ?? t0;
  const x = (t: number): number =>
    t1 === t0
      ? (pad.left + width - pad.right) / 2
      : pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = (share: number): number => pad.top + (1 - share) * (height - pad.top - pad.bottom);
  const line = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.share).toFixed(1)}`)
    .join(' ');
  const label = `Drift share of ${points.length} window${points.length === 1 ? '' : 's'}, from ${formatDateTime(t0)} to ${formatDateTime(t1)}`;
  return (
    <figure className="drift-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-points={points.length}>
        {[0, 0.5, 1].map((v) => (
          <g key={v}>
            <line className="grid" x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} />
            <text x={pad.left - 6} y={y(v) + 4} textAnchor="end">
              {formatNumber(v)}
            </text>
          </g>
        ))}
        {threshold !== undefined && (
          <line
            className="threshold"
            x1={pad.left}
            x2={width - pad.right}
            y1={y(threshold)}
            y2={y(threshold)}
          />
        )}
        <path className="series" d={line} />
        {points.map((p) => (
          <circle key={p.t} className={p.drifted ? 'drifted' : 'clean'} cx={x(p.t)} cy={y(p.share)} r={4}>
            <title>
              {formatDateTime(p.t)}: drift share {formatNumber(p.share)}
              {p.drifted ? ' (dataset drift)' : ''}
            </title>
          </circle>
        ))}
      </svg>
      <figcaption className="muted">
        Drift share per window (share of tested columns that drifted)
        {threshold !== undefined && `; dashed line: dataset drift threshold ${formatNumber(threshold)}`}.
      </figcaption>
    </figure>
  );
}
