import type { ReactNode } from 'react';
import { formatDuration } from '../../components/format';
import { stepRows, type DocumentStep } from './pipeline-document';
import { stateLabel, type StepSummary } from './step-status';

const boxWidth = 190;
const boxHeight = 62;
const gapX = 28;
const gapY = 46;
const margin = 12;

/** The second line of a box: the step's state in a run, or how it runs in a definition. */
function stateLine(step: DocumentStep, summary: StepSummary | undefined, live: boolean): string {
  if (!live) return step.kind + (step.fanOut ? ' · fan-out' : '');
  if (summary === undefined) return stateLabel('pending');
  const cache = summary.cacheHits > 0 ? ' · cache hit' : '';
  return `${stateLabel(summary.state)}${cache}`;
}

/** The third line: duration, fan-out counts, retries (a run), or condition and cache (a definition). */
function detailLine(step: DocumentStep, summary: StepSummary | undefined, live: boolean): string {
  const parts: string[] = [];
  if (!live) {
    if (step.when !== null) parts.push('conditional');
    if (step.cacheDisabled) parts.push('no cache');
    if (step.retryLimit !== null && step.retryLimit > 0) parts.push(`retry ≤ ${step.retryLimit}`);
    return parts.join(' · ');
  }
  if (summary === undefined) return '';
  if (summary.durationMs !== undefined) parts.push(formatDuration(summary.durationMs));
  if (summary.items > 0) {
    const done = (summary.counts.succeeded ?? 0) + (summary.counts.cached ?? 0);
    parts.push(`${done}/${summary.items} items`);
  }
  if (summary.retries > 0) parts.push(`${summary.retries} ${summary.retries === 1 ? 'retry' : 'retries'}`);
  return parts.join(' · ');
}

const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/**
 * A pipeline's DAG drawn as SVG, top-down: one box per step (exit handlers below a dashed line), a line per
 * dependency. With `summaries` (a run) each box shows its state by colour, icon and word, its duration,
 * fan-out counts, retries and cache hits; without, how the step runs. Clicking a box selects it; the table
 * beside the drawing holds the same facts for keyboards and screen readers.
 */
export function DagView({
  steps,
  summaries,
  selected,
  onSelect,
  label,
}: {
  steps: readonly DocumentStep[];
  summaries?: ReadonlyMap<string, StepSummary>;
  selected?: string | undefined;
  onSelect?: (step: string) => void;
  label: string;
}): ReactNode {
  const rows = stepRows(steps);
  const live = summaries !== undefined;
  const widest = Math.max(1, ...rows.map((r) => r.length));
  const width = margin * 2 + widest * boxWidth + (widest - 1) * gapX;
  const firstExitRow = rows.findIndex((r) => r[0]?.phase === 'exit');
  const exitGap = firstExitRow > 0 ? gapY / 2 : 0;
  const height = margin * 2 + rows.length * boxHeight + Math.max(0, rows.length - 1) * gapY + exitGap;
  const place = new Map<string, { x: number; y: number }>();
  rows.forEach((row, r) => {
    const rowWidth = row.length * boxWidth + (row.length - 1) * gapX;
    const left = (width - rowWidth) / 2;
    const y = margin + r * (boxHeight + gapY) + (firstExitRow > 0 && r >= firstExitRow ? exitGap : 0);
    row.forEach((s, i) => place.set(s.name, { x: left + i * (boxWidth + gapX), y }));
  });
  const separatorY =
    firstExitRow > 0 ? margin + firstExitRow * (boxHeight + gapY) - gapY / 2 + exitGap / 2 : undefined;
  return (
    <div className="dag-view">
      <svg
        role="img"
        aria-label={label}
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        className="dag"
      >
        <defs>
          <marker
            id="dag-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" className="dag-arrowhead" />
          </marker>
        </defs>
        {separatorY !== undefined && (
          <g className="dag-separator">
            <line x1={margin} x2={width - margin} y1={separatorY} y2={separatorY} />
            <text x={margin} y={separatorY - 4}>
              on exit
            </text>
          </g>
        )}
        {steps.flatMap((s) =>
          s.dependsOn.map((d) => {
            const from = place.get(d);
            const to = place.get(s.name);
            if (from === undefined || to === undefined) return null;
            const x1 = from.x + boxWidth / 2;
            const y1 = from.y + boxHeight;
            const x2 = to.x + boxWidth / 2;
            const y2 = to.y;
            const midY = (y1 + y2) / 2;
            return (
              <path
                key={`${d}->${s.name}`}
                className="dag-edge"
                d={`M ${x1} ${y1} C ${x1} ${midY}, ${x2} ${midY}, ${x2} ${y2 - 2}`}
                markerEnd="url(#dag-arrow)"
              />
            );
          }),
        )}
        {steps.map((s) => {
          const p = place.get(s.name);
          if (p === undefined) return null;
          const summary = summaries?.get(s.name);
          const state = live ? (summary?.state ?? 'pending') : 'definition';
          return (
            <g
              key={s.name}
              className={`dag-node dag-${state}${s.name === selected ? ' dag-selected' : ''}`}
              transform={`translate(${p.x}, ${p.y})`}
              data-step={s.name}
              data-state={state}
              onClick={onSelect === undefined ? undefined : () => onSelect(s.name)}
            >
              <title>{`${s.name}: ${stateLine(s, summary, live)} ${detailLine(s, summary, live)}`}</title>
              <rect width={boxWidth} height={boxHeight} rx={6} ry={6} />
              <rect className="dag-band" width={6} height={boxHeight} rx={3} ry={3} />
              <text x={14} y={19} className="dag-name">
                {clip(s.name, 24)}
              </text>
              <text x={14} y={37} className="dag-state">
                {clip(stateLine(s, summary, live), 30)}
              </text>
              <text x={14} y={54} className="dag-detail">
                {clip(detailLine(s, summary, live), 32)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
