import { InvalidParameterError } from '../../shared/index.js';
import { renderDriftHtml, type DriftReport } from '../report/index.js';
import type { MonitoringService } from './monitoring-service.js';
import type { Monitor } from './monitoring-types.js';

/** The version of the alert report's JSON shape. */
export const ALERT_REPORT_SCHEMA = 'bosun.alert-drift-report/v1';

/** The alert a report is made for: the fields of a `monitor.alert_fired` / `monitor.alert_resolved` payload. */
export interface AlertReportRequest {
  modelName: string;
  monitorId: string;
  alertId: string;
  condition: string;
  /** `firing` or `resolved`. */
  state: string;
  resultId: string;
  /** The segment the alert is about; absent: the whole window. */
  segment?: string;
  message: string;
  windowStart: number;
  windowEnd: number;
  driftShare: number | null;
}

/** One column of the alert report: what the window's test said. */
export interface AlertReportColumn {
  name: string;
  type: string;
  /** The method (`ks`, `wasserstein`, `chisquare`...); null for a skipped column. */
  method: string | null;
  /** The test statistic's name and value (D, χ²...) or the distance; null when there is none. */
  statistic: { name: string; value: number } | null;
  /** What is compared with the threshold (the p-value or the distance). */
  value: number | null;
  pValue: number | null;
  threshold: number | null;
  drifted: boolean;
  /** Why the column was not tested (text, datetime). */
  skipped?: string;
}

/**
 * The drift report of an alert's window, as a pipeline started by the alert receives it: the JSON form names the
 * monitor, the window, the alert's rule and value, each column's verdict and the dataset verdict (`report` is
 * the full report, as `.../results/{id}/report?format=json` answers it); `html` is the same report as the
 * self-contained page `.../results/{id}/report` serves (no network at view time).
 */
export interface AlertReport {
  schema: typeof ALERT_REPORT_SCHEMA;
  monitor: {
    id: string;
    name: string;
    modelName: string;
    target: Monitor['target'];
    segmentBy: string | null;
  };
  window: { resultId: string; start: number; end: number; segment: string | null };
  alert: {
    id: string;
    condition: string;
    state: string;
    message: string;
    /** The rule the alert judges: the dataset drift share at which a window breaches, and the counts. */
    rule: { driftShareThreshold: number; fireAfter: number; resolveAfter: number };
    /** The alerting window's drift share (the alert's value). */
    value: number | null;
  };
  dataset: {
    driftDetected: boolean;
    driftShare: number;
    testedColumns: number;
    driftedColumns: string[];
  };
  columns: AlertReportColumn[];
  report: DriftReport;
}

function finite(value: number | null): number | null {
  return value === null || Number.isFinite(value) ? value : null;
}

function columnsOf(report: DriftReport): AlertReportColumn[] {
  return report.columns.map((c): AlertReportColumn => {
    if (c.status === 'skipped') {
      return {
        name: c.name,
        type: c.type,
        method: null,
        statistic: null,
        value: null,
        pValue: null,
        threshold: null,
        drifted: false,
        skipped: c.reason,
      };
    }
    return {
      name: c.name,
      type: c.type,
      method: c.method,
      statistic: c.statistic === null ? null : { name: c.statistic.name, value: c.statistic.value },
      value: c.score,
      pValue: c.adjustedPValue ?? c.pValue,
      threshold: c.threshold,
      drifted: c.driftDetected,
    };
  });
}

/**
 * Builds the drift report of the window an alert is about (segment-aware when the alert is a segment's): the
 * JSON document described by {@link AlertReport}, and the HTML page. Throws what `windowReport` throws (a monitor
 * or result gone, a window with nothing to compare): the caller records why.
 *
 * @example
 * const { json, html } = await alertDriftReport(monitoring, { modelName: 'churn', monitorId: '1', resultId: '2', ... });
 */
export async function alertDriftReport(
  monitoring: Pick<MonitoringService, 'getMonitor' | 'windowReport'>,
  alert: AlertReportRequest,
): Promise<{ document: AlertReport; json: string; html: string }> {
  if (alert.resultId === '') throw new InvalidParameterError('the alert names no result window');
  const monitor = await monitoring.getMonitor(alert.modelName, alert.monitorId);
  const report = await monitoring.windowReport(
    alert.modelName,
    alert.monitorId,
    alert.resultId,
    alert.segment,
  );
  const document: AlertReport = {
    schema: ALERT_REPORT_SCHEMA,
    monitor: {
      id: monitor.id,
      name: monitor.name,
      modelName: monitor.modelName,
      target: monitor.target,
      segmentBy: monitor.config.segmentBy,
    },
    window: {
      resultId: alert.resultId,
      start: alert.windowStart,
      end: alert.windowEnd,
      segment: alert.segment ?? null,
    },
    alert: {
      id: alert.alertId,
      condition: alert.condition,
      state: alert.state,
      message: alert.message,
      rule: {
        driftShareThreshold: report.dataset.driftShareThreshold,
        fireAfter: monitor.config.fireAfter,
        resolveAfter: monitor.config.resolveAfter,
      },
      value: finite(alert.driftShare),
    },
    dataset: {
      driftDetected: report.dataset.driftDetected,
      driftShare: report.dataset.driftShare,
      testedColumns: report.dataset.testedColumns,
      driftedColumns: report.columns
        .filter((c) => c.status === 'tested' && c.driftDetected)
        .map((c) => c.name),
    },
    columns: columnsOf(report),
    report,
  };
  // The same encoding as the report's own JSON (non-finite numbers as "Infinity"/"NaN" strings).
  const json = `${JSON.stringify(document, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value), 2)}\n`;
  return { document, json, html: renderDriftHtml(report) };
}
