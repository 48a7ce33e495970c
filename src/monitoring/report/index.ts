/**
 * Drift reports: {@link buildDriftReport} runs `datasetDrift` and adds each test's statistic and each column's
 * distribution; the renderers turn the report into a terminal summary, JSON for machines and a self-contained
 * HTML page. Pure: data in, string out.
 */
export {
  buildDriftReport,
  DRIFT_REPORT_SCHEMA,
  type ColumnReport,
  type DatasetSource,
  type DriftReport,
  type DriftReportInput,
  type SkippedColumnReport,
  type TestedColumnReport,
} from './drift-report.js';
export { STATISTIC_NAMES, testStatistic, type NamedStatistic } from './column-statistic.js';
export {
  categoricalDistribution,
  MAX_CATEGORY_BARS,
  MAX_HISTOGRAM_BINS,
  numericDistribution,
  type Distribution,
} from './distribution.js';
export { renderDriftText, thresholdText } from './text-report.js';
export { renderDriftJson } from './json-report.js';
export { renderDriftHtml } from './html-report.js';
export { escapeHtml } from './html-escape.js';
export { formatNumber, terminalSafe } from './format.js';
