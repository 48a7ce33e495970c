import { InvalidParameterError } from '../../shared/index.js';
import {
  PERFORMANCE_DIRECTION,
  type MonitorConfig,
  type MonitorTask,
  type PerformanceMetric,
} from './monitoring-types.js';

const METRIC_TASK: Readonly<Record<PerformanceMetric, MonitorTask>> = {
  accuracy: 'classification',
  f1: 'classification',
  rmse: 'regression',
  mae: 'regression',
};

/** Milliseconds in a window at most (a year). */
export const MAX_WINDOW_MS = 366 * 24 * 3600 * 1000;

function integerIn(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidParameterError(`${what} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/**
 * A monitor's configuration with its defaults (Evidently's preset, the preset's drift share, no performance
 * metrics, 10 rows minimum, fire and resolve after one window), checked against the reference's columns.
 */
export function parseMonitorConfig(
  input: Partial<MonitorConfig>,
  referenceColumns: readonly string[],
): MonitorConfig {
  const preset = input.preset ?? 'evidently';
  if (preset !== 'evidently' && preset !== 'bosun') {
    throw new InvalidParameterError(`preset must be 'evidently' or 'bosun', got '${String(preset)}'`);
  }
  const driftShare = input.driftShare ?? null;
  if (driftShare !== null && !(driftShare > 0 && driftShare <= 1)) {
    throw new InvalidParameterError(`drift_share must be in (0, 1], got ${driftShare}`);
  }
  const columnThresholds = input.columnThresholds ?? {};
  for (const [column, threshold] of Object.entries(columnThresholds)) {
    if (!referenceColumns.includes(column)) {
      throw new InvalidParameterError(`column_thresholds: '${column}' is not a column of the reference`);
    }
    if (!Number.isFinite(threshold) || threshold < 0) {
      throw new InvalidParameterError(`column_thresholds.${column} must be a finite number from 0`);
    }
  }
  const task = input.task ?? null;
  if (task !== null && task !== 'classification' && task !== 'regression') {
    throw new InvalidParameterError(`task must be 'classification' or 'regression', got '${String(task)}'`);
  }
  const performanceThresholds = input.performanceThresholds ?? {};
  for (const [metric, threshold] of Object.entries(performanceThresholds)) {
    if (!(metric in PERFORMANCE_DIRECTION)) {
      throw new InvalidParameterError(
        `performance_thresholds: unknown metric '${metric}' (expected accuracy, f1, rmse or mae)`,
      );
    }
    const needed = METRIC_TASK[metric as PerformanceMetric];
    if (task !== needed) {
      throw new InvalidParameterError(`performance_thresholds.${metric} needs task '${needed}'`);
    }
    if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0) {
      throw new InvalidParameterError(`performance_thresholds.${metric} must be a finite number from 0`);
    }
  }
  return {
    preset,
    driftShare,
    columnThresholds,
    task,
    performanceThresholds,
    minRows: integerIn(input.minRows ?? 10, 1, 1_000_000, 'min_rows'),
    fireAfter: integerIn(input.fireAfter ?? 1, 1, 100, 'fire_after'),
    resolveAfter: integerIn(input.resolveAfter ?? 1, 1, 100, 'resolve_after'),
  };
}

/** A window or schedule length in milliseconds: a positive integer up to a year. */
export function parseDuration(value: number, what: string): number {
  return integerIn(value, 1, MAX_WINDOW_MS, what);
}
