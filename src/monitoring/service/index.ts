/** Reference datasets, prediction logging, monitors, their results and alerts (issue 13). */
export {
  MonitoringService,
  type MonitoringServiceOptions,
  type MonitorStatus,
  type PredictionCounts,
} from './monitoring-service.js';
export { MAX_WINDOW_ROWS } from './monitor-runner.js';
export { MonitorScheduler, type MonitorSchedulerOptions } from './monitor-scheduler.js';
export { MAX_WINDOW_MS } from './monitor-config.js';
export { evaluateWindow, type WindowEvaluation, type WindowRow } from './window-evaluation.js';
export { classificationMetrics, regressionMetrics, performanceMetrics } from './performance-metrics.js';
export { profileColumns, columnTypes, toColumns } from './reference-profile.js';
export * from './monitoring-types.js';
export {
  readDatasetArtifact,
  readRunArtifact,
  readVersionMlmodel,
  type MonitoringFileAccess,
} from './model-files.js';
export { checkSchema, fitsSignatureType, signatureInputs } from './schema-check.js';
export { sliceSegments, segmentKey, type SegmentSlice } from './segments.js';
export { DEFAULT_MAX_SEGMENTS, MAX_SEGMENTS } from './monitor-config.js';
export {
  DEFAULT_LONG_WINDOW_MS,
  MAX_MERGED_WINDOWS,
  type LongWindow,
  type MergedQuantiles,
  type MergedWindows,
} from './long-window.js';
export {
  ALERT_REPORT_SCHEMA,
  alertDriftReport,
  type AlertReport,
  type AlertReportColumn,
  type AlertReportRequest,
} from './alert-report.js';
