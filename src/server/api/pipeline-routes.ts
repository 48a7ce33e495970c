import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  definitionToWire,
  pipelineRunToWire,
  planEntryToWire,
  stepRunToWire,
  stepLogToWire,
  readDocument,
  rollUpSteps,
  rollUpToWire,
  RUN_STATUSES,
  type PipelineService,
  type RunStatus,
} from '../../pipelines/index.js';
import { InvalidParameterError } from '../../shared/index.js';
import { RunIdItem, VersionIn, VersionQueryIn } from '../id-schemas.js';
import { auditIdentifier } from '../audit/audit-identifiers.js';
import { readableOf } from '../authz/index.js';
import {
  adminOnly,
  apiPaths,
  body,
  experiment,
  needs,
  params,
  runIn,
  signedIn,
} from '../authz/policy-helpers.js';
import type { AuditedInput, PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';
import type { TypedApp } from '../typed-app.js';
import { RollUpOut, StepUsageOut } from './pipeline-cost-routes.js';
import { Nullable } from './wire-schemas.js';

const prefix = `${apiPaths.native}/pipelines`;
const tags = ['pipelines'];

const NameParam = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
});
const DefinitionOut = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  digest: Type.String(),
  experiment_id: Type.String(),
  code_dir: Nullable(Type.String()),
  created_by: Type.String(),
  created_at: Type.Integer(),
});
const RunOut = Type.Object({
  run_id: Type.String({ description: 'also the MLflow run that holds the pipeline run' }),
  pipeline: Type.String(),
  experiment_id: Type.String(),
  status: Type.String({ enum: [...RUN_STATUSES] }),
  params: Type.Record(Type.String(), Type.Unknown()),
  error: Nullable(Type.String()),
  cancel_requested: Type.Boolean(),
  resumes: Type.Integer(),
  created_by: Type.String(),
  created_at: Type.Integer(),
  ended_at: Nullable(Type.Integer()),
});
const StepOut = Type.Object({
  step: Type.String(),
  item_index: Nullable(Type.Integer()),
  item: Type.Unknown(),
  phase: Type.String(),
  state: Type.String(),
  reason: Nullable(Type.String()),
  attempt: Type.Integer(),
  failure_attempts: Type.Integer(),
  preemption_attempts: Type.Integer(),
  mlflow_run_id: Nullable(Type.String()),
  exit_code: Nullable(Type.Integer()),
  outputs: Type.Record(Type.String(), Type.Unknown()),
  cache_key: Nullable(Type.String()),
  cached_from: Nullable(Type.String()),
  started_at: Nullable(Type.Integer()),
  ended_at: Nullable(Type.Integer()),
  ...StepUsageOut.properties,
});
const StartIn = Type.Object({
  pipeline: NameParam,
  version: Type.Optional(VersionIn),
  params: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), { description: 'parameter values by name' }),
  ),
});

/** A document sent as JSON, or as YAML/JSON text (read with positions, so problems name their line). */
function parseDocument(document: unknown): unknown {
  if (typeof document !== 'string') return document;
  const read = readDocument(document);
  if (read.value === undefined || read.diagnostics.length > 0) {
    const first = read.diagnostics[0];
    throw new InvalidParameterError(
      `The pipeline text is not valid YAML or JSON${first ? `: ${first.message}` : ''}`,
    );
  }
  return read.value;
}

function parseStatus(text: string | undefined): RunStatus | undefined {
  if (text === undefined || text === '') return undefined;
  const status = RUN_STATUSES.find((s) => s === text);
  if (status === undefined)
    throw new InvalidParameterError(`Invalid status '${text}': expected ${RUN_STATUSES.join(', ')}`);
  return status;
}

/** A version as the id schemas accept it (`"3"` or 3; `""` is absent). */
function versionOf(version: string | number | undefined): number | undefined {
  return version === undefined || version === '' ? undefined : Number(version);
}

const actor = (req: { user?: { username: string } }): string => req.user?.username ?? 'anonymous';

/**
 * The pipelines API under /api/bosun/v1/pipelines: definitions (versioned documents), runs (start, list, get,
 * cancel, resume, logs) and plans. Runs are driven by this server's local executor.
 */
