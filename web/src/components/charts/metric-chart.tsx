import { useEffect, useRef, useState, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatNumber } from '../format';
import type { ChartData } from './chart-data';
import type { ChartSettings } from './chart-settings';
import { palette } from './palette';
import './charts.css';

const dark = (): MediaQueryList => window.matchMedia('(prefers-color-scheme: dark)');

/** The theme's colours, read from the stylesheet's custom properties. */
function themeColours(): { fg: string; muted: string; grid: string } {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return { fg: v('--fg', '#1b1f24'), muted: v('--fg-muted', '#57606a'), grid: v('--border', '#d0d7de') };
}

function formatSeconds(s: number): string {
  const abs = Math.abs(s);
  if (abs < 120) return `${formatNumber(s)} s`;
  if (abs < 7200) return `${formatNumber(s / 60)} min`;
  return `${formatNumber(s / 3600)} h`;
}

const xLabels: Record<ChartSettings['x'], string> = {
  step: 'Step',
  time: 'Wall time',
  relative: 'Time since the run’s first point',
};

/**
 * One metric's line chart, drawn on a canvas by uPlot: a line per run (gaps spanned), the runs' min/max envelope
 * as a band, a log or linear y axis, the y range without outliers when asked. Redrawn when the data, the settings,
 * the width or the system's colour scheme change. The caption says what is drawn, in numbers.
 */
export default function MetricChart({
  metricKey,
  labels,
  data,
  settings,
}: {
  metricKey: string;
  labels: string[];
  data: ChartData;
  settings: ChartSettings;
}): ReactNode {
  const host = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [scheme, setScheme] = useState(dark().matches ? 'dark' : 'light');
  useEffect(() => {
    const media = dark();
    const change = (): void => setScheme(media.matches ? 'dark' : 'light');
    media.addEventListener('change', change);
    return () => media.removeEventListener('change', change);
  }, []);
  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    const observer = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    observer.observe(el);
    setWidth(Math.floor(el.clientWidth));
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    const el = host.current;
    if (el === null || width === 0) return;
    const colours = themeColours();
    const axis = (label: string): uPlot.Axis => ({
      label,
      stroke: colours.fg,
      grid: { stroke: colours.grid, width: 1 },
      ticks: { stroke: colours.grid, width: 1 },
    });
    const runs = labels.length;
    const series: uPlot.Series[] = [
      { label: xLabels[settings.x] },
      ...labels.map((label, i): uPlot.Series => ({
        label,
        stroke: palette[i % palette.length] ?? '#4e79a7',
        width: 1.5,
        spanGaps: true,
        points: { show: false },
      })),
    ];
    const aligned: uPlot.AlignedData = [data.xs, ...data.ys];
    const bands: uPlot.Band[] = [];
    if (data.envelope !== undefined) {
      series.push(
        {
          label: 'max of runs',
          stroke: colours.muted,
          width: 1,
          dash: [4, 4],
          spanGaps: true,
          points: { show: false },
        },
        {
          label: 'min of runs',
          stroke: colours.muted,
          width: 1,
          dash: [4, 4],
          spanGaps: true,
          points: { show: false },
        },
      );
      aligned.push(data.envelope.max, data.envelope.min);
      bands.push({
        series: [runs + 1, runs + 2],
        fill: scheme === 'dark' ? 'rgba(154,166,178,0.18)' : 'rgba(87,96,106,0.14)',
      });
    }
    const range = data.yRange;
    const xAxis = axis(xLabels[settings.x]);
    if (settings.x === 'relative') xAxis.values = (_u, splits) => splits.map(formatSeconds);
    const yAxis = axis(metricKey);
    yAxis.values = (_u, splits) => splits.map((v) => (v === null || v === undefined ? '' : formatNumber(v)));
    yAxis.size = 70;
    const options: uPlot.Options = {
      width,
      height: 280,
      series,
      bands,
      axes: [xAxis, yAxis],
      scales: {
        x: { time: settings.x === 'time' },
        y: {
          distr: settings.log ? 3 : 1,
          ...(range === undefined ? {} : { range: (): uPlot.Range.MinMax => [range[0], range[1]] }),
        },
      },
      legend: { show: runs <= 20 },
      cursor: { drag: { x: true, y: false } },
    };
    const plot = new uPlot(options, aligned, el);
    el.dataset.axisColour = colours.fg;
    return () => plot.destroy();
  }, [data, labels, settings, width, scheme, metricKey]);

  const facts = [
    `${formatNumber(data.points)} point${data.points === 1 ? '' : 's'} of ${labels.length} run${labels.length === 1 ? '' : 's'}`,
    data.points > 0 ? `y from ${formatNumber(data.yMin)} to ${formatNumber(data.yMax)}` : 'no values',
  ];
  if (data.yRange !== undefined) {
    facts.push(
      `${data.outliers} outlier${data.outliers === 1 ? '' : 's'} outside ${formatNumber(data.yRange[0])} to ${formatNumber(data.yRange[1])} hidden`,
    );
  }
  if (data.nonPositive > 0) facts.push(`${data.nonPositive} values ≤ 0 not drawn on the log scale`);
  return (
    <figure className="metric-chart" aria-labelledby={`chart-${metricKey}`}>
      <figcaption id={`chart-${metricKey}`}>
        <strong>{metricKey}</strong> <span className="muted chart-facts">{facts.join(' · ')}</span>
      </figcaption>
      <div ref={host} className="chart-canvas" />
    </figure>
  );
}
