import { Type } from '@sinclair/typebox';
import {
  CATCH_UP_POLICIES,
  fireToWire,
  MAX_BACKFILL_RUNS,
  scheduleToWire,
  type PipelineSchedule,
  type PipelineService,
  type ScheduleService,
} from '../../pipelines/index.js';
import { InvalidParameterError } from '../../shared/index.js';
import { VersionIn } from '../id-schemas.js';
import { auditIdentifier } from '../audit/audit-identifiers.js';
import { apiPaths, body, experiment, needs, params, signedIn } from '../authz/policy-helpers.js';
import type { AuditedInput, PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';
import { pipelineItem, readablePipelineItems } from './pipeline-items.js';
import { trackingUriOf } from './pipeline-routes.js';
import type { TypedApp } from '../typed-app.js';
import { Nullable } from './wire-schemas.js';

const prefix = `${apiPaths.native}/pipelines/schedules`;
const tags = ['pipelines'];
const Name = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' });

const ScheduleOut = Type.Object({
  name: Type.String(),
  pipeline: Type.String(),
  version: Nullable(Type.Integer()),
  cron: Type.String(),
  timezone: Type.String(),
  params: Type.Record(Type.String(), Type.Unknown()),
  catch_up: Type.String({ enum: [...CATCH_UP_POLICIES] }),
  catch_up_cap: Type.Integer(),
  max_concurrent: Type.Integer(),
  enabled: Type.Boolean(),
  next_fire_at: Nullable(Type.Integer({ description: 'epoch ms' })),
  last_fire_at: Nullable(Type.Integer()),
  missed: Type.Integer({ description: 'scheduled times skipped by the catch-up policy' }),
  created_by: Type.String(),
  created_at: Type.Integer(),
});
const FireOut = Type.Object({
  fire_time: Type.Integer({ description: 'the scheduled time, epoch ms' }),
  source: Type.String({ enum: ['cron', 'backfill'] }),
  state: Type.String({ enum: ['pending', 'starting', 'started', 'finished', 'failed'] }),
  run_id: Nullable(Type.String()),
  error: Nullable(Type.String()),
});
const PathIn = Type.Object({ pipeline: Name, name: Name });

/** A time as ISO 8601 text (`2026-06-01`, `2026-06-01T06:00:00+02:00`) or epoch ms. */
function timeOf(value: string | number, field: string): number {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new InvalidParameterError(
      `Invalid value for ${field}: '${String(value).slice(0, 64)}' (expected an ISO 8601 time or epoch ms)`,
    );
  }
  return ms;
}

const actor = (req: { user?: { username: string } }): string => req.user?.username ?? 'anonymous';

