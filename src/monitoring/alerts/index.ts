/** Alert hysteresis and the monitoring event catalogue. */
export {
  decideAlerts,
  type AlertDecision,
  type AlertDecisionInput,
  type Breaches,
} from './alert-decision.js';
export {
  monitoringEventSubjects,
  type MonitoringEvents,
  type MonitoringEventType,
} from './monitoring-event-catalogue.js';
