import type { MonitorStatus, PredictionCounts } from '../service/monitoring-service.js';
import { ALERT_CONDITIONS } from '../service/monitoring-types.js';
import type { MetricFamily, MetricSample } from './prometheus-text.js';

/**
 * The monitoring gauges of the Prometheus endpoint from the monitors' latest results and alerts: drift share and
 * verdict, each column's drift score, each segment's drift share, schema findings, performance metrics, rows per
 * window, alert state per condition, and the predictions and labels logged per model.
 */
export function monitoringFamilies(
  statuses: readonly MonitorStatus[],
  counts: readonly PredictionCounts[],
): MetricFamily[] {
  const labelsOf = (s: MonitorStatus) => ({ model: s.modelName, monitor: s.monitor.name });
  const withLatest = statuses.filter((s) => s.latest !== null);
  const drifted = withLatest.filter((s) => s.latest!.drift !== null);
  const columnScores: MetricSample[] = drifted.flatMap((s) =>
    s.latest!.drift!.columns.flatMap((c) =>
      c.score === null
        ? []
        : [{ labels: { ...labelsOf(s), column: c.column, method: c.method ?? '' }, value: c.score }],
    ),
  );
  const performance: MetricSample[] = withLatest.flatMap((s) =>
    Object.entries(s.latest!.performance?.metrics ?? {}).map(([metric, value]) => ({
      labels: { ...labelsOf(s), metric },
      value,
    })),
  );
  return [
    {
      name: 'bosun_monitor_drift_share',
      help: "Share of tested columns that drifted in the monitor's latest window.",
      type: 'gauge',
      samples: drifted.map((s) => ({ labels: labelsOf(s), value: s.latest!.drift!.driftShare })),
    },
    {
      name: 'bosun_monitor_dataset_drift',
      help: "1 when the monitor's latest window drifted as a dataset, else 0.",
      type: 'gauge',
      samples: drifted.map((s) => ({ labels: labelsOf(s), value: s.latest!.drift!.datasetDrift ? 1 : 0 })),
    },
    {
      name: 'bosun_monitor_column_drift_score',
      help: "Each column's drift score (p-value or distance, see method) in the monitor's latest window.",
      type: 'gauge',
      samples: columnScores,
    },
    {
      name: 'bosun_monitor_performance',
      help: "Performance metrics of the monitor's latest window, on its labelled rows.",
      type: 'gauge',
      samples: performance,
    },
    {
      name: 'bosun_monitor_window_rows',
      help: "Predictions in the monitor's latest window.",
      type: 'gauge',
      samples: withLatest.map((s) => ({ labels: labelsOf(s), value: s.latest!.rows })),
    },
    {
      name: 'bosun_monitor_last_run_timestamp_seconds',
      help: 'When the monitor last ran, in seconds since the Unix epoch.',
      type: 'gauge',
      samples: withLatest.map((s) => ({ labels: labelsOf(s), value: s.latest!.createdAt / 1000 })),
    },
    {
      name: 'bosun_monitor_segment_drift_share',
      help: "Share of tested columns that drifted in each segment of the monitor's latest window.",
      type: 'gauge',
      samples: withLatest.flatMap((s) =>
        s.latestSegments.flatMap((g) =>
          g.drift === null || g.segment === null
            ? []
            : [{ labels: { ...labelsOf(s), segment: g.segment }, value: g.drift.driftShare }],
        ),
      ),
    },
    {
      name: 'bosun_monitor_schema_violations',
      help: "Findings against the model version's signature (missing, unexpected, mistyped columns) in the latest window.",
      type: 'gauge',
      samples: withLatest.flatMap((s) =>
        s.latest!.schema === null ? [] : [{ labels: labelsOf(s), value: s.latest!.schema.violations }],
      ),
    },
    {
      name: 'bosun_monitor_alert_firing',
      help: '1 while an alert of the monitor is firing for the condition, else 0.',
      type: 'gauge',
      samples: statuses.flatMap((s) =>
        ALERT_CONDITIONS.map((condition) => ({
          labels: { ...labelsOf(s), condition },
          value: s.firing.some((a) => a.condition === condition) ? 1 : 0,
        })),
      ),
    },
    {
      name: 'bosun_predictions_logged_total',
      help: 'Predictions logged per registered model.',
      type: 'counter',
      samples: counts.map((c) => ({ labels: { model: c.modelName }, value: c.predictions })),
    },
    {
      name: 'bosun_labels_logged_total',
      help: 'Logged predictions that have a label, per registered model.',
      type: 'counter',
      samples: counts.map((c) => ({ labels: { model: c.modelName }, value: c.labels })),
    },
  ];
}