export function registerPipelineRoutes(app: TypedApp, pipelines: PipelineService): void {
  app.post(
    `${prefix}/definitions`,
    {
      schema: {
        tags,
        summary:
          'Store a pipeline document as the next version of its pipeline (the same document keeps its version)',
        description:
          "Administrators only: a pipeline names the commands the server will run. `document` is the document as JSON, or its YAML/JSON text; `code_dir` is the absolute folder on the server its script paths resolve against (default: the server's working folder).",
        body: Type.Object({
          document: Type.Union([
            Type.String({ maxLength: 4_000_000 }),
            Type.Record(Type.String(), Type.Unknown()),
          ]),
          code_dir: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, pattern: '^/' })),
        }),
        response: { 200: Type.Object({ pipeline: DefinitionOut, created: Type.Boolean() }) },
      },
    },
    async (req) => {
      const { definition, created } = await pipelines.define({
        document: parseDocument(req.body.document),
        ...(req.body.code_dir !== undefined ? { codeDir: req.body.code_dir } : {}),
        createdBy: actor(req),
      });
      return { pipeline: definitionToWire(definition), created };
    },
  );

  app.get(
    `${prefix}/definitions`,
    {
      schema: {
        tags,
        summary: 'The latest version of every pipeline the caller may read',
        response: { 200: Type.Object({ pipelines: Type.Array(DefinitionOut) }) },
      },
    },
    async (req) => {
      const all = await pipelines.store.listDefinitions();
      const readable = new Set(
        await readableOf(
          req,
          'experiment',
          all.map((d) => d.experimentId),
        ),
      );
      return { pipelines: all.filter((d) => readable.has(d.experimentId)).map(definitionToWire) };
    },
  );

  app.get(
    `${prefix}/definitions/:name`,
    {
      schema: {
        tags,
        summary: 'A version of a pipeline (the latest without ?version), with its document',
        params: Type.Object({ name: NameParam }),
        querystring: Type.Object({ version: Type.Optional(VersionQueryIn) }),
        response: {
          200: Type.Object({
            pipeline: Type.Intersect([DefinitionOut, Type.Object({ document: Type.Unknown() })]),
          }),
        },
      },
    },
    async (req) => {
      const d = await pipelines.store.getDefinition(req.params.name, versionOf(req.query.version));
      return { pipeline: { ...definitionToWire(d), document: d.spec } };
    },
  );

  app.post(
    `${prefix}/runs`,
    {
      schema: {
        tags,
        summary: 'Start a run of a defined pipeline (it runs in the background; poll the run or its logs)',
        body: StartIn,
        response: { 200: Type.Object({ run: RunOut }) },
      },
    },
    async (req) => {
      const { run, done } = await pipelines.start({
        name: req.body.pipeline,
        ...(versionOf(req.body.version) !== undefined ? { version: versionOf(req.body.version) } : {}),
        params: req.body.params ?? {},
        createdBy: actor(req),
      });
      done.catch((err: unknown) => req.log.warn({ err, run: run.runId }, 'pipeline run failed to drive'));
      return { run: pipelineRunToWire(run) };
    },
  );

  app.get(
    `${prefix}/runs`,
    {
      schema: {
        tags,
        summary: 'Pipeline runs the caller may read, newest first',
        querystring: Type.Object({
          pipeline: Type.Optional(NameParam),
          status: Type.Optional(Type.String({ description: RUN_STATUSES.join(', ') })),
          max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        }),
        response: { 200: Type.Object({ runs: Type.Array(RunOut) }) },
      },
    },
    async (req) => {
      const status = parseStatus(req.query.status);
      const runs = await pipelines.listRuns({
        ...(req.query.pipeline !== undefined ? { pipeline: req.query.pipeline } : {}),
        ...(status !== undefined ? { status } : {}),
        limit: req.query.max_results ?? 100,
      });
      const readable = new Set(
        await readableOf(req, 'experiment', [...new Set(runs.map((r) => r.experimentId))]),
      );
      return { runs: runs.filter((r) => readable.has(r.experimentId)).map(pipelineRunToWire) };
    },
  );

  app.get(
    `${prefix}/runs/:run_id`,
    {
      schema: {
        tags,
        summary: 'A pipeline run and its step runs (one per step and fan-out item)',
        params: Type.Object({ run_id: RunIdItem }),
        response: {
          200: Type.Object({
            run: RunOut,
            version: Type.Integer(),
            steps: Type.Array(StepOut),
            cost: RollUpOut,
          }),
        },
      },
    },
    async (req) => {
      const details = await pipelines.getRun(req.params.run_id);
      return {
        run: pipelineRunToWire(details.run),
        version: details.definition.version,
        steps: details.steps.map(stepRunToWire),
        cost: rollUpToWire(rollUpSteps(details.steps)),
      };
    },
  );

  for (const action of ['cancel', 'resume'] as const) {
    app.post(
      `${prefix}/runs/:run_id/${action}`,
      {
        schema: {
          tags,
          summary:
            action === 'cancel'
              ? 'Cancel a running run: its step processes are killed, exit handlers run'
              : 'Resume a failed or cancelled run from its failed steps, reusing what succeeded',
          params: Type.Object({ run_id: RunIdItem }),
          response: { 200: Type.Object({ run: RunOut }) },
        },
      },
      async (req) => {
        if (action === 'cancel') return { run: pipelineRunToWire(await pipelines.cancel(req.params.run_id)) };
        const { run, done } = await pipelines.resume(req.params.run_id);
        done.catch((err: unknown) => req.log.warn({ err, run: run.runId }, 'pipeline run failed to drive'));
        return { run: pipelineRunToWire(run) };
      },
    );
  }

  app.get(
    `${prefix}/runs/:run_id/logs`,
    {
      schema: {
        tags,
        summary:
          "The stdout and stderr of a run's steps (the latest attempt of each; live while a step runs)",
        description:
          'To follow a running step, pass back the `stdout_next` and `stderr_next` of the previous answer as ' +
          '`stdout_offset` and `stderr_offset`: each stream then holds only what was written since. An offset ' +
          'past the end of a stream (a new attempt began) answers the whole stream, with `stdout_offset` 0. ' +
          'Offsets count bytes of the UTF-8 log, and only what follows them is read; while a step runs, a ' +
          'character still being written is left for the next read (`stdout_next` stops before it).',
        params: Type.Object({ run_id: RunIdItem }),
        querystring: Type.Object({
          step: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
          item: Type.Optional(Type.Integer({ minimum: 0 })),
          stdout_offset: Type.Optional(
            Type.Integer({ minimum: 0, description: 'answer stdout from here (a previous stdout_next)' }),
          ),
          stderr_offset: Type.Optional(
            Type.Integer({ minimum: 0, description: 'answer stderr from here (a previous stderr_next)' }),
          ),
        }),
        response: {
          200: Type.Object({
            logs: Type.Array(
              Type.Object({
                step: Type.String(),
                item_index: Nullable(Type.Integer()),
                state: Type.String(),
                attempt: Type.Integer(),
                stdout: Type.String(),
                stderr: Type.String(),
                stdout_offset: Type.Integer({ description: 'where the stdout answered starts (bytes)' }),
                stdout_next: Type.Integer({ description: 'the stdout_offset of the next call (bytes)' }),
                stderr_offset: Type.Integer(),
                stderr_next: Type.Integer(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const { stdout_offset: stdout, stderr_offset: stderr } = req.query;
      const logs = await pipelines.logs(
        req.params.run_id,
        {
          ...(req.query.step !== undefined ? { step: req.query.step } : {}),
          ...(req.query.item !== undefined ? { item: req.query.item } : {}),
        },
        { ...(stdout !== undefined ? { stdout } : {}), ...(stderr !== undefined ? { stderr } : {}) },
      );
      return { logs: logs.map(stepLogToWire) };
    },
  );

  app.post(
    `${prefix}/plan`,
    {
      schema: {
        tags,
        summary: 'What a run would take from the cache and what it would run, and why (nothing runs)',
        body: StartIn,
        response: {
          200: Type.Object({
            plan: Type.Array(
              Type.Object({
                step: Type.String(),
                item_index: Nullable(Type.Integer()),
                decision: Type.String({ enum: ['hit', 'miss', 'disabled', 'skip', 'unknown'] }),
                reason: Type.String(),
                changed: Type.Array(Type.String()),
                key: Nullable(Type.String()),
                cached_from_run: Nullable(Type.String()),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const plan = await pipelines.plan({
        name: req.body.pipeline,
        ...(versionOf(req.body.version) !== undefined ? { version: versionOf(req.body.version) } : {}),
        params: req.body.params ?? {},
      });
      return {
        plan: plan.map(planEntryToWire),
      };
    },
  );
}

/** Where step processes reach this server: its own address (a wildcard address is reached on loopback). */
export function trackingUriOf(app: FastifyInstance): string | undefined {
  const bound = app.server.address();
  if (bound === null || typeof bound !== 'object') return undefined;
  const host = bound.address === '0.0.0.0' ? '127.0.0.1' : bound.address === '::' ? '::1' : bound.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound.port}`;
}

const pipelineName = (input: AuditedInput) => ({
  type: 'pipeline',
  id: auditIdentifier(input, 'pipeline') ?? null,
});
const pipelineRun = (input: AuditedInput) => ({
  type: 'pipeline_run',
  id: auditIdentifier(input, 'run_id') ?? null,
});

/**
 * Who may do what. Defining a pipeline is for administrators (it names commands the server runs); running,
 * cancelling and resuming need EDIT (update) on the pipeline's experiment (named after it; a pipeline run is an MLflow run
 * there), reading runs and logs and planning need READ on it; lists show what the caller may read.
 */
export const pipelinePolicies: PolicyTable = {
  [`POST ${prefix}/definitions`]: {
    ...adminOnly,
    audit: (input) => ({ type: 'pipeline', id: documentName(input) }),
  },
  [`GET ${prefix}/definitions`]: signedIn,
  [`GET ${prefix}/definitions/:name`]: needs(
    experiment('read', { by: 'experiment-name', from: params('name') }),
  ),
  [`POST ${prefix}/runs`]: {
    ...needs(experiment('update', { by: 'experiment-name', from: body('pipeline') })),
    audit: pipelineName,
  },
  [`GET ${prefix}/runs`]: signedIn,
  [`GET ${prefix}/runs/:run_id`]: needs(experiment('read', runIn(params('run_id')))),
  [`POST ${prefix}/runs/:run_id/cancel`]: {
    ...needs(experiment('update', runIn(params('run_id')))),
    audit: pipelineRun,
  },
  [`POST ${prefix}/runs/:run_id/resume`]: {
    ...needs(experiment('update', runIn(params('run_id')))),
    audit: pipelineRun,
  },
  [`GET ${prefix}/runs/:run_id/logs`]: needs(experiment('read', runIn(params('run_id')))),
  [`POST ${prefix}/plan`]: {
    ...needs(experiment('read', { by: 'experiment-name', from: body('pipeline') })),
    audit: pipelineName,
  },
};

function documentName(input: AuditedInput): string | null {
  const document = (input.body as { document?: unknown } | null)?.document;
  if (typeof document === 'object' && document !== null) {
    const name = (document as { name?: unknown }).name;
    if (typeof name === 'string') return name.slice(0, 128);
  }
  return null;
}

/**
 * Pipeline definitions, runs, logs and plans. Once the server listens, step processes are pointed at it and runs
 * a lost process left behind are taken over (now and every lease period); on close, running steps are handed
 * back as preemptions.
 */
export const pipelineRoutes: RoutePlugin = {
  name: 'pipelines',
  policies: pipelinePolicies,
  register(app, services) {
    registerPipelineRoutes(app, services.pipelines);
    app.addHook('onListen', async function () {
      const uri = trackingUriOf(app);
      if (uri === undefined) return;
      services.pipelines.serveAt(uri);
      services.pipelines.startRecovery(undefined, (err) => app.log.warn({ err }, 'pipeline recovery failed'));
    });
    app.addHook('onClose', async () => services.pipelines.shutdown());
  },
};
