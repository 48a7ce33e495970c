/**
 * The settings of metric charts, kept in the page's URL query so a link shows the same charts:
 * `x=step|time|relative`, `log=1`, `smooth=0.6` (EMA weight, 0 = off), `envelope=1`, `outliers=hide`.
 */
export type XAxis = 'step' | 'time' | 'relative';

export interface ChartSettings {
  x: XAxis;
  log: boolean;
  /** Exponential moving average weight in [0, 0.99]; 0 draws the raw values. */
  smoothing: number;
  envelope: boolean;
  hideOutliers: boolean;
}

export const xAxes: readonly { value: XAxis; label: string }[] = [
  { value: 'step', label: 'Step' },
  { value: 'time', label: 'Wall time' },
  { value: 'relative', label: 'Relative time' },
];

/** The settings in a query; anything missing or unknown takes its default. */
export function chartSettings(query: URLSearchParams): ChartSettings {
  const x = query.get('x');
  const smooth = Number(query.get('smooth') ?? '0');
  return {
    x: x === 'time' || x === 'relative' ? x : 'step',
    log: query.get('log') === '1',
    smoothing: Number.isFinite(smooth) ? Math.min(Math.max(smooth, 0), 0.99) : 0,
    envelope: query.get('envelope') === '1',
    hideOutliers: query.get('outliers') === 'hide',
  };
}

/** The query changes for `setQuery` that store `settings` (defaults leave the URL clean). */
export function settingsQuery(settings: ChartSettings): Record<string, string | undefined> {
  return {
    x: settings.x === 'step' ? undefined : settings.x,
    log: settings.log ? '1' : undefined,
    smooth: settings.smoothing > 0 ? String(settings.smoothing) : undefined,
    envelope: settings.envelope ? '1' : undefined,
    outliers: settings.hideOutliers ? 'hide' : undefined,
  };
}
