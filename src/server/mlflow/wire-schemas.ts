/**
 * TypeBox schemas of MLflow's wire objects (snake_case, as the protos name them). Requests are validated
 * against them and the OpenAPI document is generated from them. Wire-level rules only (types, required
 * fields); MLflow's domain limits are enforced by the tracking service.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { LoggedModelIdIn, LoggedModelIdItem, RunIdIn } from '../id-schemas.js';
import { enumKeyword, int64Keyword } from '../validator-compiler.js';

/** int64: a JSON number, or a numeric string (turned into a number by the validator's `x-int64` keyword). */
export const Int64 = (description?: string) =>
  Type.Unsafe<number>({
    anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]{1,19}$' }],
    [int64Keyword]: true,
    ...(description ? { description } : {}),
  });

/** A double that may be `"NaN"`, `"Infinity"` or `"-Infinity"`; checked by `parseDouble` in wire.ts. */
export const DoubleIn = Type.Unknown({
  description: 'double: a JSON number, or the string "NaN", "Infinity" or "-Infinity"',
});

/** A double as the server emits it. */
export const DoubleOut = Type.Union([Type.Number(), Type.String({ enum: ['NaN', 'Infinity', '-Infinity'] })]);

/** An enum given by name or number; checked in wire.ts. */
export const EnumIn = (names: readonly string[]) =>
  Type.Unsafe<string>({
    anyOf: [{ type: 'string' }, { type: 'integer' }],
    [enumKeyword]: true,
    description: `one of ${names.join(', ')} (name or proto number)`,
  });

/** A boolean in a query string (`True`/`False` from Python, any case) or a JSON boolean. */
export const BoolIn = Type.Union([Type.Boolean(), Type.String()]);

const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);

/** Identifiers in their one spelling (see ../id-schemas.ts), for the MLflow routes. */
export {
  ExperimentIdIn,
  ExperimentIdItem,
  ExperimentIdOrNumberIn,
  LoggedModelIdIn,
  LoggedModelIdItem,
  RunIdIn,
  RunIdItem,
  UsernameIn,
  VersionIn,
  VersionQueryIn,
} from '../id-schemas.js';

export const TagIn = Type.Object({ key: Type.String(), value: Opt(Type.String()) });
export const TagOut = Type.Object({ key: Type.String(), value: Type.String() });
export type TagOutWire = Static<typeof TagOut>;

export const MetricIn = Type.Object({
  key: Type.String(),
  value: DoubleIn,
  timestamp: Int64('milliseconds since the epoch'),
  step: Opt(Int64('defaults to 0')),
  model_id: Opt(LoggedModelIdIn),
  dataset_name: Opt(Type.String()),
  dataset_digest: Opt(Type.String()),
  run_id: Opt(RunIdIn()),
});
export type MetricInWire = Static<typeof MetricIn>;

export const MetricOut = Type.Object({
  key: Type.String(),
  value: DoubleOut,
  timestamp: Type.Integer(),
  step: Type.Integer(),
  model_id: Opt(Type.String()),
  dataset_name: Opt(Type.String()),
  dataset_digest: Opt(Type.String()),
  run_id: Opt(Type.String()),
});
export type MetricOutWire = Static<typeof MetricOut>;

export const ExperimentOut = Type.Object({
  experiment_id: Type.String(),
  name: Type.String(),
  artifact_location: Type.String(),
  lifecycle_stage: Type.String(),
  last_update_time: Type.Integer(),
  creation_time: Type.Integer(),
  tags: Opt(Type.Array(TagOut)),
});
export type ExperimentOutWire = Static<typeof ExperimentOut>;

export const RunInfoOut = Type.Object({
  run_id: Type.String(),
  run_uuid: Type.String({ description: 'deprecated duplicate of run_id' }),
  run_name: Type.String(),
  experiment_id: Type.String(),
  user_id: Type.String(),
  status: Type.String(),
  start_time: Type.Integer(),
  end_time: Opt(Type.Integer()),
  artifact_uri: Type.String(),
  lifecycle_stage: Type.String(),
});
export type RunInfoOutWire = Static<typeof RunInfoOut>;

export const DatasetWire = Type.Object({
  name: Type.String(),
  digest: Type.String(),
  source_type: Type.String(),
  source: Type.String(),
  schema: Opt(Type.String()),
  profile: Opt(Type.String()),
});

export const DatasetInputIn = Type.Object({ tags: Opt(Type.Array(TagIn)), dataset: DatasetWire });
export const DatasetInputOut = Type.Object({ tags: Opt(Type.Array(TagOut)), dataset: DatasetWire });
export const ModelInputWire = Type.Object({ model_id: Type.String() });
export const ModelInputIn = Type.Object({ model_id: LoggedModelIdItem });
export const ModelOutputIn = Type.Object({ model_id: LoggedModelIdItem, step: Opt(Int64()) });
export const ModelOutputOut = Type.Object({ model_id: Type.String(), step: Type.Integer() });

export const RunOut = Type.Object({
  info: RunInfoOut,
  data: Type.Object({
    metrics: Opt(Type.Array(MetricOut, { description: 'latest value of each metric' })),
    params: Opt(Type.Array(TagOut)),
    tags: Opt(Type.Array(TagOut)),
  }),
  inputs: Type.Object({
    dataset_inputs: Opt(Type.Array(DatasetInputOut)),
    model_inputs: Opt(Type.Array(ModelInputWire)),
  }),
  outputs: Type.Object({ model_outputs: Opt(Type.Array(ModelOutputOut)) }),
});
export type RunOutWire = Static<typeof RunOut>;

export const LoggedModelOut = Type.Object({
  info: Type.Object({
    model_id: Type.String(),
    experiment_id: Type.String(),
    name: Type.String(),
    creation_timestamp_ms: Type.Integer(),
    last_updated_timestamp_ms: Type.Integer(),
    artifact_uri: Type.String(),
    status: Type.String(),
    status_message: Opt(Type.String()),
    model_type: Opt(Type.String()),
    source_run_id: Opt(Type.String()),
    tags: Opt(Type.Array(TagOut)),
  }),
  data: Type.Object({
    params: Opt(Type.Array(TagOut)),
    metrics: Opt(Type.Array(MetricOut)),
  }),
});
export type LoggedModelOutWire = Static<typeof LoggedModelOut>;

/** `{}`: the answer of every call that returns nothing. */
export const Empty = Type.Object({});

/** Fields sent by every run-scoped call: `run_id`, or the deprecated `run_uuid`. */
export const RunRef = {
  run_id: Opt(RunIdIn()),
  run_uuid: Opt(RunIdIn('deprecated: use run_id')),
};

export const PageFields = {
  max_results: Opt(Int64()),
  page_token: Opt(Type.String()),
};
