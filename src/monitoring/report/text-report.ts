import type { ColumnReport, DriftReport, TestedColumnReport } from './drift-report.js';
import { formatNumber, terminalSafe } from './format.js';

/**
 * The terminal summary: one row per column (name, type, method, statistic, p-value, threshold, drift), then the
 * dataset verdict and drift share. Plain text, no colours; untrusted names are made terminal-safe.
 *
 * @example process.stdout.write(renderDriftText(report));
 */
export function renderDriftText(report: DriftReport): string {
  const header = ['COLUMN', 'TYPE', 'METHOD', 'STATISTIC', 'P-VALUE', 'THRESHOLD', 'DRIFT'];
  const rows = report.columns.map(row);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.filter((r) => r.length > 3).map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const d = report.dataset;
  const verdict = d.driftDetected ? 'DRIFT DETECTED' : 'no drift';
  return [
    `Reference: ${terminalSafe(report.reference.name, 200)} (${report.reference.rows} rows)`,
    `Current:   ${terminalSafe(report.current.name, 200)} (${report.current.rows} rows)`,
    `Preset:    ${report.preset}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `Dataset: ${verdict}: ${d.driftedColumns} of ${d.testedColumns} tested columns drifted ` +
      `(drift share ${formatNumber(d.driftShare)}, threshold ${formatNumber(d.driftShareThreshold)})` +
      (d.skippedColumns > 0 ? `; ${d.skippedColumns} skipped` : ''),
    '',
  ].join('\n');
}

function row(c: ColumnReport): string[] {
  if (c.status === 'skipped') return [terminalSafe(c.name), c.type, `skipped: ${c.reason}`];
  return [
    terminalSafe(c.name),
    c.type,
    c.method,
    c.statistic === null ? '-' : `${c.statistic.name} = ${formatNumber(c.statistic.value)}`,
    c.pValue === null
      ? '-'
      : formatNumber(c.pValue) +
        (c.adjustedPValue === null ? '' : ` (adj ${formatNumber(c.adjustedPValue)})`),
    thresholdText(c),
    c.driftDetected ? 'yes' : 'no',
  ];
}

/** `p <= 0.05`, `adj p <= 0.05` or `>= 0.1`: what the score is compared with. */
export function thresholdText(c: TestedColumnReport): string {
  const what = c.scoreKind === 'distance' ? '' : c.adjustedPValue === null ? 'p ' : 'adj p ';
  return `${what}${c.comparator} ${formatNumber(c.threshold)}`;
}
