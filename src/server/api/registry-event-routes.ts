import { visibilityFilter } from '../authz/index.js';
import { Type } from '@sinclair/typebox';
import type { EventPage, ListEventsQuery, RegistryEvent } from '../../registry/events/index.js';
import {
  parseSubscriptionId,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookService,
  type WebhookSubscription,
} from '../../registry/webhooks/index.js';
import { SerialIdParam, VersionQueryIn } from '../id-schemas.js';
import type { TypedApp } from '../typed-app.js';
import { adminOnly, apiPaths, signedIn } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';
import { nameResources } from '../audit/index.js';

/** What the routes need: the event query API and the webhook service. */
export interface RegistryEventRouteDeps {
  events: { listEvents(query: ListEventsQuery): Promise<EventPage> };
  webhooks: WebhookService;
}

const prefix = '/api/bosun/v1';
const tags = ['registry events'];

const EventOut = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  model_name: Type.String(),
  version: Type.Optional(Type.String()),
  actor: Type.Optional(Type.String()),
  payload: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.Integer({ description: 'epoch milliseconds' }),
});
const WebhookOut = Type.Object({
  id: Type.Integer(),
  model_name: Type.Optional(Type.String({ description: 'absent: every model' })),
  url: Type.String(),
  events: Type.Array(Type.String(), { description: 'empty: every event type' }),
  format: Type.String({ description: "how deliveries are written: 'bosun', 'slack' or 'pagerduty'" }),
  active: Type.Boolean(),
  created_at: Type.Integer(),
});
const CreatedWebhookOut = Type.Intersect([
  WebhookOut,
  Type.Object({
    secret: Type.Optional(
      Type.String({
        description:
          'the generated HMAC key, shown only in this answer; absent when the request gave its own secret',
      }),
    ),
  }),
]);
const AttemptOut = Type.Object({
  attempt: Type.Integer(),
  status_code: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.String()),
  duration_ms: Type.Integer(),
  created_at: Type.Integer(),
});
const DeliveryOut = Type.Object({
  id: Type.Integer(),
  subscription_id: Type.Integer(),
  event_id: Type.Integer(),
  event_type: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  next_attempt_at: Type.Optional(Type.Integer()),
  last_status_code: Type.Optional(Type.Integer()),
  last_error: Type.Optional(Type.String()),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
  attempt_log: Type.Array(AttemptOut),
});
const IdParams = Type.Object({ id: SerialIdParam });
const PageQuery = {
  max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  page_token: Type.Optional(Type.String()),
};

function eventToWire(e: RegistryEvent) {
  return {
    id: e.id,
    type: e.type,
    model_name: e.modelName,
    ...(e.version !== undefined ? { version: e.version } : {}),
    ...(e.actor !== undefined ? { actor: e.actor } : {}),
    payload: e.payload,
    created_at: e.createdAt,
  };
}

function webhookToWire(w: WebhookSubscription) {
  return {
    id: w.id,
    ...(w.modelName !== undefined ? { model_name: w.modelName } : {}),
    url: w.url,
    events: w.events,
    format: w.format,
    active: w.active,
    created_at: w.createdAt,
  };
}

function attemptToWire(a: WebhookAttempt) {
  return {
    attempt: a.attempt,
    ...(a.statusCode !== undefined ? { status_code: a.statusCode } : {}),
    ...(a.error !== undefined ? { error: a.error } : {}),
    duration_ms: a.durationMs,
    created_at: a.createdAt,
  };
}

function deliveryToWire(d: WebhookDelivery) {
  return {
    id: d.id,
    subscription_id: d.subscriptionId,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    attempts: d.attempts,
    ...(d.status === 'pending' ? { next_attempt_at: d.nextAttemptAt } : {}),
    ...(d.lastStatusCode !== undefined ? { last_status_code: d.lastStatusCode } : {}),
    ...(d.lastError !== undefined ? { last_error: d.lastError } : {}),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    attempt_log: d.log.map(attemptToWire),
  };
}

/** `type=a&type=b` and `type=a,b` both mean a or b. */
function typesFrom(raw: readonly string[] | undefined): string[] | undefined {
  const types = (raw ?? [])
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return types.length > 0 ? types : undefined;
}

/**
 * The native API for registry events and webhooks, under /api/bosun/v1: the event log, and webhook
 * subscriptions with their delivery log. Errors are BosunErrors, formatted by the app's error handler. No route
 * returns a signing secret, except the creation answer for a secret the server generated.
 * Example (composition root): `registerRegistryEventRoutes(app, { events: eventSink, webhooks })`.
 */
