/**
 * Monitoring: drift statistics now; profiles, monitors and alerts next (issue 13). Other folders import from here
 * only.
 *
 * @example
 * import { ks2Samp, sortSample } from '../monitoring/index.js';
 * const reference = sortSample(trainingValues, 'reference'); // sort once, compare with many windows
 * const { statistic, pValue } = ks2Samp(reference, windowValues);
 */
export * from './stats/index.js';
export * from './files/index.js';
export * from './report/index.js';
