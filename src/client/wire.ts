/**
 * Conversions between MLflow's wire format (snake_case JSON, int64 as numbers or strings, "NaN"/"Infinity"
 * strings for doubles) and Bosun's domain types. Responses are checked as they are read: a malformed answer
 * throws `BosunClientError` with code `INTERNAL_ERROR` instead of handing back half-typed objects.
 */
import type {
  DatasetInput,
  Experiment,
  LifecycleStage,
  Metric,
  ModelInput,
  ModelOutput,
  Run,
  RunInfo,
  RunStatus,
  Tag,
} from './tracking-types.js';
import { lifecycleStages, runStatuses } from './tracking-types.js';
import { BosunClientError } from './http.js';

type Json = Record<string, unknown>;

export function malformed(what: string): BosunClientError {
  return new BosunClientError('INTERNAL_ERROR', 200, `Malformed response from the tracking server: ${what}`);
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readObject(value: unknown, where: string): Json {
  if (!isRecord(value)) throw malformed(`${where} is not an object`);
  return value;
}

export function readArray(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw malformed(`${where} is not an array`);
  return value;
}

export function readString(o: Json, key: string, where: string): string {
  const value = o[key];
  if (typeof value !== 'string') throw malformed(`${where}.${key} is missing or not a string`);
  return value;
}

export function readOptionalString(o: Json, key: string, where: string): string | undefined {
  const value = o[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw malformed(`${where}.${key} is not a string`);
  return value;
}

/** A double as MLflow sends it: a JSON number, or one of the strings "NaN", "Infinity", "-Infinity". */
export function parseWireDouble(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  switch (value) {
    case 'NaN':
      return NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    default: {
      const n = value.trim() === '' ? NaN : Number(value);
      return Number.isNaN(n) ? undefined : n;
    }
  }
}

/** A double for the wire: non-finite values become the strings MLflow uses, since JSON has no NaN. */
export function toWireDouble(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

/** An int64 sent as a JSON number or a decimal string. */
export function readInteger(o: Json, key: string, where: string, fallback?: number): number {
  const value = o[key];
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?\d+$/.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isInteger(n)) throw malformed(`${where}.${key} is missing or not an integer`);
  return n;
}

function readLifecycleStage(o: Json, where: string): LifecycleStage {
  const value = o.lifecycle_stage ?? 'active';
  const stage = lifecycleStages.find((s) => s === value);
  if (stage === undefined) throw malformed(`${where}.lifecycle_stage '${String(value)}' is unknown`);
  return stage;
}

function readRunStatus(o: Json, where: string): RunStatus {
  // proto2 default of an omitted RunStatus is RUNNING, as the MLflow client reads it.
  const value = o.status ?? 'RUNNING';
  const status = runStatuses.find((s) => s === value);
  if (status === undefined) throw malformed(`${where}.status '${String(value)}' is unknown`);
  return status;
}

export function tagsFromWire(value: unknown, where: string): Tag[] {
  return readArray(value, where).map((item, i) => {
    const o = readObject(item, `${where}[${i}]`);
    return {
      key: readString(o, 'key', `${where}[${i}]`),
      value: readOptionalString(o, 'value', `${where}[${i}]`) ?? '',
    };
  });
}

export function experimentFromWire(value: unknown): Experiment {
  const o = readObject(value, 'experiment');
  return {
    experimentId: readString(o, 'experiment_id', 'experiment'),
    name: readString(o, 'name', 'experiment'),
    artifactLocation: readOptionalString(o, 'artifact_location', 'experiment') ?? '',
    lifecycleStage: readLifecycleStage(o, 'experiment'),
    creationTime: readInteger(o, 'creation_time', 'experiment', 0),
    lastUpdateTime: readInteger(o, 'last_update_time', 'experiment', 0),
    tags: tagsFromWire(o.tags, 'experiment.tags'),
  };
}

export function metricFromWire(value: unknown, where = 'metric'): Metric {
  const o = readObject(value, where);
  const metricValue = parseWireDouble(o.value);
  if (metricValue === undefined) throw malformed(`${where}.value is missing or not a number`);
  const metric: Metric = {
    key: readString(o, 'key', where),
    value: metricValue,
    timestamp: readInteger(o, 'timestamp', where, 0),
    step: readInteger(o, 'step', where, 0),
  };
  const modelId = readOptionalString(o, 'model_id', where);
  const datasetName = readOptionalString(o, 'dataset_name', where);
  const datasetDigest = readOptionalString(o, 'dataset_digest', where);
  const runId = readOptionalString(o, 'run_id', where);
  if (modelId !== undefined) metric.modelId = modelId;
  if (datasetName !== undefined) metric.datasetName = datasetName;
  if (datasetDigest !== undefined) metric.datasetDigest = datasetDigest;
  if (runId !== undefined) metric.runId = runId;
  return metric;
}

export function metricToWire(metric: Metric): Json {
  const wire: Json = {
    key: metric.key,
    value: toWireDouble(metric.value),
    timestamp: metric.timestamp,
    step: metric.step,
  };
  if (metric.modelId !== undefined) wire.model_id = metric.modelId;
  if (metric.datasetName !== undefined) wire.dataset_name = metric.datasetName;
  if (metric.datasetDigest !== undefined) wire.dataset_digest = metric.datasetDigest;
  return wire;
}

export function tagToWire(tag: Tag): Json {
  return { key: tag.key, value: tag.value };
}

export function runInfoFromWire(value: unknown): RunInfo {
  const o = readObject(value, 'run.info');
  const where = 'run.info';
  const runId = readOptionalString(o, 'run_id', where) ?? readOptionalString(o, 'run_uuid', where);
  if (runId === undefined) throw malformed('run.info.run_id is missing');
  const endTime = readInteger(o, 'end_time', where, 0);
  return {
    runId,
    experimentId: readString(o, 'experiment_id', where),
    runName: readOptionalString(o, 'run_name', where) ?? '',
    userId: readOptionalString(o, 'user_id', where) ?? '',
    status: readRunStatus(o, where),
    startTime: readInteger(o, 'start_time', where, 0),
    endTime: endTime === 0 ? null : endTime,
    lifecycleStage: readLifecycleStage(o, where),
    artifactUri: readOptionalString(o, 'artifact_uri', where) ?? '',
  };
}

function datasetInputFromWire(value: unknown, where: string): DatasetInput {
  const o = readObject(value, where);
  const d = readObject(o.dataset, `${where}.dataset`);
  const dw = `${where}.dataset`;
  const dataset: DatasetInput['dataset'] = {
    name: readString(d, 'name', dw),
    digest: readString(d, 'digest', dw),
    sourceType: readOptionalString(d, 'source_type', dw) ?? '',
    source: readOptionalString(d, 'source', dw) ?? '',
  };
  const schema = readOptionalString(d, 'schema', dw);
  const profile = readOptionalString(d, 'profile', dw);
  if (schema !== undefined) dataset.schema = schema;
  if (profile !== undefined) dataset.profile = profile;
  return { dataset, tags: tagsFromWire(o.tags, `${where}.tags`) };
}

export function runFromWire(value: unknown): Run {
  const o = readObject(value, 'run');
  const data = o.data === undefined ? {} : readObject(o.data, 'run.data');
  const inputs = o.inputs === undefined ? {} : readObject(o.inputs, 'run.inputs');
  const outputs = o.outputs === undefined ? {} : readObject(o.outputs, 'run.outputs');
  return {
    info: runInfoFromWire(o.info),
    data: {
      metrics: readArray(data.metrics, 'run.data.metrics').map((m, i) =>
        metricFromWire(m, `run.data.metrics[${i}]`),
      ),
      params: tagsFromWire(data.params, 'run.data.params'),
      tags: tagsFromWire(data.tags, 'run.data.tags'),
    },
    inputs: {
      datasetInputs: readArray(inputs.dataset_inputs, 'run.inputs.dataset_inputs').map((d, i) =>
        datasetInputFromWire(d, `run.inputs.dataset_inputs[${i}]`),
      ),
      modelInputs: readArray(inputs.model_inputs, 'run.inputs.model_inputs').map((m, i): ModelInput => {
        const mo = readObject(m, `run.inputs.model_inputs[${i}]`);
        return { modelId: readString(mo, 'model_id', `run.inputs.model_inputs[${i}]`) };
      }),
    },
    outputs: {
      modelOutputs: readArray(outputs.model_outputs, 'run.outputs.model_outputs').map((m, i): ModelOutput => {
        const where = `run.outputs.model_outputs[${i}]`;
        const mo = readObject(m, where);
        return { modelId: readString(mo, 'model_id', where), step: readInteger(mo, 'step', where, 0) };
      }),
    },
  };
}

/** `next_page_token` of a page answer; an empty string means the last page, as in MLflow. */
export function nextPageTokenFromWire(o: Json): string | undefined {
  const token = o.next_page_token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}
