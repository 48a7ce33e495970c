import type { FastifyRequest } from 'fastify';
import { normaliseArtifactPath, parseArtifactRequestPath } from '../../artifacts/index.js';
import { parseModelVersionSource } from '../../registry/index.js';
import type { ResourceKind } from '../../security/permissions/index.js';
import { InvalidParameterError, NotFoundError } from '../../shared/index.js';
import { int32Max, isExperimentId } from '../../shared/index.js';
import type { TrackingService } from '../../tracking/index.js';
import { readField, type ExperimentLocator, type ModelLocator } from './policy-types.js';

/** One resource a request touches. */
export interface Target {
  kind: ResourceKind;
  resource: string;
}

/**
 * What a locator found: the resources (none when the request names nothing the check applies to, e.g. an
 * unknown run, left for the route to answer 404), or `unresolvable` when the request names something no grant
 * can cover (an artifact path outside any experiment): only administrators pass then.
 */
export type Located = Target[] | 'unresolvable';

/** What locating needs from the rest of the server. */
export interface LocateDeps {
  tracking: Pick<TrackingService, 'getRunInfo' | 'getLoggedModel' | 'getExperimentByName'>;
  /** The registered model an approval request belongs to (undefined: no such request). */
  modelOfApproval?: (id: string) => Promise<string | undefined>;
}

const experimentTarget = (resource: string): Target => ({ kind: 'experiment', resource });

/**
 * Runs a lookup; one that finds nothing (404) locates nothing, left for the route to answer. A malformed id (400)
 * is refused here, before any permission is looked at, with the same error the route would give.
 */
