import type { Selectable } from 'kysely';
import type { ExperimentsTable, LoggedModelsTable, RunsTable } from '../db/index.js';
import type {
  Experiment,
  LifecycleStage,
  LoggedModel,
  LoggedModelStatus,
  RunInfo,
  RunStatus,
  Tag,
} from './types.js';

export function toExperiment(row: Selectable<ExperimentsTable>, tags: Tag[]): Experiment {
  return {
    experimentId: String(row.experiment_id),
    name: row.name,
    artifactLocation: row.artifact_location,
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
    creationTime: Number(row.creation_time),
    lastUpdateTime: Number(row.last_update_time),
    tags,
  };
}

export function toRunInfo(row: Selectable<RunsTable>): RunInfo {
  return {
    runId: row.run_uuid,
    experimentId: String(row.experiment_id),
    runName: row.name,
    userId: row.user_id,
    status: row.status as RunStatus,
    startTime: Number(row.start_time),
    endTime: row.end_time === null ? null : Number(row.end_time),
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
    artifactUri: row.artifact_uri,
  };
}

export function toLoggedModelBase(
  row: Selectable<LoggedModelsTable>,
): Omit<LoggedModel, 'params' | 'tags' | 'metrics'> {
  return {
    modelId: row.model_id,
    experimentId: String(row.experiment_id),
    name: row.name,
    artifactUri: row.artifact_location,
    creationTime: Number(row.creation_time),
    lastUpdatedTime: Number(row.last_updated_time),
    ...(row.source_run_id !== null ? { sourceRunId: row.source_run_id } : {}),
    status: row.status as LoggedModelStatus,
    ...(row.status_message !== null ? { statusMessage: row.status_message } : {}),
    ...(row.model_type !== null ? { modelType: row.model_type } : {}),
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
  };
}

/** Groups rows by an owner column, keeping their order. */
export function groupBy<T, K extends string | number>(rows: T[], keyOf: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const list = groups.get(key);
    if (list) list.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

/** Splits a list into slices small enough for one `IN (...)` list on every engine. */
export function chunks<T>(items: T[], size = 5000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** NaN is stored as 0 with is_nan = 1 (PostgreSQL and SQLite disagree on NaN); ±Infinity as ±max double. */
export function encodeMetricValue(value: number): { value: number; is_nan: number } {
  if (Number.isNaN(value)) return { value: 0, is_nan: 1 };
  if (value === Infinity) return { value: Number.MAX_VALUE, is_nan: 0 };
  if (value === -Infinity) return { value: -Number.MAX_VALUE, is_nan: 0 };
  return { value, is_nan: 0 };
}

export function decodeMetricValue(value: number, isNan: number): number {
  if (isNan) return NaN;
  const v = Number(value);
  if (v === Number.MAX_VALUE) return Infinity;
  if (v === -Number.MAX_VALUE) return -Infinity;
  return v;
}
