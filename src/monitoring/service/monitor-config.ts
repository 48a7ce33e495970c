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
  /** Reference columns by name → type, to check `segmentBy` names a categorical one. */
  referenceTypes: Readonly<Record<string, string>> = {},
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
  const segmentBy = input.segmentBy ?? null;
  if (segmentBy !== null) {
    if (typeof segmentBy !== 'string' || !referenceColumns.includes(segmentBy)) {
      throw new InvalidParameterError(`segment_by: '${String(segmentBy)}' is not a column of the reference`);
    }
    const type = referenceTypes[segmentBy];
    if (type !== undefined && type !== 'categorical') {
      throw new InvalidParameterError(
        `segment_by: '${segmentBy}' is a ${type} column; segments need a categorical one ` +
          '(declare it with column_types when the reference is stored)',
      );
    }
  }
  if (segmentBy === null && (input.segmentAlerts === true || input.maxSegments !== undefined)) {
    throw new InvalidParameterError('max_segments and segment_alerts need segment_by');
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
    segmentBy,
    maxSegments: integerIn(input.maxSegments ?? DEFAULT_MAX_SEGMENTS, 1, MAX_SEGMENTS, 'max_segments'),
    segmentAlerts: input.segmentAlerts ?? false,
  };
}

/** Segments per window when a monitor does not say. */
export const DEFAULT_MAX_SEGMENTS = 10;
/** Segments per window at most. */
export const MAX_SEGMENTS = 100;

/** A stored configuration with the settings added since it was stored filled in with their defaults. */
export function withConfigDefaults(
  stored: Partial<MonitorConfig> & Omit<MonitorConfig, 'segmentBy' | 'maxSegments' | 'segmentAlerts'>,
): MonitorConfig {
  return {
    ...stored,
    segmentBy: stored.segmentBy ?? null,
    maxSegments: stored.maxSegments ?? DEFAULT_MAX_SEGMENTS,
    segmentAlerts: stored.segmentAlerts ?? false,
  };
}

/** A window or schedule length in milliseconds: a positive integer up to a year. */
export function parseDuration(value: number, what: string): number {
  return integerIn(value, 1, MAX_WINDOW_MS, what);
}
