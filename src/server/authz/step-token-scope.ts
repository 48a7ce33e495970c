import type { FastifyRequest } from 'fastify';
import { parseArtifactRequestPath } from '../../artifacts/index.js';
import type { StepTokenScope } from '../../pipelines/index.js';
import { assertNever, PermissionDeniedError } from '../../shared/index.js';
import { locateExperiments, type LocateDeps } from './locate.js';
import { readField, type ExperimentLocator, type RoutePolicy } from './policy-types.js';

/** The MLflow tracking and artifact APIs: the only routes a pipeline step token may call. */
const trackingApi = /^\/(?:ajax-)?api\/(?:2\.0|3\.0)\/(?:mlflow|mlflow-artifacts)\//;

function refused(what: string): PermissionDeniedError {
  return new PermissionDeniedError(
    `Permission denied: a pipeline step token may read its pipeline's experiment and write only its own run; ${what}.`,
  );
}

/** Whether a route only reads (a GET, or one of MLflow's POST searches). */
function readsOnly(method: string, pattern: string): boolean {
  return method === 'GET' || method === 'HEAD' || /\/search(?:-[a-z-]+)?$|\/search$/.test(pattern);
}

function ids(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * Whether a write stays within what a step may change: its own run (fields, artifacts), and logged models of
 * its pipeline's experiment (so that `mlflow.<flavor>.log_model` works). A locator that names nothing here
 * (`model_id` absent from a metric) changes nothing it could refuse.
 */
async function writesOwnRun(
  deps: LocateDeps,
  request: FastifyRequest,
  pattern: string,
  locate: ExperimentLocator,
  scope: StepTokenScope,
): Promise<boolean> {
  switch (locate.by) {
    case 'run-id':
    case 'run-ids': {
      const named = ids(readField(request, locate.from));
      return named.length > 0 && named.every((id) => id === scope.runId);
    }
    case 'artifact-path': {
      const raw = readField(request, locate.from);
      if (typeof raw !== 'string') return false;
      const path = parseArtifactRequestPath(raw, 'folder');
      const own = `${scope.experimentId}/${scope.runId}/artifacts`;
      const models = `${scope.experimentId}/models/`;
      return path === own || path.startsWith(`${own}/`) || path.startsWith(models);
    }
    case 'experiment-id':
      // Creating a logged model in the pipeline's experiment; no other creation.
      if (!pattern.endsWith('/logged-models')) return false;
      return inScope(await locateExperiments(deps, request, locate), scope);
    case 'logged-model-id':
    case 'logged-model-ids':
      return inScope(await locateExperiments(deps, request, locate), scope);
    case 'experiment-name':
    case 'model-version-source':
      return false;
  }
}

function inScope(located: Awaited<ReturnType<typeof locateExperiments>>, scope: StepTokenScope): boolean {
  return located !== 'unresolvable' && located.every((t) => t.resource === scope.experimentId);
}

/**
 * The narrowing of a pipeline step token (issue 12, point 2), checked before the user's own permissions (both must
 * allow the request): only the MLflow tracking and artifact APIs; reads only within the pipeline's experiment;
 * writes (`update`) only to the step's own run and its artifacts, and to logged models of the pipeline's
 * experiment. Administrator, user, permission, secret,
 * registry and native routes are refused, as is deleting anything. Throws PermissionDeniedError.
 */
export async function checkStepTokenScope(
  deps: LocateDeps,
  request: FastifyRequest,
  pattern: string,
  policy: RoutePolicy,
  scope: StepTokenScope,
): Promise<void> {
  if (!trackingApi.test(pattern)) refusedThrow('this route is outside the MLflow tracking API');
  for (const requirement of policy.require) {
    switch (requirement.kind) {
      case 'public':
        continue;
      case 'signed-in':
        if (!readsOnly(request.method, pattern)) refusedThrow('it may not create resources');
        continue;
      case 'experiment': {
        if (requirement.action === 'read') {
          if (!inScope(await locateExperiments(deps, request, requirement.locate), scope)) {
            refusedThrow('this request reads another experiment');
          }
          continue;
        }
        if (
          requirement.action !== 'update' ||
          !(await writesOwnRun(deps, request, pattern, requirement.locate, scope))
        ) {
          refusedThrow('this request changes something other than its own run');
        }
        continue;
      }
      case 'admin':
      case 'self-or-admin':
        refusedThrow('administrator and user routes are refused');
        continue;
      case 'registered-model':
      case 'named-resource':
        refusedThrow('registered models are refused');
        continue;
      default:
        assertNever(requirement, 'route requirement');
    }
  }
}

function refusedThrow(what: string): never {
  throw refused(what);
}
