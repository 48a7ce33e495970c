import { alertDriftReport, type MonitoringService } from '../monitoring/index.js';
import type { TriggerContext, TriggerContextSource } from '../pipelines/index.js';

const ALERT_EVENT_STATES: Readonly<Record<string, string>> = {
  'monitor.alert_fired': 'firing',
  'monitor.alert_resolved': 'resolved',
};

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

/**
 * The context a monitoring alert gives the pipeline run it starts (issue 13, point 5): tags naming the model,
 * monitor, result window and alert, and the window's drift report (segment-aware for a segment's alert) as the
 * trigger artifact `drift_report`: `trigger/drift_report/report.html` (the self-contained page) and
 * `report.json` (per column: statistic, value, p-value, threshold, drifted; the dataset verdict; the monitor,
 * window, alert rule and value). A report that cannot be made (the monitor deleted, an empty window) leaves the
 * tag `bosun.trigger.drift_report_error` saying why; the run starts either way. Other events attach nothing.
 *
 * @example
 * new TriggerService({ ..., context: alertTriggerContext(monitoring) })
 */
export function alertTriggerContext(
  monitoring: Pick<MonitoringService, 'getMonitor' | 'windowReport'>,
): TriggerContextSource {
  return async ({ event }) => {
    const state = ALERT_EVENT_STATES[event.type];
    if (state === undefined) return undefined;
    const p = event.payload;
    const fields = {
      model_name: text(p['modelName']),
      monitor_id: event.subject,
      monitor_name: text(p['monitorName']),
      result_id: text(p['resultId']),
      alert_id: text(p['alertId']),
      condition: text(p['condition']),
      state,
      segment: text(p['segment']),
      window_start: text(p['windowStart']),
      window_end: text(p['windowEnd']),
      drift_share: p['driftShare'] === null ? 'null' : text(p['driftShare']),
    };
    const tags: Record<string, string> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) tags[`bosun.trigger.${key}`] = value;
    }
    const context: TriggerContext = { tags, artifacts: {} };
    try {
      const windowStart = Number(p['windowStart']);
      const windowEnd = Number(p['windowEnd']);
      const driftShare = typeof p['driftShare'] === 'number' ? p['driftShare'] : null;
      const report = await alertDriftReport(monitoring, {
        modelName: fields.model_name ?? '',
        monitorId: event.subject,
        alertId: fields.alert_id ?? '',
        condition: fields.condition ?? '',
        state,
        resultId: fields.result_id ?? '',
        ...(fields.segment !== undefined ? { segment: fields.segment } : {}),
        message: text(p['message']) ?? '',
        windowStart,
        windowEnd,
        driftShare,
      });
      return {
        tags: {
          ...tags,
          'bosun.trigger.drift_report': 'trigger/drift_report',
          'bosun.trigger.drifted_columns': report.document.dataset.driftedColumns.join(','),
        },
        artifacts: { drift_report: { 'report.html': report.html, 'report.json': report.json } },
      };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return {
        ...context,
        tags: { ...tags, 'bosun.trigger.drift_report_error': `no drift report: ${reason}`.slice(0, 1000) },
      };
    }
  };
}
