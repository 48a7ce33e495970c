import type { FastifyRequest } from 'fastify';
import {
  monitoringFamilies,
  PROMETHEUS_CONTENT_TYPE,
  renderPrometheus,
  RequestMetrics,
} from '../../monitoring/index.js';
import { readableOf } from '../authz/index.js';
import { signedIn } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';
import type { PlatformServices } from '../../platform/index.js';
import type { TypedApp } from '../typed-app.js';

/** Where Prometheus scrapes. */
export const metricsPath = '/metrics';

/** The route pattern a request matched, or `unmatched` (so that arbitrary paths never become label values). */
function routeOf(request: FastifyRequest): string {
  const url = request.routeOptions.url;
  return url === undefined ? 'unmatched' : url;
}

/**
 * `GET /metrics`: Prometheus text exposition of the server's request counters and latencies and of every
 * monitor the caller may read (its model's read permission): drift shares and scores, performance, alert
 * states, and predictions and labels logged. It also installs the hook that counts every answered request.
 */
export function registerMetricsRoutes(app: TypedApp, services: PlatformServices): void {
  const requests = new RequestMetrics(Date.now());
  app.addHook('onResponse', async (request, reply) => {
    requests.observe(request.method, routeOf(request), reply.statusCode, reply.elapsedTime / 1000);
  });
  app.get(
    metricsPath,
    {
      schema: {
        tags: ['monitoring'],
        summary: 'Prometheus metrics: request rates and latencies, monitor drift scores and alert states',
        produces: ['text/plain'],
      },
    },
    async (req, reply) => {
      const [statuses, counts] = await Promise.all([
        services.monitoring.monitorStatuses(),
        services.monitoring.predictionCounts(),
      ]);
      const models = [...new Set([...statuses.map((s) => s.modelName), ...counts.map((c) => c.modelName)])];
      const readable = new Set(await readableOf(req, 'registered-model', models));
      const text = renderPrometheus([
        ...requests.families(),
        ...monitoringFamilies(
          statuses.filter((s) => readable.has(s.modelName)),
          counts.filter((c) => readable.has(c.modelName)),
        ),
      ]);
      return reply.type(PROMETHEUS_CONTENT_TYPE).send(text);
    },
  );
}

/** Any signed-in user (with auth off: anyone); the monitoring series are filtered to readable models. */
export const metricsPolicies: PolicyTable = { [`GET ${metricsPath}`]: signedIn };

/** The Prometheus endpoint and the request counters behind it. */
export const metricsRoutes: RoutePlugin = {
  name: 'metrics',
  policies: metricsPolicies,
  register(app, services) {
    registerMetricsRoutes(app, services);
  },
};
