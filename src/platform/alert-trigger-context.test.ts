import { describe, expect, it } from 'vitest';
import type { MonitoringService } from '../monitoring/index.js';
import { NotFoundError } from '../shared/index.js';
import { alertTriggerContext } from './alert-trigger-context.js';

const trigger = {
  triggerId: 't1',
  name: 'retrain',
  kind: 'monitoring_alert' as const,
  pipelineName: 'train',
  filter: { kind: 'monitoring_alert' as const, conditions: [], states: [] },
  params: {},
  enabled: true,
  createdBy: 'alice',
  createdAt: 1,
};

const alertEvent = (segment?: string) => ({
  id: 9,
  type: 'monitor.alert_fired',
  subject: '4',
  payload: {
    modelName: 'churn',
    monitorName: 'by-city',
    alertId: '12',
    condition: 'data_drift',
    resultId: '5',
    message: 'data drift',
    windowStart: 1000,
    windowEnd: 2000,
    driftShare: 0.5,
    ...(segment !== undefined ? { segment } : {}),
  },
});

type Monitoring = Pick<MonitoringService, 'getMonitor' | 'windowReport'>;

describe('the context a monitoring alert gives the run it starts', () => {
  it('tags the run with why there is no report when the window cannot be reported, and attaches nothing', async () => {
    const asked: unknown[][] = [];
    const monitoring: Monitoring = {
      getMonitor: () => Promise.reject(new NotFoundError('Monitor 4 of churn not found')),
      windowReport: (...args: unknown[]) => {
        asked.push(args);
        return Promise.reject(new Error('not reached'));
      },
    } as unknown as Monitoring;
    const context = await alertTriggerContext(monitoring)({ trigger, event: alertEvent('Porto') });
    expect(context?.artifacts).toEqual({});
    expect(context?.tags).toEqual({
      'bosun.trigger.model_name': 'churn',
      'bosun.trigger.monitor_id': '4',
      'bosun.trigger.monitor_name': 'by-city',
      'bosun.trigger.result_id': '5',
      'bosun.trigger.alert_id': '12',
      'bosun.trigger.condition': 'data_drift',
      'bosun.trigger.state': 'firing',
      'bosun.trigger.segment': 'Porto',
      'bosun.trigger.window_start': '1000',
      'bosun.trigger.window_end': '2000',
      'bosun.trigger.drift_share': '0.5',
      'bosun.trigger.drift_report_error': 'no drift report: Monitor 4 of churn not found',
    });
    expect(asked).toEqual([]);
  });

  it("asks for the alert's segment of the window, and attaches nothing for other events", async () => {
    const asked: unknown[][] = [];
    const monitoring = {
      getMonitor: () =>
        Promise.resolve({
          id: '4',
          name: 'by-city',
          modelName: 'churn',
          target: { kind: 'alias', alias: 'champion' },
          config: { segmentBy: 'city', fireAfter: 1, resolveAfter: 1 },
        }),
      windowReport: (...args: unknown[]) => {
        asked.push(args);
        return Promise.reject(new NotFoundError("Segment 'Porto' not found"));
      },
    } as unknown as Monitoring;
    const context = await alertTriggerContext(monitoring)({ trigger, event: alertEvent('Porto') });
    expect(asked).toEqual([['churn', '4', '5', 'Porto']]);
    expect(context?.tags['bosun.trigger.drift_report_error']).toBe(
      "no drift report: Segment 'Porto' not found",
    );
    const registry = { ...alertEvent(), type: 'model_version.created' };
    expect(await alertTriggerContext(monitoring)({ trigger, event: registry })).toBeUndefined();
  });
});