async function orNothing<T>(lookup: () => Promise<T>): Promise<T | undefined> {
  try {
    return await lookup();
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/**
 * An experiment id as the request gives it, in its one spelling. Request schemas refuse other spellings first;
 * this is the locator's own guard, so that a route whose schema forgot the rule fails closed (400) instead of
 * checking `01` while the database reads experiment 1.
 */
function canonicalExperimentId(id: string): string {
  if (!isExperimentId(id)) {
    throw new InvalidParameterError(
      `Invalid experiment ID: '${id.slice(0, 40)}'. Experiment IDs are integers from 0 to ${int32Max}, written without sign, leading zeros or blanks.`,
    );
  }
  return id;
}

function asId(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function asIds(value: unknown, nested?: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items
    .map((item) =>
      nested !== undefined && typeof item === 'object' && item !== null
        ? (item as Record<string, unknown>)[nested]
        : item,
    )
    .map(asId)
    .filter((id): id is string => id !== undefined && id !== '');
}

/**
 * Which experiment a run or logged model belongs to never changes, so answers are remembered (bounded, oldest
 * dropped first): logging to a run checks its experiment on every request.
 */
const maxRemembered = 10_000;
const experimentOfEntity = new WeakMap<LocateDeps['tracking'], Map<string, string>>();

async function rememberedExperiment(
  deps: LocateDeps,
  key: string,
  lookup: () => Promise<string | undefined>,
): Promise<Target[]> {
  let known = experimentOfEntity.get(deps.tracking);
  if (!known) {
    known = new Map();
    experimentOfEntity.set(deps.tracking, known);
  }
  let experimentId = known.get(key);
  if (experimentId === undefined) {
    experimentId = await lookup();
    if (experimentId === undefined) return [];
    known.set(key, experimentId);
    if (known.size > maxRemembered) {
      const oldest = known.keys().next().value;
      if (oldest !== undefined) known.delete(oldest);
    }
  }
  return [experimentTarget(experimentId)];
}

function experimentOfRun(deps: LocateDeps, runId: string): Promise<Target[]> {
  return rememberedExperiment(deps, `run:${runId}`, async () => {
    const info = await orNothing(() => deps.tracking.getRunInfo(runId));
    return info?.experimentId;
  });
}

function experimentOfLoggedModel(deps: LocateDeps, modelId: string): Promise<Target[]> {
  return rememberedExperiment(deps, `model:${modelId}`, async () => {
    // Deleted models too: their routes (and `allow_deleted=true`) still answer, under the same permission.
    const model = await orNothing(() => deps.tracking.getLoggedModel(modelId, { allowDeleted: true }));
    return model?.experimentId;
  });
}

async function all(lists: Promise<Target[]>[]): Promise<Target[]> {
  return (await Promise.all(lists)).flat();
}

/**
 * The experiment named by the first segment of an artifact-proxy path (`<experiment_id>/<run_id>/…`). A request
 * path (`request: true`) gets the proxy's own checks, so a bad path or one naming a root (`1/.`, `1//`) is a 400
 * before any permission is looked at; a version source only needs to be a safe path.
 */
function experimentOfArtifactPath(raw: unknown, request = false): Located {
  if (typeof raw !== 'string') return 'unresolvable';
  const path = request
    ? parseArtifactRequestPath(raw, 'folder')
    : normaliseArtifactPath(raw, { allowRoot: true });
  const first = path.split('/')[0] ?? '';
  // `01/<run>/…` is not experiment 1's folder, nor any experiment's: refused rather than checked as `01`.
  return /^\d+$/.test(first) ? [experimentTarget(canonicalExperimentId(first))] : 'unresolvable';
}

/** What a new model version's files are: the run, logged model, version or experiment folder they come from. */
async function targetsOfVersionSource(deps: LocateDeps, request: FastifyRequest): Promise<Located> {
  const runId = asId(readField(request, { in: 'body', field: 'run_id' }));
  const modelId = asId(readField(request, { in: 'body', field: 'model_id' }));
  // The run and logged model the request says the files come from (a local source must lie in one of them).
  const fromRun = [
    ...(runId ? await experimentOfRun(deps, runId) : []),
    ...(modelId ? await experimentOfLoggedModel(deps, modelId) : []),
  ];
  const source = readField(request, { in: 'body', field: 'source' });
  let parsed;
  try {
    parsed = parseModelVersionSource(source);
  } catch {
    return fromRun; // the route refuses the source with its own 400
  }
  switch (parsed.kind) {
    case 'run':
      return [...fromRun, ...(await experimentOfRun(deps, parsed.runId))];
    case 'logged-model':
      return [...fromRun, ...(await experimentOfLoggedModel(deps, parsed.modelId))];
    case 'model-version':
      return [...fromRun, { kind: 'registered-model', resource: parsed.name }];
    case 'artifacts': {
      const located = experimentOfArtifactPath(parsed.location.replace(/^mlflow-artifacts:\/*/, ''));
      return located === 'unresolvable' ? located : [...fromRun, ...located];
    }
    case 'remote':
    case 'local':
      return fromRun;
  }
}

/** The experiments a request touches, per its policy's locator. */
export async function locateExperiments(
  deps: LocateDeps,
  request: FastifyRequest,
  locator: ExperimentLocator,
): Promise<Located> {
  switch (locator.by) {
    case 'experiment-id': {
      const id = asId(readField(request, locator.from)) ?? locator.orDefault;
      return id !== undefined ? [experimentTarget(canonicalExperimentId(id))] : [];
    }
    case 'experiment-name': {
      const name = readField(request, locator.from);
      if (typeof name !== 'string') return [];
      const experiment = await orNothing(() => deps.tracking.getExperimentByName(name));
      return experiment ? [experimentTarget(experiment.experimentId)] : [];
    }
    case 'run-id': {
      const id = asId(readField(request, locator.from));
      return id ? experimentOfRun(deps, id) : [];
    }
    case 'run-ids':
      return all(asIds(readField(request, locator.from)).map((id) => experimentOfRun(deps, id)));
    case 'logged-model-id': {
      const id = asId(readField(request, locator.from));
      return id ? experimentOfLoggedModel(deps, id) : [];
    }
    case 'logged-model-ids':
      return all(
        asIds(readField(request, locator.from), locator.nested).map((id) =>
          experimentOfLoggedModel(deps, id),
        ),
      );
    case 'artifact-path':
      return experimentOfArtifactPath(readField(request, locator.from) ?? '', true);
    case 'model-version-source':
      return targetsOfVersionSource(deps, request);
  }
}

/** The registered models a request touches, per its policy's locator. */
export async function locateModels(
  deps: LocateDeps,
  request: FastifyRequest,
  locator: ModelLocator,
): Promise<Located> {
  switch (locator.by) {
    case 'model-name': {
      const name = readField(request, locator.from);
      return typeof name === 'string' ? [{ kind: 'registered-model', resource: name }] : [];
    }
    case 'approval-id': {
      const id = asId(readField(request, locator.from));
      const name = id && deps.modelOfApproval ? await deps.modelOfApproval(id) : undefined;
      return name !== undefined ? [{ kind: 'registered-model', resource: name }] : [];
    }
  }
}
