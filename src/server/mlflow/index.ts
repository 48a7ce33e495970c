import type { TrackingService } from '../../tracking/index.js';
import type { TypedApp } from '../typed-app.js';
import { registerExperimentRoutes } from './experiment-routes.js';
import { useLenientJsonBodies } from './json-body.js';
import { registerLoggedModelRoutes } from './logged-model-routes.js';
import { registerMetricRoutes } from './metric-routes.js';
import { registerRunRoutes } from './run-routes.js';
import { experimentPolicies } from './experiment-routes.js';
import { loggedModelPolicies } from './logged-model-routes.js';
import { metricPolicies } from './metric-routes.js';
import { runPolicies } from './run-routes.js';
import {
  registerUiOnlyTrackingRoutes,
  registerUiTrackingRoutes,
  uiTrackingPolicies,
} from './ui-tracking-routes.js';
import { combinePolicies } from '../authz/route-policies.js';
import { nameResources } from '../audit/index.js';
import type { RoutePlugin } from '../route-plugin.js';

/** Where the MLflow client sends tracking calls, and where MLflow's web UI sends the same ones. */
export const mlflowPrefixes = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;

/**
 * Registers MLflow's tracking and logged-model API (the wire adapter) under both MLflow prefixes. Each prefix
 * is its own encapsulated scope with the lenient JSON body parser; the `/ajax-api` copies are left out of
 * the OpenAPI document.
 */
export async function registerMlflowRoutes(app: TypedApp, tracking: TrackingService): Promise<void> {
  for (const prefix of mlflowPrefixes) {
    await app.register(
      async (scope: TypedApp) => {
        if (prefix.startsWith('/ajax-api')) {
          scope.addHook('onRoute', (route) => {
            route.schema = { ...route.schema, hide: true };
          });
        }
        useLenientJsonBodies(scope);
        registerExperimentRoutes(scope, tracking);
        registerRunRoutes(scope, tracking);
        registerMetricRoutes(scope, tracking);
        registerLoggedModelRoutes(scope, tracking);
        registerUiTrackingRoutes(scope, tracking);
      },
      { prefix },
    );
  }
  // Routes MLflow serves to its web UI only: no /api twin, so they stay in the OpenAPI document.
  await app.register(
    async (scope: TypedApp) => {
      registerUiOnlyTrackingRoutes(scope, tracking);
    },
    { prefix: mlflowPrefixes[1] },
  );
}

/** MLflow's tracking API: experiments, runs, metrics and logged models, and the web UI's extra tracking routes. */
export const mlflowTrackingRoutes: RoutePlugin = {
  name: 'mlflow-tracking',
  policies: combinePolicies({
    experiments: nameResources('experiments', experimentPolicies),
    runs: runPolicies,
    metrics: metricPolicies,
    'logged-models': loggedModelPolicies,
    'web-ui': uiTrackingPolicies,
  }),
  async register(app, services) {
    await registerMlflowRoutes(app, services.tracking);
  },
};
