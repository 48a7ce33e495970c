import { lazy, Suspense, useEffect, useMemo, type ReactNode } from 'react';
import { sampledHistories, type HistoryColumns } from '../../api/metric-history';
import { ErrorMessage, Loading } from '../status';
import { useAsync } from '../use-async';
import { buildChartData, type ChartSeries } from './chart-data';
import type MetricChartComponent from './metric-chart';
import { chartSettings, settingsQuery, xAxes, type ChartSettings, type XAxis } from './chart-settings';

/**
 * uPlot and the chart code load only when charts are shown (their own chunk, not in the initial bundle). Once the
 * chunk is in, the chart is rendered directly rather than through `lazy`: a lazy component's first render suspends
 * even when its code is already loaded, and React then holds the chart back for 300 ms after showing the fallback.
 */
let loadedChart: typeof MetricChartComponent | undefined;
const loadChart = () =>
  import('./metric-chart').then((module) => {
    loadedChart = module.default;
    return module;
  });
const LazyMetricChart = lazy(loadChart);

/** Starts loading the chart chunk (while the histories are fetched, not after); a failure shows when it renders. */
function preloadChart(): void {
  loadChart().catch(() => undefined);
}

/**
 * Points asked per run and metric (the server samples each history evenly down to this many steps): 1,000 for up to
 * 50 runs, then 50,000 shared among the runs (500 each for 100 runs), never under 250. A chart is under 1,000 pixels
 * wide, so 100 overlaid lines of 1,000 points each draw no more than 500 each would, and cost the server twice the
 * reads. Example: `sampledPoints(3)` is 1000, `sampledPoints(100)` is 500.
 */
export function sampledPoints(runCount: number): number {
  return Math.max(250, Math.min(1000, Math.floor(50_000 / Math.max(1, runCount))));
}

/** Sampled histories by metric key, of the runs `runIds` (comma-joined), asked before the runs were loaded. */
export interface PrefetchedHistories {
  runIds: string;
  byKey: ReadonlyMap<string, Promise<Map<string, HistoryColumns>>>;
}

/**
 * Starts fetching the histories of metrics a page's URL names, at the same time as the runs themselves, so that
 * a chart of 100 runs does not wait for 100 run requests before asking for its points. `<ChartPanel
 * prefetched={...}>` uses them for the same runs; a metric the runs turn out not to have is never drawn.
 * Example: `prefetchHistories(ids, ['loss'], signal)` beside `getRuns(ids, signal)`.
 */
export function prefetchHistories(
  runIds: string[],
  keys: string[],
  signal: AbortSignal,
): PrefetchedHistories {
  const byKey = new Map<string, Promise<Map<string, HistoryColumns>>>();
  for (const key of new Set(keys)) {
    const histories = sampledHistories(runIds, key, sampledPoints(runIds.length), signal);
    histories.catch(() => undefined); // shown by the chart that uses it; unused ones are not errors
    byKey.set(key, histories);
  }
  if (byKey.size > 0) preloadChart();
  return { runIds: runIds.join(','), byKey };
}

/** A run as the charts name it. */
export interface ChartRun {
  id: string;
  name: string;
}

/**
 * The charts of some metrics of some runs, with their settings bar (x axis, log scale, smoothing, envelope,
 * outliers), the settings read from and written to the page's URL query.
 * Example: `<ChartPanel runs={[{ id, name }]} metricKeys={['loss']} query={query} setQuery={setQuery} />`.
 */
export function ChartPanel({
  runs,
  metricKeys,
  query,
  setQuery,
  prefetched,
}: {
  runs: ChartRun[];
  metricKeys: string[];
  query: URLSearchParams;
  setQuery: (changes: Record<string, string | undefined>, replace?: boolean) => void;
  /** Histories already being fetched (see {@link prefetchHistories}). */
  prefetched?: PrefetchedHistories;
}): ReactNode {
  useEffect(preloadChart, []);
  // One settings object per distinct value, so other changes of the URL redraw nothing.
  const settingsKey = JSON.stringify(chartSettings(query));
  const settings = useMemo(() => JSON.parse(settingsKey) as ChartSettings, [settingsKey]);
  const change = (next: Partial<ChartSettings>, replace = false): void =>
    setQuery(settingsQuery({ ...settings, ...next }), replace);
  return (
    <>
      <SettingsBar settings={settings} change={change} runCount={runs.length} />
      <div className="chart-grid">
        {metricKeys.map((key) => (
          <MetricBlock key={key} metricKey={key} runs={runs} settings={settings} prefetched={prefetched} />
        ))}
      </div>
    </>
  );
}

function SettingsBar({
  settings,
  change,
  runCount,
}: {
  settings: ChartSettings;
  change: (next: Partial<ChartSettings>, replace?: boolean) => void;
  runCount: number;
}): ReactNode {
  return (
    <div className="chart-settings" role="group" aria-label="Chart settings">
      <label>
        X axis
        <select value={settings.x} onChange={(e) => change({ x: e.target.value as XAxis })}>
          {xAxes.map((a) => (
            <option key={a.value} value={a.value}>
              {a.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input type="checkbox" checked={settings.log} onChange={(e) => change({ log: e.target.checked })} />
        Log scale
      </label>
      <label>
        Smoothing
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={settings.smoothing}
          onChange={(e) => change({ smoothing: Number(e.target.value) }, true)}
        />
        <output className="mono">{settings.smoothing.toFixed(2)}</output>
      </label>
      <label>
        <input
          type="checkbox"
          checked={settings.envelope}
          disabled={runCount < 2}
          onChange={(e) => change({ envelope: e.target.checked })}
        />
        Min/max envelope
      </label>
      <label>
        <input
          type="checkbox"
          checked={settings.hideOutliers}
          onChange={(e) => change({ hideOutliers: e.target.checked })}
        />
        Hide outliers
      </label>
    </div>
  );
}

function MetricBlock({
  metricKey,
  runs,
  settings,
  prefetched,
}: {
  metricKey: string;
  runs: ChartRun[];
  settings: ChartSettings;
  prefetched: PrefetchedHistories | undefined;
}): ReactNode {
  const ids = runs.map((r) => r.id).join(',');
  const [state] = useAsync(
    (signal) =>
      (prefetched?.runIds === ids ? prefetched.byKey.get(metricKey) : undefined) ??
      sampledHistories(
        runs.map((r) => r.id),
        metricKey,
        sampledPoints(runs.length),
        signal,
      ),
    [ids, metricKey],
  );
  const built = useMemo(() => {
    if (state.status !== 'ok') return undefined;
    const series: ChartSeries[] = runs.map((r) => ({
      runId: r.id,
      label: r.name,
      points: state.value.get(r.id) ?? { steps: [], values: [], timestamps: [] },
    }));
    return { data: buildChartData(series, settings), labels: series.map((s) => s.label) };
  }, [state, settings]);
  const title = <strong>{metricKey}</strong>;
  if (state.status === 'loading') {
    return (
      <div className="metric-chart">
        {title}
        <Loading what={`${metricKey} history`} />
      </div>
    );
  }
  if (state.status === 'error') {
    return (
      <div className="metric-chart">
        {title}
        <ErrorMessage title={`Could not load ${metricKey}`} message={state.message} />
      </div>
    );
  }
  if (built === undefined) return null;
  const MetricChart = loadedChart ?? LazyMetricChart;
  return (
    <Suspense fallback={<Loading what="chart" />}>
      <MetricChart metricKey={metricKey} labels={built.labels} data={built.data} settings={settings} />
    </Suspense>
  );
}
