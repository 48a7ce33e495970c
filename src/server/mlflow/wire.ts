/** Conversions between MLflow's wire format and Bosun's domain types; the only place that knows both. */
import type {
  DatasetInput,
  Experiment,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  Run,
  RunInfo,
  RunStatus,
  Tag,
} from '../../tracking/index.js';
import type { ViewType } from '../../search/index.js';
import { invalidParameter, missingParameter } from '../param-errors.js';
import type {
  ExperimentOutWire,
  LoggedModelOutWire,
  MetricInWire,
  MetricOutWire,
  RunInfoOutWire,
  RunOutWire,
  TagOutWire,
} from './wire-schemas.js';

// ---- input ---------------------------------------------------------------------------------------------------

/** `run_id`, or the deprecated `run_uuid` when `run_id` is absent or empty. */
export function resolveRunId(body: { run_id?: string | undefined; run_uuid?: string | undefined }): string {
  const id = body.run_id || body.run_uuid;
  if (!id) throw missingParameter('run_id');
  return id;
}

/** A required string: absent and `""` both count as missing, as proto2 cannot tell them apart. */
export function requireString(value: string | undefined, path: string): string {
  if (value === undefined || value === '') throw missingParameter(path);
  return value;
}

/** `""` means unset on the wire. */
export function optionalString(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** A double from the wire: a number, a numeric string, or "NaN" / "Infinity" / "-Infinity". */
export function parseDouble(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    switch (value) {
      case 'NaN':
      case 'nan':
        return Number.NaN;
      case 'Infinity':
      case 'inf':
        return Number.POSITIVE_INFINITY;
      case '-Infinity':
      case '-inf':
        return Number.NEGATIVE_INFINITY;
    }
    const trimmed = value.trim();
    const parsed = Number(trimmed);
    if (trimmed !== '' && !Number.isNaN(parsed)) return parsed;
  }
  if (value === undefined || value === null) throw missingParameter(path);
  throw invalidParameter(path, value);
}

function parseEnum<T extends string>(
  value: string,
  names: readonly T[],
  firstNumber: number,
  path: string,
): T {
  if ((names as readonly string[]).includes(value)) return value as T;
  const upper = value.toUpperCase();
  if ((names as readonly string[]).includes(upper)) return upper as T;
  if (/^\d+$/.test(value)) {
    const name = names[Number(value) - firstNumber];
    if (name !== undefined) return name;
  }
  throw invalidParameter(path, value, ` Expected one of ${names.join(', ')}.`);
}

const runStatusNames: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
const viewTypeNames: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];
const loggedModelStatusNames: readonly LoggedModelStatus[] = [
  'LOGGED_MODEL_STATUS_UNSPECIFIED',
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
];
export { runStatusNames, viewTypeNames, loggedModelStatusNames };

export function parseRunStatus(value: string, path = 'status'): RunStatus {
  return parseEnum(value, runStatusNames, 1, path);
}

export function parseViewType(value: string | undefined, path: string): ViewType | undefined {
  return value === undefined || value === '' ? undefined : parseEnum(value, viewTypeNames, 1, path);
}

export function parseLoggedModelStatus(value: string, path = 'status'): LoggedModelStatus {
  return parseEnum(value, loggedModelStatusNames, 0, path);
}

/** Booleans from a query string arrive as `True`/`False` (Python's rendering); any case is accepted. */
export function parseBool(value: boolean | string | undefined, path: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0' || lower === '') return false;
  throw invalidParameter(path, value);
}

export function tagsFromWire(
  tags: readonly { key: string; value?: string | undefined }[] | undefined,
): Tag[] {
  if (!tags) return [];
  return tags.map((t) => ({ key: t.key, value: t.value ?? '' }));
}

/** `path` locates the metric in the request for error messages: `metrics[3]`, or `''` at the top level. */
export function metricFromWire(m: MetricInWire, path: string): Metric {
  const metric: Metric = {
    key: m.key,
    value: parseDouble(m.value, path === '' ? 'value' : `${path}.value`),
    timestamp: m.timestamp,
    step: m.step ?? 0,
  };
  if (m.model_id) metric.modelId = m.model_id;
  if (m.dataset_name) metric.datasetName = m.dataset_name;
  if (m.dataset_digest) metric.datasetDigest = m.dataset_digest;
  return metric;
}

export function datasetInputsFromWire(
  inputs:
    | readonly {
        tags?: { key: string; value?: string | undefined }[] | undefined;
        dataset: {
          name: string;
          digest: string;
          source_type: string;
          source: string;
          schema?: string | undefined;
          profile?: string | undefined;
        };
      }[]
    | undefined,
): DatasetInput[] | undefined {
  if (!inputs) return undefined;
  return inputs.map((i) => {
    const d = i.dataset;
    const dataset: DatasetInput['dataset'] = {
      name: d.name,
      digest: d.digest,
      sourceType: d.source_type,
      source: d.source,
    };
    if (d.schema !== undefined) dataset.schema = d.schema;
    if (d.profile !== undefined) dataset.profile = d.profile;
    return { dataset, tags: tagsFromWire(i.tags) };
  });
}

