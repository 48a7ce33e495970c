import { Type, type Static } from '@sinclair/typebox';
import {
  closed,
  Description,
  Duration,
  Name,
  NameMap,
  pattern,
  ReferenceSchema,
  Text,
} from './schema-parts.js';
import {
  ENV_NAME_PATTERN,
  ENV_NAME_RULE,
  FUNCTION_PATTERN,
  FUNCTION_RULE,
  LABEL_KEY_PATTERN,
  LABEL_KEY_RULE,
  MEMORY_PATTERN,
  MEMORY_RULE,
  NAME_PATTERN,
  PIPELINE_API_VERSION,
  PIPELINE_KIND,
  PIPELINE_NAME_PATTERN,
  PIPELINE_NAME_RULE,
  RELATIVE_PATH_PATTERN,
  RELATIVE_PATH_RULE,
  RESOURCE_CLASS_PATTERN,
  RESOURCE_CLASS_RULE,
  SECRET_PATH_PATTERN,
  SECRET_PATH_RULE,
} from './syntax.js';
import { InputSchema, LiteralScalarSchema, OutputSchema, ParamSchema } from './type-schemas.js';

/**
 * The pipeline document (`apiVersion: bosun.dev/v1`) as TypeBox schemas: the TypeScript types below are
 * `Static<...>` of these, and the published JSON Schema (schemas/pipeline-v1.json) is generated from them, so the
 * two cannot drift apart. Field names are snake_case, as YAML authors and the Python package write them.
 *
 * A `title` on a schema names it in the JSON Schema's `$defs`; a `description` is what an editor shows on hover
 * and what the structural check says when a value does not match a pattern.
 */

/** A list to fan out over: a reference to a list, or a constant list. */
export const BindingSchema = Type.Object(
  {
    from: Type.Optional(ReferenceSchema),
    value: Type.Optional(Type.Array(LiteralScalarSchema, { maxItems: 10_000 })),
  },
  {
    ...closed,
    title: 'Binding',
    description: 'exactly one of from (a reference to a list) and value (a constant list)',
    oneOf: [{ required: ['from'] }, { required: ['value'] }],
  },
);

export const ForEachSchema = Type.Object(
  {
    items: Type.Optional(BindingSchema),
    matrix: Type.Optional(
      NameMap(BindingSchema, 'one instance per combination of these lists; item.KEY is one value'),
    ),
    items_of: Type.Optional(
      pattern(
        NAME_PATTERN,
        "a fan-out step whose items this step shares: one instance per item, reading that step's outputs item by item",
      ),
    ),
    concurrency: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000, description: 'instances running at once' }),
    ),
  },
  {
    ...closed,
    title: 'ForEach',
    description: 'fan-out: one instance of the step per item (exactly one of items, matrix, items_of)',
    oneOf: [{ required: ['items'] }, { required: ['matrix'] }, { required: ['items_of'] }],
  },
);

export const RetrySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'retries after a failure' })),
    preemption_limit: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100,
        description: 'retries after a preemption (SIGTERM, a lost worker)',
      }),
    ),
    backoff: Type.Optional(
      Type.Object(
        {
          initial: Type.Optional(Duration),
          factor: Type.Optional(Type.Number({ minimum: 1, maximum: 100 })),
          max: Type.Optional(Duration),
          jitter: Type.Optional(
            Type.Number({ minimum: 0, maximum: 1, description: 'share of each delay drawn at random' }),
          ),
        },
        closed,
      ),
    ),
  },
  {
    ...closed,
    title: 'Retry',
    description: 'retries with exponential backoff; separate budgets for failures and preemptions',
  },
);

export const CacheSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: 'false: always run (default true)' })),
    version: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'change it to invalidate earlier results' }),
    ),
    ignore_inputs: Type.Optional(
      Type.Array(Name, { maxItems: 1000, description: 'inputs left out of the cache key' }),
    ),
    max_age: Type.Optional(Duration),
  },
  { ...closed, title: 'Cache', description: "the step's result cache" },
);

export const ResourcesSchema = Type.Object(
  {
    class: Type.Optional(
      pattern(RESOURCE_CLASS_PATTERN, `a resource class defined on the server (${RESOURCE_CLASS_RULE})`),
    ),
    cpu: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100_000 })),
    memory: Type.Optional(pattern(MEMORY_PATTERN, MEMORY_RULE)),
    gpu: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    spot: Type.Optional(Type.Boolean({ description: 'may run on spot or preemptible capacity' })),
  },
  { ...closed, title: 'Resources', description: 'what the step needs; a class also names its price' },
);

const Requirements = Type.Array(Type.String({ minLength: 1, maxLength: 1000, pattern: '^[^\\n\\r]+$' }), {
  maxItems: 1000,
  description: "pip requirement lines for the step's Python environment",
});
const RequirementsFile = pattern(RELATIVE_PATH_PATTERN, RELATIVE_PATH_RULE);
const Env = Type.Record(Type.String({ pattern: ENV_NAME_PATTERN }), Type.String({ maxLength: 100_000 }), {
  ...closed,
  description: `environment variables (${ENV_NAME_RULE}); values may use {{inputs.NAME}}`,
});
const Secrets = Type.Record(
  Type.String({ pattern: ENV_NAME_PATTERN }),
  pattern(SECRET_PATH_PATTERN, SECRET_PATH_RULE, { maxLength: 512 }),
  {
    ...closed,
    description: 'environment variable name: secret path in the secret store (names only, never values)',
  },
);

