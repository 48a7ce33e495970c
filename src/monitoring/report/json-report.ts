import type { DriftReport } from './drift-report.js';

/**
 * The report as JSON for machines: the {@link DriftReport} shape, `schema: "bosun.drift-report/v1"`. JSON has no
 * infinities: a non-finite number (χ² when a category is new, KL over an empty bin) is written as the string
 * `"Infinity"`, `"-Infinity"` or `"NaN"`, as MLflow writes them.
 */
export function renderDriftJson(report: DriftReport, indent = 2): string {
  return `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value), indent)}\n`;
}