/** The schedule the path names; 404 when it belongs to another pipeline (the policy checked that one). */
/** Pipeline schedules under /api/bosun/v1/pipelines/schedules: create, list, get (with its fires), delete, backfill. */
export function registerPipelineScheduleRoutes(
  app: TypedApp,
  schedules: ScheduleService,
  pipelines: PipelineService,
): void {
  app.post(
    prefix,
    {
      schema: {
        tags,
        summary:
          'Schedule a pipeline: cron in a time zone, with a catch-up policy for times missed while down',
        description:
          'Runs start as the user who created the schedule. `catch_up`: `skip` (missed times are not run), ' +
          '`latest` (the most recent missed time runs; the default) or `all` (every missed time, at most ' +
          '`catch_up_cap`). `{{scheduled_time}}` in a string parameter becomes the scheduled time (ISO 8601, UTC).',
        body: Type.Object({
          name: Name,
          pipeline: Name,
          version: Type.Optional(VersionIn),
          cron: Type.String({
            minLength: 1,
            maxLength: 200,
            description: '5 fields, or 6 with seconds first',
          }),
          timezone: Type.Optional(
            Type.String({ minLength: 1, maxLength: 64, description: 'IANA; default UTC' }),
          ),
          params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          catch_up: Type.Optional(Type.String({ enum: [...CATCH_UP_POLICIES] })),
          catch_up_cap: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BACKFILL_RUNS })),
          max_concurrent: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        }),
        response: { 200: Type.Object({ schedule: ScheduleOut }) },
      },
    },
    async (req) => {
      const b = req.body;
      // The pipeline must exist (and its version, when pinned).
      await pipelines.store.getDefinition(
        b.pipeline,
        b.version === undefined || b.version === '' ? undefined : Number(b.version),
      );
      const schedule = await schedules.create({
        name: b.name,
        pipelineName: b.pipeline,
        ...(b.version !== undefined && b.version !== '' ? { pipelineVersion: Number(b.version) } : {}),
        cron: b.cron,
        ...(b.timezone !== undefined ? { timezone: b.timezone } : {}),
        ...(b.params !== undefined ? { params: b.params } : {}),
        ...(b.catch_up !== undefined ? { catchUp: b.catch_up as PipelineSchedule['catchUp'] } : {}),
        ...(b.catch_up_cap !== undefined ? { catchUpCap: b.catch_up_cap } : {}),
        ...(b.max_concurrent !== undefined ? { maxConcurrent: b.max_concurrent } : {}),
        createdBy: actor(req),
      });
      return { schedule: scheduleToWire(schedule) };
    },
  );

  app.get(
    prefix,
    {
      schema: {
        tags,
        summary: 'The schedules of the pipelines the caller may read',
        querystring: Type.Object({ pipeline: Type.Optional(Name) }),
        response: { 200: Type.Object({ schedules: Type.Array(ScheduleOut) }) },
      },
    },
    async (req) => {
      const all = await schedules.list(req.query.pipeline);
      return { schedules: (await readablePipelineItems(req, pipelines, all)).map(scheduleToWire) };
    },
  );

  app.get(
    `${prefix}/:pipeline/:name`,
    {
      schema: {
        tags,
        summary: 'A schedule and its most recent scheduled times (cron and backfill), newest first',
        params: PathIn,
        response: { 200: Type.Object({ schedule: ScheduleOut, fires: Type.Array(FireOut) }) },
      },
    },
    async (req) => {
      const schedule = await pipelineItem(
        'Schedule',
        (n) => schedules.get(n),
        req.params.pipeline,
        req.params.name,
      );
      const fires = await schedules.fires(schedule.name, 100);
      return { schedule: scheduleToWire(schedule), fires: fires.map(fireToWire) };
    },
  );

  app.delete(
    `${prefix}/:pipeline/:name`,
    {
      schema: {
        tags,
        summary: 'Delete a schedule and its times not started yet (runs already started go on)',
        params: PathIn,
        response: { 200: Type.Object({}) },
      },
    },
    async (req) => {
      const schedule = await pipelineItem(
        'Schedule',
        (n) => schedules.get(n),
        req.params.pipeline,
        req.params.name,
      );
      await schedules.delete(schedule.name);
      return {};
    },
  );

  app.post(
    `${prefix}/:pipeline/:name/backfill`,
    {
      schema: {
        tags,
        summary:
          'Queue a run for every scheduled time in [from, to], at most max_concurrent at once, oldest first',
        description: `A time already backfilled is not queued again; more than ${MAX_BACKFILL_RUNS} times are refused.`,
        params: PathIn,
        body: Type.Object({
          from: Type.Union([Type.String({ maxLength: 64 }), Type.Integer()]),
          to: Type.Union([Type.String({ maxLength: 64 }), Type.Integer()]),
          max_concurrent: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        }),
        response: {
          200: Type.Object({ queued: Type.Integer(), fire_times: Type.Array(Type.Integer()) }),
        },
      },
    },
    async (req) => {
      const schedule = await pipelineItem(
        'Schedule',
        (n) => schedules.get(n),
        req.params.pipeline,
        req.params.name,
      );
      const result = await schedules.backfill({
        name: schedule.name,
        fromMs: timeOf(req.body.from, 'from'),
        toMs: timeOf(req.body.to, 'to'),
        ...(req.body.max_concurrent !== undefined ? { maxConcurrent: req.body.max_concurrent } : {}),
      });
      // The loop starts the first ones now rather than at its next round.
      schedules.wake();
      return { queued: result.queued, fire_times: result.fireTimes };
    },
  );
}

const scheduleResource = (input: AuditedInput) => ({
  type: 'pipeline_schedule',
  id: auditIdentifier(input, 'name') ?? null,
});

/**
 * Who may schedule: creating, deleting and backfilling a schedule need EDIT on the pipeline's experiment (as
 * starting a run does: the runs start as the schedule's creator); reading one needs READ; the list shows the
 * schedules of readable pipelines. Changes are audited (resource `pipeline_schedule`).
 */
export const pipelineSchedulePolicies: PolicyTable = {
  [`POST ${prefix}`]: {
    ...needs(experiment('update', { by: 'experiment-name', from: body('pipeline') })),
    audit: scheduleResource,
  },
  [`GET ${prefix}`]: signedIn,
  [`GET ${prefix}/:pipeline/:name`]: needs(
    experiment('read', { by: 'experiment-name', from: params('pipeline') }),
  ),
  [`DELETE ${prefix}/:pipeline/:name`]: {
    ...needs(experiment('update', { by: 'experiment-name', from: params('pipeline') })),
    audit: scheduleResource,
  },
  [`POST ${prefix}/:pipeline/:name/backfill`]: {
    ...needs(experiment('update', { by: 'experiment-name', from: params('pipeline') })),
    audit: scheduleResource,
  },
};

/**
 * Pipeline schedules. Once the server listens, its loop (every 10 s) records due times and starts their runs in
 * this server; with several servers on one database each time starts once.
 */
export const pipelineScheduleRoutes: RoutePlugin = {
  name: 'pipeline-schedules',
  policies: pipelineSchedulePolicies,
  register(app, services) {
    registerPipelineScheduleRoutes(app, services.schedules, services.pipelines);
    app.addHook('onListen', async function () {
      // Only where runs can start: a server that serves the tracking API its steps log to.
      if (trackingUriOf(app) === undefined) return;
      services.schedules.startLoop(10_000, (err) => app.log.warn({ err }, 'pipeline schedule round failed'));
    });
    app.addHook('onClose', async () => services.schedules.stopLoop());
  },
};