export const ApprovalSchema = Type.Object(
  {
    message: Type.Optional(Text('what the approver is asked; may use {{inputs.NAME}}')),
    timeout: Type.Optional(Duration),
    on_timeout: Type.Optional(Type.Union([Type.Literal('reject'), Type.Literal('approve')])),
    on_reject: Type.Optional(
      Type.Union([Type.Literal('fail'), Type.Literal('continue')], {
        description: 'fail the run (default), or continue with outputs.approved false',
      }),
    ),
    model: Type.Optional(
      Type.Object(
        {
          name: pattern(NAME_PATTERN, "the input holding the registered model's name"),
          version: pattern(NAME_PATTERN, 'the input holding the model version'),
          champion_alias: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        },
        { ...closed, description: 'the model version this approval promotes (shown beside the champion)' },
      ),
    ),
  },
  { ...closed, title: 'Approval', description: 'a person approves or rejects, with a comment' },
);

export const ScriptSchema = Type.Object(
  {
    path: pattern(RELATIVE_PATH_PATTERN, RELATIVE_PATH_RULE),
    args: Type.Optional(Type.Array(Type.String({ maxLength: 100_000 }), { maxItems: 10_000 })),
  },
  { ...closed, title: 'Script', description: "a Python script run with the step's Python environment" },
);

/**
 * One step. It runs exactly one of `command` (an argv), `script` (a Python script), `function`
 * (`module:function`) or `approval` (a person decides).
 */
export const StepSchema = Type.Object(
  {
    description: Description,
    command: Type.Optional(
      Type.Array(Type.String({ maxLength: 100_000 }), {
        minItems: 1,
        maxItems: 10_000,
        description: 'argv of any executable; arguments may use {{inputs.NAME}} and {{outputs.NAME}}',
      }),
    ),
    script: Type.Optional(ScriptSchema),
    function: Type.Optional(pattern(FUNCTION_PATTERN, FUNCTION_RULE)),
    approval: Type.Optional(ApprovalSchema),
    inputs: Type.Optional(NameMap(InputSchema, 'the values and artifacts the step reads')),
    outputs: Type.Optional(NameMap(OutputSchema, 'the artifacts and values the step produces')),
    after: Type.Optional(
      Type.Array(Name, { maxItems: 1000, description: 'steps that must end first (no data passed)' }),
    ),
    when: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description: 'a condition: the step is skipped when it is false',
      }),
    ),
    for_each: Type.Optional(ForEachSchema),
    retry: Type.Optional(RetrySchema),
    timeout: Type.Optional(Duration),
    cache: Type.Optional(CacheSchema),
    resources: Type.Optional(ResourcesSchema),
    image: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        pattern: '^\\S+$',
        description: "container image on the Kubernetes executor (default: the server's --kube-image)",
      }),
    ),
    requirements: Type.Optional(Requirements),
    requirements_file: Type.Optional(RequirementsFile),
    env: Type.Optional(Env),
    secrets: Type.Optional(Secrets),
  },
  {
    ...closed,
    title: 'Step',
    description: 'a step: exactly one of command, script, function, approval',
    oneOf: [
      { required: ['command'] },
      { required: ['script'] },
      { required: ['function'] },
      { required: ['approval'] },
    ],
  },
);

/** Step settings that apply to every step that does not set them (secrets are deliberately not among them). */
export const DefaultsSchema = Type.Object(
  {
    retry: Type.Optional(RetrySchema),
    timeout: Type.Optional(Duration),
    cache: Type.Optional(CacheSchema),
    resources: Type.Optional(ResourcesSchema),
    requirements: Type.Optional(Requirements),
    env: Type.Optional(Env),
  },
  { ...closed, title: 'Defaults', description: 'step settings for every step that does not set them' },
);

export const PipelineOutputSchema = Type.Object(
  { from: ReferenceSchema, description: Description },
  { ...closed, title: 'PipelineOutput', description: "a pipeline result: one of its steps' outputs" },
);

/** The whole document. */
export const PipelineSpecSchema = Type.Object(
  {
    apiVersion: Type.Literal(PIPELINE_API_VERSION),
    kind: Type.Literal(PIPELINE_KIND),
    name: pattern(PIPELINE_NAME_PATTERN, PIPELINE_NAME_RULE),
    description: Description,
    labels: Type.Optional(
      Type.Record(
        Type.String({ pattern: LABEL_KEY_PATTERN, description: LABEL_KEY_RULE }),
        Type.String({ maxLength: 256 }),
        closed,
      ),
    ),
    params: Type.Optional(NameMap(ParamSchema, 'the parameters a run is given')),
    defaults: Type.Optional(DefaultsSchema),
    timeout: Type.Optional(Duration),
    concurrency: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000, description: 'steps running at once in one run' }),
    ),
    steps: NameMap(StepSchema, 'the steps, by name', { minProperties: 1 }),
    on_exit: Type.Optional(
      NameMap(StepSchema, 'exit handlers: steps run once every other step has ended, on success or failure'),
    ),
    outputs: Type.Optional(NameMap(PipelineOutputSchema, "the pipeline's results")),
  },
  { ...closed, title: 'Pipeline', description: 'a Bosun pipeline (bosun.dev/v1)' },
);

export type PipelineSpec = Static<typeof PipelineSpecSchema>;
export type StepSpec = Static<typeof StepSchema>;
export type ForEachSpec = Static<typeof ForEachSchema>;
export type BindingSpec = Static<typeof BindingSchema>;
export type RetrySpec = Static<typeof RetrySchema>;
export type CacheSpec = Static<typeof CacheSchema>;
export type ResourcesSpec = Static<typeof ResourcesSchema>;
export type ApprovalSpec = Static<typeof ApprovalSchema>;
export type ScriptSpec = Static<typeof ScriptSchema>;
export type DefaultsSpec = Static<typeof DefaultsSchema>;
export type PipelineOutputSpec = Static<typeof PipelineOutputSchema>;
