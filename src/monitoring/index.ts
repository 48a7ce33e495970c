/**
 * Monitoring (issue 13): drift statistics, file readers and drift reports; reference profiles, prediction logging,
 * monitors and alerts (service/, alerts/, store/); Prometheus text rendering (metrics/). Other folders import from
 * here only.
 *
 * @example
 * import { ks2Samp, sortSample } from '../monitoring/index.js';
 * const reference = sortSample(trainingValues, 'reference'); // sort once, compare with many windows
 * const { statistic, pValue } = ks2Samp(reference, windowValues);
 */
export * from './stats/index.js';
export * from './files/index.js';
export * from './report/index.js';
export * from './service/index.js';
export * from './alerts/index.js';
export * from './metrics/index.js';
export * from './sketches/index.js';
