/** Prometheus text exposition: the renderer, the server's request metrics and the monitoring gauges. */
export {
  formatValue,
  PROMETHEUS_CONTENT_TYPE,
  renderPrometheus,
  type MetricFamily,
  type MetricSample,
} from './prometheus-text.js';
export { DURATION_BUCKETS, RequestMetrics } from './request-metrics.js';
export { monitoringFamilies } from './monitoring-metrics.js';
