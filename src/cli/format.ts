/** Value formatting shared by the CLI's commands. */

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** Epoch milliseconds as local `YYYY-MM-DD HH:MM:SS`; empty for absent times. */
export function formatTimestamp(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms <= 0) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A metric value with at most 6 significant digits; NaN and infinities by name. */
export function formatMetricValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/** A duration such as `850ms`, `12.3s`, `4m 05s` or `2h 03m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.floor(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0 ? `${hours}h ${two(minutes)}m` : `${minutes}m ${two(seconds)}s`;
}

/**
 * JSON for `--json` output, indented; NaN and ±Infinity become the strings "NaN", "Infinity", "-Infinity"
 * (as on MLflow's wire) instead of the `null` that `JSON.stringify` would write.
 */
export function toJson(value: unknown): string {
  return `${JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v !== 'number' || Number.isFinite(v)) return v;
      return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    },
    2,
  )}\n`;
}