// ---- output --------------------------------------------------------------------------------------------------

/** JSON has no NaN or Infinity: MLflow sends them as strings, and `JSON.stringify` would send `null`. */
export function doubleToWire(value: number): number | 'NaN' | 'Infinity' | '-Infinity' {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

/** Empty lists are omitted on the wire, as protobuf's JSON mapping does. */
function nonEmpty<T>(items: readonly T[] | undefined): T[] | undefined {
  return items && items.length > 0 ? (items as T[]) : undefined;
}

/**
 * Tags on the wire, omitted when empty; the one tag mapper of the server (MLflow and registry answers).
 * Example: `tagsToWire([{ key: 'team', value: 'a' }])` gives `[{ key: 'team', value: 'a' }]`, `tagsToWire([])` gives `undefined`.
 */
export function tagsToWire(tags: readonly Tag[]): TagOutWire[] | undefined {
  return tags.length > 0 ? tags.map((t) => ({ key: t.key, value: t.value })) : undefined;
}

/** A metric point's four always-present fields (key, value, timestamp, step), shared by every metric answer. */
export interface MetricPointWire {
  key: string;
  value: number | 'NaN' | 'Infinity' | '-Infinity';
  timestamp: number;
  step: number;
}

/**
 * The core of a metric on the wire, without the optional model, dataset and run fields: what the native lineage
 * API answers. Example: `metricPointToWire({ key: 'loss', value: NaN, timestamp: 1, step: 0 })` gives
 * `{ key: 'loss', value: 'NaN', timestamp: 1, step: 0 }`.
 */
export function metricPointToWire(m: Metric): MetricPointWire {
  return { key: m.key, value: doubleToWire(m.value), timestamp: m.timestamp, step: m.step };
}

/** A metric as MLflow answers it: the point plus whichever of model id, dataset and run id it carries. */
export function metricToWire(m: Metric): MetricOutWire {
  const wire: MetricOutWire = metricPointToWire(m);
  if (m.modelId !== undefined) wire.model_id = m.modelId;
  if (m.datasetName !== undefined) wire.dataset_name = m.datasetName;
  if (m.datasetDigest !== undefined) wire.dataset_digest = m.datasetDigest;
  if (m.runId !== undefined) wire.run_id = m.runId;
  return wire;
}

export function metricsToWire(metrics: readonly Metric[]): MetricOutWire[] | undefined {
  return metrics.length > 0 ? metrics.map(metricToWire) : undefined;
}

export function experimentToWire(e: Experiment): ExperimentOutWire {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: tagsToWire(e.tags),
  };
}

export function runInfoToWire(i: RunInfo): RunInfoOutWire {
  return {
    run_id: i.runId,
    run_uuid: i.runId,
    run_name: i.runName,
    experiment_id: i.experimentId,
    user_id: i.userId,
    status: i.status,
    start_time: i.startTime,
    end_time: i.endTime ?? undefined,
    artifact_uri: i.artifactUri,
    lifecycle_stage: i.lifecycleStage,
  };
}

export function runToWire(r: Run): RunOutWire {
  const datasetInputs = r.inputs.datasetInputs;
  return {
    info: runInfoToWire(r.info),
    data: {
      metrics: metricsToWire(r.data.metrics),
      params: tagsToWire(r.data.params),
      tags: tagsToWire(r.data.tags),
    },
    inputs: {
      dataset_inputs:
        datasetInputs.length > 0
          ? datasetInputs.map((d) => ({
              tags: tagsToWire(d.tags),
              dataset: {
                name: d.dataset.name,
                digest: d.dataset.digest,
                source_type: d.dataset.sourceType,
                source: d.dataset.source,
                schema: d.dataset.schema,
                profile: d.dataset.profile,
              },
            }))
          : undefined,
      model_inputs: nonEmpty(r.inputs.modelInputs.map((m) => ({ model_id: m.modelId }))),
    },
    outputs: {
      model_outputs: nonEmpty(r.outputs.modelOutputs.map((m) => ({ model_id: m.modelId, step: m.step }))),
    },
  };
}

export function loggedModelToWire(m: LoggedModel): LoggedModelOutWire {
  return {
    info: {
      model_id: m.modelId,
      experiment_id: m.experimentId,
      name: m.name,
      creation_timestamp_ms: m.creationTime,
      last_updated_timestamp_ms: m.lastUpdatedTime,
      artifact_uri: m.artifactUri,
      status: m.status,
      status_message: m.statusMessage,
      model_type: m.modelType,
      source_run_id: m.sourceRunId,
      tags: tagsToWire(m.tags),
    },
    data: { params: tagsToWire(m.params), metrics: metricsToWire(m.metrics) },
  };
}