export function registerRegistryEventRoutes(app: TypedApp, deps: RegistryEventRouteDeps): void {
  app.get(
    `${prefix}/registry/events`,
    {
      schema: {
        tags,
        summary: 'Registry events, oldest first, filtered by model, version, type and time',
        querystring: Type.Object({
          model_name: Type.Optional(Type.String()),
          version: Type.Optional(VersionQueryIn),
          type: Type.Optional(Type.Array(Type.String(), { description: 'repeat or comma-separate' })),
          since: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch milliseconds' })),
          order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
          ...PageQuery,
        }),
        response: {
          200: Type.Object({ events: Type.Array(EventOut), next_page_token: Type.Optional(Type.String()) }),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const query: ListEventsQuery = { ...(await visibilityFilter(req, 'registered-model')) };
      if (q.model_name !== undefined) query.modelName = q.model_name;
      if (q.version !== undefined && q.version !== '') query.version = q.version;
      const types = typesFrom(q.type);
      if (types) query.types = types;
      if (q.since !== undefined) query.since = q.since;
      if (q.order !== undefined) query.order = q.order;
      if (q.max_results !== undefined) query.maxResults = q.max_results;
      if (q.page_token !== undefined) query.pageToken = q.page_token;
      const page = await deps.events.listEvents(query);
      return {
        events: page.events.map(eventToWire),
        ...(page.nextPageToken !== undefined ? { next_page_token: page.nextPageToken } : {}),
      };
    },
  );

  app.post(
    `${prefix}/webhooks`,
    {
      schema: {
        tags,
        summary:
          'Subscribe a URL to registry events (one model or all). The signing secret is kept encrypted in the ' +
          'secret store (needs a master key); a generated one is shown only in this answer',
        body: Type.Object({
          url: Type.String({ maxLength: 2048 }),
          model_name: Type.Optional(Type.String()),
          events: Type.Optional(Type.Array(Type.String())),
          secret: Type.Optional(
            Type.String({
              description: "the HMAC key (16 to 256 characters); for 'pagerduty', the routing key",
            }),
          ),
          format: Type.Optional(
            Type.String({
              description:
                "'bosun' (default: Bosun's event), 'slack' (an incoming-webhook message) or 'pagerduty' (Events API v2, monitor alerts only)",
            }),
          ),
        }),
        response: { 200: Type.Object({ webhook: CreatedWebhookOut }) },
      },
    },
    async (req) => {
      const b = req.body;
      const created = await deps.webhooks.create({
        url: b.url,
        ...(b.model_name !== undefined ? { modelName: b.model_name } : {}),
        ...(b.events !== undefined ? { events: b.events } : {}),
        ...(b.secret !== undefined ? { secret: b.secret } : {}),
        ...(b.format !== undefined ? { format: b.format } : {}),
      });
      return {
        webhook: {
          ...webhookToWire(created),
          ...(created.secret !== undefined ? { secret: created.secret } : {}),
        },
      };
    },
  );

  app.get(
    `${prefix}/webhooks`,
    {
      schema: {
        tags,
        summary: 'Webhook subscriptions (without their secrets)',
        querystring: Type.Object({ model_name: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ webhooks: Type.Array(WebhookOut) }) },
      },
    },
    async (req) => {
      const filter = req.query.model_name !== undefined ? { modelName: req.query.model_name } : {};
      return { webhooks: (await deps.webhooks.list(filter)).map(webhookToWire) };
    },
  );

  app.get(
    `${prefix}/webhooks/:id`,
    {
      schema: {
        tags,
        summary: 'One webhook subscription',
        params: IdParams,
        response: { 200: Type.Object({ webhook: WebhookOut }) },
      },
    },
    async (req) => ({ webhook: webhookToWire(await deps.webhooks.get(parseSubscriptionId(req.params.id))) }),
  );

  app.delete(
    `${prefix}/webhooks/:id`,
    {
      schema: {
        tags,
        summary: 'Delete a webhook subscription with its deliveries',
        params: IdParams,
        response: { 200: Type.Object({}) },
      },
    },
    async (req) => {
      await deps.webhooks.delete(parseSubscriptionId(req.params.id));
      return {};
    },
  );

  app.get(
    `${prefix}/webhooks/:id/deliveries`,
    {
      schema: {
        tags,
        summary: 'Deliveries of a subscription, newest first, each with its attempt log',
        params: IdParams,
        querystring: Type.Object(PageQuery),
        response: {
          200: Type.Object({
            deliveries: Type.Array(DeliveryOut),
            next_page_token: Type.Optional(Type.String()),
          }),
        },
      },
    },
    async (req) => {
      const id = parseSubscriptionId(req.params.id);
      const { max_results: maxResults, page_token: pageToken } = req.query;
      const page = await deps.webhooks.listDeliveries(id, {
        ...(maxResults !== undefined ? { maxResults } : {}),
        ...(pageToken !== undefined ? { pageToken } : {}),
      });
      return {
        deliveries: page.deliveries.map(deliveryToWire),
        ...(page.nextPageToken !== undefined ? { next_page_token: page.nextPageToken } : {}),
      };
    },
  );
}

const native = apiPaths.native;

/** Webhooks see every registry event, whichever model: administrators only. The event log filters by grants. */
export const registryEventPolicies: PolicyTable = {
  [`GET ${native}/webhooks`]: adminOnly,
  [`POST ${native}/webhooks`]: adminOnly,
  [`GET ${native}/webhooks/:id`]: adminOnly,
  [`DELETE ${native}/webhooks/:id`]: adminOnly,
  [`GET ${native}/webhooks/:id/deliveries`]: adminOnly,
  ...nameResources('registry', { [`GET ${native}/registry/events`]: signedIn }),
};

/** The registry event log and webhook subscriptions. */
export const registryEventRoutes: RoutePlugin = {
  name: 'registry-events',
  policies: registryEventPolicies,
  register(app, services) {
    registerRegistryEventRoutes(app, { events: services.events.registry, webhooks: services.webhooks });
  },
};
