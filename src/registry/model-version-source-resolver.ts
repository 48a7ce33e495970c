import { posix } from 'node:path';
import { artifactUriToStorePath } from '../artifacts/index.js';
import { NotFoundError } from '../shared/index.js';
import type { LoggedModel, Run } from '../tracking/index.js';
import {
  canonicalLocalLocation,
  lexicalLocalPath,
  pathWithin,
  realLocalPath,
  type LocalArtifactStoreSettings,
} from './local-source.js';
import type { TrackingLookups } from './registry-context.js';
import {
  checkNotAWholeFolder,
  invalidSource,
  localSourceRefused,
  parseModelVersionSource,
  registerAModel,
  remoteLocationInside,
  sameRemoteStore,
  sourceNotInOwner,
  wholeRun,
  type ModelVersionSource,
  type SourceOwnerParameter,
} from './source-validation.js';

/** Where a new version's files are, and the run and logged model it comes from. */
export interface ResolvedSource {
  /** Canonical: `mlflow-artifacts:/<path>` for the server's store, `file://...`, a remote URI, or `runs:/...`. */
  storageLocation: string;
  runId?: string;
  modelId?: string;
}

/** What `model-versions/create` names: the source and the run and logged model it says the source belongs to. */
export interface SourceRequest {
  source: string;
  runId?: string;
  modelId?: string;
}

/** An existing version, as a `models:/<name>/<version>` source reads it. */
export interface SourceVersion {
  storageLocation: string;
  runId: string | null;
  modelId: string | null;
}

const STORE = 'mlflow-artifacts:/';

