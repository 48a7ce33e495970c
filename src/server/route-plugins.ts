import { mlflowTrackingRoutes } from './mlflow/index.js';
import { mlflowRegistryRoutes } from './mlflow/registry-routes.js';
import { mlflowAuthRoutes } from './mlflow/auth-routes.js';
import { artifactRoutes } from './mlflow/artifact-routes.js';
import { registryEventRoutes } from './api/registry-event-routes.js';
import { governanceRoutes } from './api/governance-routes.js';
import { lineageRoutes } from './api/lineage-routes.js';
import { metricHistoryRoutes } from './api/metric-history-routes.js';
import { pipelineRoutes } from './api/pipeline-routes.js';
import { pipelineScheduleRoutes } from './api/pipeline-schedule-routes.js';
import { pipelineApprovalRoutes } from './api/pipeline-approval-routes.js';
import { pipelineTriggerRoutes } from './api/pipeline-trigger-routes.js';
import { pipelineCostRoutes } from './api/pipeline-cost-routes.js';
import { pipelineWorkerRoutes } from './api/pipeline-workers-routes.js';
import { secretRoutes } from './api/secret-routes.js';
import { userRoutes } from './api/user-routes.js';
import { sessionRoutes } from './api/session-routes.js';
import { importRoutes } from './api/import-routes.js';
import { auditRoutes } from './audit/audit-routes.js';
import { corsRoutes } from './auth/install-cors.js';
import { systemRoutes } from './system-routes.js';
import { metricsRoutes } from './api/metrics-routes.js';
import { monitoringRoutes } from './api/monitoring-routes.js';
import { openApiRoutes } from './openapi-route.js';
import { webUiRoutes } from './ui/index.js';
import type { RoutePlugin } from './route-plugin.js';

/**
 * Every route plugin of the server, in registration order. A new domain adds its plugin here (and its service
 * in src/platform); its routes, policies and audit naming live in its own route module.
 */
export const routePlugins: readonly RoutePlugin[] = [
  corsRoutes,
  // Early: its hook counts the requests of every route registered after it.
  metricsRoutes,
  systemRoutes,
  mlflowTrackingRoutes,
  mlflowRegistryRoutes,
  registryEventRoutes,
  governanceRoutes,
  lineageRoutes,
  metricHistoryRoutes,
  pipelineRoutes,
  // After pipelineRoutes: its onListen hook points runs at this server before the schedule loop starts.
  pipelineScheduleRoutes,
  pipelineApprovalRoutes,
  // After pipelineRoutes too: runs must point at this server before the trigger loop starts them.
  pipelineTriggerRoutes,
  pipelineCostRoutes,
  pipelineWorkerRoutes,
  monitoringRoutes,
  auditRoutes,
  secretRoutes,
  userRoutes,
  sessionRoutes,
  importRoutes,
  mlflowAuthRoutes,
  artifactRoutes,
  openApiRoutes,
  // The web UI's files at / and /assets/ (after every API route; it declares no other path).
  webUiRoutes(),
];
