import type { SubjectKinds } from '../../events/index.js';
import type { AlertCondition } from '../service/monitoring-types.js';

/** Every monitoring event is about one monitor (its id as subject); payloads name the model and monitor. */
type AboutMonitor<Payload> = { subject: 'monitor'; payload: Payload };

type MonitorNames = { modelName: string; monitorName: string };
type AlertChange = MonitorNames & {
  alertId: string;
  condition: AlertCondition;
  /** The segment the alert is about (a value of the monitor's segment_by column); absent: the whole window. */
  segment?: string;
  resultId: string;
  message: string;
  windowStart: number;
  windowEnd: number;
  /** The window's share of drifted columns, when drift was computed. */
  driftShare: number | null;
};

/**
 * The monitoring event catalogue: monitors created and deleted, alerts fired and resolved. Recorded in the
 * platform outbox in the same transaction as the change (an alert event exists exactly when its alert does).
 */
export type MonitoringEvents = {
  'monitor.created': AboutMonitor<MonitorNames>;
  'monitor.deleted': AboutMonitor<MonitorNames>;
  'monitor.alert_fired': AboutMonitor<AlertChange>;
  'monitor.alert_resolved': AboutMonitor<AlertChange>;
};

export type MonitoringEventType = keyof MonitoringEvents & string;

/** The subject kind of each monitoring event type (the platform catalogue spreads it). */
export const monitoringEventSubjects: SubjectKinds<MonitoringEvents> = {
  'monitor.created': 'monitor',
  'monitor.deleted': 'monitor',
  'monitor.alert_fired': 'monitor',
  'monitor.alert_resolved': 'monitor',
};