async function orUndefined<T>(lookup: () => Promise<T>): Promise<T | undefined> {
  try {
    return await lookup();
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

function storePathOf(location: string): string | null {
  return location.startsWith(STORE) ? location.slice(STORE.length) : null;
}

function storePathWithin(root: string, path: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

/**
 * Turns a model-version source into the location its files are at, with MLflow's server's rules
 * (`_validate_source_run`, `_validate_source_model`) and Bosun's:
 *
 * - `runs:/<run>/<path>`: `run_id`, when given, must be that run, and `model_id` absent. A run this server has
 *   resolves to its artifact folder + path; one it does not have (MLflow accepts those) is kept as `runs:/...`:
 *   no file of this server is registered, nothing is scanned (the scan verdict is `failed`, which promotion policies
 *   requiring a clean scan refuse), and clients resolve it themselves.
 * - a local path or `file:` URI: only inside the artifact folder of the logged model `model_id` (or else the run
 *   `run_id`), both resolved on disk (symlinks, `..`); never a run's whole folder. MLflow's messages.
 * - `mlflow-artifacts:/...` with `model_id` or `run_id`: must lie in that model's or run's folder.
 * - `models:/<name>/<version>`: `run_id` and `model_id`, when given, must be that version's.
 * A location in the store's local folder is recorded as `mlflow-artifacts:/<path>`, so the artifact proxy's
 * immutability check and the scanner see it, whichever spelling the client used.
 */
export class ModelVersionSourceResolver {
  constructor(
    private readonly tracking: TrackingLookups,
    private readonly store?: LocalArtifactStoreSettings,
  ) {}

  async resolve(
    request: SourceRequest,
    lookupVersion: (name: string, version: number) => Promise<SourceVersion>,
  ): Promise<ResolvedSource> {
    const source = parseModelVersionSource(request.source);
    const text = request.source;
    switch (source.kind) {
      case 'run':
        return this.fromRunUri(text, source, request);
      case 'logged-model': {
        if (request.modelId && request.modelId !== source.modelId) throw sourceNotInOwner(text, 'model_id');
        const model = await this.tracking.getLoggedModel(source.modelId);
        return this.withModel(model, request, this.canonical(text, model.artifactUri));
      }
      case 'model-version': {
        const version = await lookupVersion(source.name, source.version);
        if (
          (request.runId !== undefined && request.runId !== (version.runId ?? '')) ||
          (request.modelId !== undefined && request.modelId !== (version.modelId ?? ''))
        ) {
          throw invalidSource(
            text,
            'The run_id and model_id request parameters must match the referenced model version.',
          );
        }
        const runId = request.runId ?? version.runId ?? undefined;
        const modelId = request.modelId ?? version.modelId ?? undefined;
        return {
          storageLocation: version.storageLocation,
          ...(runId ? { runId } : {}),
          ...(modelId ? { modelId } : {}),
        };
      }
      case 'artifacts':
        return this.fromStore(text, source.location, request);
      case 'local':
        return this.fromLocal(text, source.path, request);
      case 'remote':
        return this.fromRemote(text, source.location, request);
    }
  }

  /** A version of a logged model: its id, and the run given or else the model's source run. */
  private withModel(model: LoggedModel, request: SourceRequest, storageLocation: string): ResolvedSource {
    const runId = request.runId || model.sourceRunId;
    return { storageLocation, modelId: model.modelId, ...(runId ? { runId } : {}) };
  }

  private async fromRunUri(
    text: string,
    source: Extract<ModelVersionSource, { kind: 'run' }>,
    request: SourceRequest,
  ): Promise<ResolvedSource> {
    if (request.modelId) throw sourceNotInOwner(text, 'model_id');
    if (request.runId && request.runId !== source.runId) throw sourceNotInOwner(text, 'run_id');
    const run = await orUndefined(() => this.tracking.getRun(source.runId));
    if (!run) return { storageLocation: `runs:/${source.runId}/${source.path}`, runId: source.runId };
    const base = run.info.artifactUri.replace(/\/+$/, '');
    return { storageLocation: this.canonical(text, `${base}/${source.path}`), runId: source.runId };
  }

  /** The run or logged model the request names (model first, as MLflow), or `undefined` when it names none. */
  private async owner(
    text: string,
    request: SourceRequest,
  ): Promise<
    | { parameter: SourceOwnerParameter; kind: 'model'; model: LoggedModel; root: string }
    | { parameter: SourceOwnerParameter; kind: 'run'; run: Run; root: string }
    | undefined
  > {
    if (request.modelId) {
      const model = await orUndefined(() => this.tracking.getLoggedModel(request.modelId ?? ''));
      if (!model) throw sourceNotInOwner(text, 'model_id');
      return { parameter: 'model_id', kind: 'model', model, root: model.artifactUri };
    }
    if (request.runId) {
      const run = await orUndefined(() => this.tracking.getRun(request.runId ?? ''));
      if (!run) throw sourceNotInOwner(text, 'run_id');
      return { parameter: 'run_id', kind: 'run', run, root: run.info.artifactUri };
    }
    return undefined;
  }

  private async fromStore(text: string, location: string, request: SourceRequest): Promise<ResolvedSource> {
    const owner = await this.owner(text, request);
    if (!owner) return { storageLocation: location };
    const root = storePathOf(this.canonicalOrNull(owner.root) ?? '');
    const path = storePathOf(location) ?? '';
    if (root === null || root === '' || !storePathWithin(root, path)) {
      throw sourceNotInOwner(text, owner.parameter);
    }
    if (owner.kind === 'run') {
      if (path === root) throw invalidSource(text, `${wholeRun} ${registerAModel}`);
      return { storageLocation: location, runId: owner.run.info.runId };
    }
    return this.withModel(owner.model, request, location);
  }

  /**
   * A remote URI (another store, as MLflow accepts): kept as it is, except that when the run or logged model named
   * keeps its artifacts in the same store (a bucket the server shares with clients that write to it directly), the
   * location must lie inside that folder, as a local one must; never a run's whole folder.
   */
  private async fromRemote(text: string, location: string, request: SourceRequest): Promise<ResolvedSource> {
    if (request.modelId) {
      const model = await this.tracking.getLoggedModel(request.modelId);
      this.checkInsideSameStore(text, location, model.artifactUri, 'model_id', false);
      return this.withModel(model, request, location);
    }
    if (request.runId) {
      const run = await orUndefined(() => this.tracking.getRun(request.runId ?? ''));
      if (run) this.checkInsideSameStore(text, location, run.info.artifactUri, 'run_id', true);
    }
    return { storageLocation: location, ...(request.runId ? { runId: request.runId } : {}) };
  }

  private checkInsideSameStore(
    text: string,
    location: string,
    root: string,
    parameter: SourceOwnerParameter,
    isRun: boolean,
  ): void {
    if (!sameRemoteStore(location, root)) return;
    if (!remoteLocationInside(location, root)) throw sourceNotInOwner(text, parameter);
    if (isRun && location.replace(/\/+$/, '') === root.replace(/\/+$/, '')) {
      throw invalidSource(text, `${wholeRun} ${registerAModel}`);
    }
  }

  private async fromLocal(text: string, path: string, request: SourceRequest): Promise<ResolvedSource> {
    const owner = await this.owner(text, request);
    if (!owner) throw localSourceRefused(text, 'run_id');
    const root = lexicalLocalPath(owner.root);
    if (root === null) throw localSourceRefused(text, owner.parameter);
    let real: string;
    let realRoot: string;
    try {
      [real, realRoot] = await Promise.all([realLocalPath(path), realLocalPath(root)]);
    } catch {
      throw localSourceRefused(text, owner.parameter);
    }
    if (!pathWithin(realRoot, real)) throw localSourceRefused(text, owner.parameter);
    if (owner.kind === 'run' && real === realRoot) throw invalidSource(text, `${wholeRun} ${registerAModel}`);
    const destination =
      this.store === undefined ? undefined : await realLocalPath(posix.resolve(this.store.destination));
    const location = canonicalLocalLocation(real, destination);
    if (location === null) {
      throw invalidSource(text, 'The artifact path is not a safe path inside the artifact store.');
    }
    const storePath = storePathOf(location);
    if (storePath !== null) checkNotAWholeFolder(text, storePath);
    if (owner.kind === 'run') return { storageLocation: location, runId: owner.run.info.runId };
    return this.withModel(owner.model, request, location);
  }

  /** The canonical form of a location recorded by tracking (a run's or logged model's folder), or `null`. */
  private canonicalOrNull(location: string): string | null {
    if (/^mlflow-artifacts:/i.test(location)) {
      try {
        return `${STORE}${artifactUriToStorePath(location)}`;
      } catch {
        return null;
      }
    }
    const local = lexicalLocalPath(location);
    if (local !== null) {
      const destination = this.store === undefined ? undefined : posix.resolve(this.store.destination);
      return canonicalLocalLocation(local, destination);
    }
    try {
      const parsed = parseModelVersionSource(location);
      return parsed.kind === 'remote' || parsed.kind === 'artifacts' ? parsed.location : null;
    } catch {
      return null;
    }
  }

  /**
   * Where a run's folder + path or a logged model's folder is, canonical; refused when it is no place a version
   * may be (the store root, a whole experiment or run folder, an unknown scheme).
   */
  private canonical(text: string, location: string): string {
    const canonical = this.canonicalOrNull(location);
    if (canonical === null) {
      throw invalidSource(
        text,
        'It resolves to a location that is not an artifact store, local folder or remote store URI.',
      );
    }
    const storePath = storePathOf(canonical);
    if (storePath !== null) {
      if (storePath === '') throw invalidSource(text, `The artifact store root itself cannot be a source.`);
      checkNotAWholeFolder(text, storePath);
    }
    return canonical;
  }
}
