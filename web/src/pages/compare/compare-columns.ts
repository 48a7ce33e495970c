/**
 * The compared values of runs: one column per param and latest metric (`params.lr`, `metrics.loss`), whether the
 * runs differ on it, and whether it is numeric (so it can be an axis of the scatter or parallel coordinates).
 */
import type { Run } from '../../api/tracking';

export interface CompareColumn {
  /** `params.<key>` or `metrics.<key>`, as in MLflow's search grammar. */
  id: string;
  kind: 'param' | 'metric';
  key: string;
  /** Per run (in the runs' order): the value as shown, or undefined when the run has none. */
  texts: (string | undefined)[];
  /** Per run: the number, when every present value is one. */
  numbers: (number | undefined)[];
  numeric: boolean;
  /** Not every run has the same value (a missing value counts as different). */
  differs: boolean;
}

function column(
  id: string,
  kind: CompareColumn['kind'],
  key: string,
  values: (string | number | undefined)[],
): CompareColumn {
  const texts = values.map((v) => (v === undefined ? undefined : String(v)));
  const numbers = values.map((v) => (v === undefined ? undefined : typeof v === 'number' ? v : Number(v)));
  const present = values.filter((v) => v !== undefined);
  const numeric =
    present.length > 0 &&
    values.every(
      (v, i) =>
        v === undefined || (typeof v === 'number' ? true : v.trim() !== '' && Number.isFinite(numbers[i])),
    );
  const first = texts[0];
  return {
    id,
    kind,
    key,
    texts,
    numbers: numeric ? numbers : values.map(() => undefined),
    numeric,
    differs: texts.some((t) => t !== first),
  };
}

/** The columns of these runs: params then metrics, each sorted by key. */
export function compareColumns(runs: Run[]): CompareColumn[] {
  const paramKeys = [...new Set(runs.flatMap((r) => r.data.params.map((p) => p.key)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort();
  return [
    ...paramKeys.map((key) =>
      column(
        `params.${key}`,
        'param',
        key,
        runs.map((r) => r.data.params.find((p) => p.key === key)?.value),
      ),
    ),
    ...metricKeys.map((key) =>
      column(
        `metrics.${key}`,
        'metric',
        key,
        runs.map((r) => r.data.metrics.find((m) => m.key === key)?.value),
      ),
    ),
  ];
}

/** Evenly spaced "nice" ticks over [min, max] (about `count` of them). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** The extent of the defined numbers, widened when flat so a scale never divides by zero. */
export function extent(values: (number | undefined)[]): [number, number] {
  const defined = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (defined.length === 0) return [0, 1];
  const lo = Math.min(...defined);
  const hi = Math.max(...defined);
  if (hi > lo) return [lo, hi];
  const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
  return [lo - pad, hi + pad];
}
