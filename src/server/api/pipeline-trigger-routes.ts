import { Type } from '@sinclair/typebox';
import {
  ALERT_CHANGES,
  ALERT_CONDITION_NAMES,
  FIRING_STATES,
  firingToWire,
  TRIGGER_KINDS,
  triggerToWire,
  TriggerTokenError,
  type TriggerService,
} from '../../pipelines/index.js';
import { VersionIn } from '../id-schemas.js';
import { auditIdentifier } from '../audit/audit-identifiers.js';
import { apiPaths, body, experiment, needs, params, publicRoute, signedIn } from '../authz/policy-helpers.js';
import type { AuditedInput, PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';
import { pipelineItem, readablePipelineItems } from './pipeline-items.js';
import { trackingUriOf } from './pipeline-routes.js';
import type { TypedApp } from '../typed-app.js';
import type { PipelineService } from '../../pipelines/index.js';
import { Nullable } from './wire-schemas.js';

const prefix = `${apiPaths.native}/pipelines/triggers`;
const tags = ['pipelines'];
const Name = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' });

const TriggerOut = Type.Object({
  name: Type.String(),
  kind: Type.String({ enum: [...TRIGGER_KINDS] }),
  pipeline: Type.String(),
  version: Nullable(Type.Integer()),
  filter: Type.Record(Type.String(), Type.Unknown()),
  params: Type.Record(Type.String(), Type.Unknown()),
  enabled: Type.Boolean(),
  created_by: Type.String(),
  created_at: Type.Integer(),
});
const FiringOut = Type.Object({
  trigger: Type.String(),
  event_key: Type.String({ description: '`event:<outbox event id>` or `webhook:<key>`' }),
  event_id: Nullable(Type.Integer()),
  state: Type.String({ enum: [...FIRING_STATES] }),
  params: Nullable(Type.Record(Type.String(), Type.Unknown())),
  run_id: Nullable(Type.String()),
  error: Nullable(Type.String()),
  created_at: Type.Integer(),
});
const PathIn = Type.Object({ pipeline: Name, name: Name });

const actor = (req: { user?: { username: string } }): string => req.user?.username ?? 'anonymous';

/** The bearer token of an `Authorization` header, if it has one. */
function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** The trigger the path names; 404 when it belongs to another pipeline (the policy checked that one). */
/**
 * Pipeline triggers under /api/bosun/v1/pipelines/triggers: create, list, get (with recent firings), enable or
 * disable, delete, list firings, and the webhook call that fires a webhook trigger.
 */
export function registerPipelineTriggerRoutes(
  app: TypedApp,
  triggers: TriggerService,
  pipelines: PipelineService,
): void {
  app.post(
    prefix,
    {
      schema: {
        tags,
        summary:
          'Create a trigger: a registry event, a monitoring alert or a webhook call starts a pipeline run',
        description:
          'Runs start as the user who created the trigger. `filter` by kind: registry_event: `event_types` ' +
          '(required), `model_name`, `model_tags`, `alias`; monitoring_alert: `model_name`, `monitor_name`, ' +
          `\`conditions\` (${ALERT_CONDITION_NAMES.join(', ')}), \`states\` (${ALERT_CHANGES.join(', ')}; default firing); ` +
          "webhook: none. `params` map to the pipeline's declared parameters; strings may name event fields " +
          "(`{{event.model_name}}`, `{{event.version}}`). A webhook trigger's `token` is in this answer only.",
        body: Type.Object({
          name: Name,
          kind: Type.String({ enum: [...TRIGGER_KINDS] }),
          pipeline: Name,
          version: Type.Optional(VersionIn),
          filter: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        }),
        response: {
          200: Type.Object({
            trigger: TriggerOut,
            token: Type.Optional(
              Type.String({
                description: 'webhook triggers: the bearer token, shown once (stored as SHA-256)',
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const b = req.body;
      const created = await triggers.create({
        name: b.name,
        kind: b.kind,
        pipelineName: b.pipeline,
        ...(b.version !== undefined && b.version !== '' ? { pipelineVersion: Number(b.version) } : {}),
        filter: b.filter,
        params: b.params,
        createdBy: actor(req),
      });
      return {
        trigger: triggerToWire(created.trigger),
        ...(created.token !== undefined ? { token: created.token } : {}),
      };
    },
  );

  app.get(
    prefix,
    {
      schema: {
        tags,
        summary: 'The triggers of the pipelines the caller may read',
        querystring: Type.Object({ pipeline: Type.Optional(Name) }),
        response: { 200: Type.Object({ triggers: Type.Array(TriggerOut) }) },
      },
    },
    async (req) => {
      const all = await triggers.list(req.query.pipeline);
      return { triggers: (await readablePipelineItems(req, pipelines, all)).map(triggerToWire) };
    },
  );

  app.get(
    `${prefix}/:pipeline/:name`,
    {
      schema: {
        tags,
        summary: 'A trigger and its 20 most recent firings, newest first',
        params: PathIn,
        response: { 200: Type.Object({ trigger: TriggerOut, firings: Type.Array(FiringOut) }) },
      },
    },
    async (req) => {
      const trigger = await pipelineItem(
        'Trigger',
        (n) => triggers.get(n),
        req.params.pipeline,
        req.params.name,
      );
      const firings = await triggers.firings(trigger.name, 20);
      return { trigger: triggerToWire(trigger), firings: firings.map(firingToWire) };
    },
  );

  app.patch(
    `${prefix}/:pipeline/:name`,
    {
      schema: {
        tags,
        summary: 'Enable or disable a trigger (a disabled trigger fires nothing)',
        params: PathIn,
        body: Type.Object({ enabled: Type.Boolean() }),
        response: { 200: Type.Object({ trigger: TriggerOut }) },
      },
    },
    async (req) => {
      const trigger = await pipelineItem(
        'Trigger',
        (n) => triggers.get(n),
        req.params.pipeline,
        req.params.name,
      );
      return { trigger: triggerToWire(await triggers.setEnabled(trigger.name, req.body.enabled)) };
    },
  );

  app.delete(
    `${prefix}/:pipeline/:name`,
    {
      schema: {
        tags,
        summary: 'Delete a trigger and its firings (runs already started go on)',
        params: PathIn,
        response: { 200: Type.Object({}) },
      },
    },
    async (req) => {
      const trigger = await pipelineItem(
        'Trigger',
        (n) => triggers.get(n),
        req.params.pipeline,
        req.params.name,
      );
      await triggers.delete(trigger.name);
      return {};
    },
  );

  app.get(
    `${prefix}/:pipeline/:name/firings`,
    {
      schema: {
        tags,
        summary:
          "A trigger's firings (the event or call, its state, the run it started or why not), newest first",
        params: PathIn,
        querystring: Type.Object({ max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        response: { 200: Type.Object({ firings: Type.Array(FiringOut) }) },
      },
    },
    async (req) => {
      const trigger = await pipelineItem(
        'Trigger',
        (n) => triggers.get(n),
        req.params.pipeline,
        req.params.name,
      );
      const firings = await triggers.firings(trigger.name, req.query.max_results ?? 100);
      return { firings: firings.map(firingToWire) };
    },
  );

  app.post(
    `${prefix}/:pipeline/:name/fire`,
    {
      schema: {
        tags,
        summary:
          "Fire a webhook trigger (for CI): needs the trigger's token as `Authorization: Bearer <token>`",
        description:
          "`params` are merged over the trigger's and checked against the pipeline's declared parameters (400 " +
          'and no run when they do not fit). `key` (or an `Idempotency-Key` header), e.g. the CI job id: a second ' +
          'call with the same key starts nothing and answers the first firing (`duplicate: true`). A missing or ' +
          'wrong token answers 401 UNAUTHENTICATED.',
        params: PathIn,
        // A call may send no body at all (null here): the trigger's own parameters then apply.
        body: Nullable(
          Type.Object({
            params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
            key: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          }),
        ),
        response: { 200: Type.Object({ firing: FiringOut, duplicate: Type.Boolean() }) },
      },
    },
    async (req, reply) => {
      try {
        return await fireWebhook(req.params, req.body, req.headers);
      } catch (err) {
        // A 401 names the scheme it wants (RFC 9110): the trigger's token, as a bearer token.
        if (err instanceof TriggerTokenError) void reply.header('www-authenticate', 'Bearer realm="bosun"');
        throw err;
      }
    },
  );

  /** The webhook call: the path names the trigger, the body (or the Idempotency-Key header) the key. */
  async function fireWebhook(
    path: { pipeline: string; name: string },
    body: { params?: Record<string, unknown>; key?: string } | null,
    headers: { authorization?: string; 'idempotency-key'?: string | string[] },
  ) {
    const header = headers['idempotency-key'];
    const key = body?.key ?? (typeof header === 'string' && header !== '' ? header : undefined);
    // The path's pipeline must be the trigger's: otherwise the same 401 as a wrong token (nothing is revealed).
    const trigger = await triggers.get(path.name).catch(() => undefined);
    if (trigger === undefined || trigger.pipelineName !== path.pipeline) throw new TriggerTokenError();
    const { firing, duplicate } = await triggers.fireWebhook(path.name, bearerOf(headers.authorization), {
      ...(body?.params !== undefined ? { params: body.params } : {}),
      ...(key !== undefined ? { key } : {}),
    });
    return { firing: firingToWire(firing), duplicate };
  }
}

const triggerResource = (input: AuditedInput) => ({
  type: 'pipeline_trigger',
  id: auditIdentifier(input, 'name') ?? null,
});

/**
 * Who may trigger: creating, changing and deleting a trigger need EDIT on the pipeline's experiment (as starting
 * a run does: its runs start as the trigger's creator); reading one and its firings needs READ; the list shows the
 * triggers of readable pipelines. The webhook call is public to the auth layer: the trigger's own bearer token
 * authenticates it. Changes and calls are audited (resource `pipeline_trigger`).
 */
export const pipelineTriggerPolicies: PolicyTable = {
  [`POST ${prefix}`]: {
    ...needs(experiment('update', { by: 'experiment-name', from: body('pipeline') })),
    audit: triggerResource,
  },
  [`GET ${prefix}`]: signedIn,
  [`GET ${prefix}/:pipeline/:name`]: needs(
    experiment('read', { by: 'experiment-name', from: params('pipeline') }),
  ),
  [`PATCH ${prefix}/:pipeline/:name`]: {
    ...needs(experiment('update', { by: 'experiment-name', from: params('pipeline') })),
    audit: triggerResource,
  },
  [`DELETE ${prefix}/:pipeline/:name`]: {
    ...needs(experiment('update', { by: 'experiment-name', from: params('pipeline') })),
    audit: triggerResource,
  },
  [`GET ${prefix}/:pipeline/:name/firings`]: needs(
    experiment('read', { by: 'experiment-name', from: params('pipeline') }),
  ),
  [`POST ${prefix}/:pipeline/:name/fire`]: { ...publicRoute, audit: triggerResource },
};

/**
 * Pipeline triggers. Once the server listens, its loop (every 5 s, and at once when the event consumer records
 * firings) starts pending firings in this server; with several servers each firing starts once.
 */
export const pipelineTriggerRoutes: RoutePlugin = {
  name: 'pipeline-triggers',
  policies: pipelineTriggerPolicies,
  register(app, services) {
    registerPipelineTriggerRoutes(app, services.triggers, services.pipelines);
    app.addHook('onListen', async function () {
      // Only where runs can start: a server that serves the tracking API its steps log to.
      if (trackingUriOf(app) === undefined) return;
      services.triggers.startLoop(5_000, (err) => app.log.warn({ err }, 'pipeline trigger round failed'));
    });
    app.addHook('onClose', async () => services.triggers.stopLoop());
  },
};
