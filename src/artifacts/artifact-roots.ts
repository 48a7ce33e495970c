import { InvalidParameterError, NotImplementedError } from '../shared/index.js';
import { localPathOf } from './artifact-location.js';
import type { ArtifactStore } from './artifact-store.js';
import { artifactUriToStorePath, isProxiedArtifactUri } from './artifact-uri.js';
import { LocalArtifactStore } from './local/local-artifact-store.js';

/** What the server knows about its artifact storage; built once from its settings. */
export interface ArtifactRootsConfig {
  /** The server's own store (`--artifacts-destination`), where `mlflow-artifacts:` URIs point. */
  store: ArtifactStore;
  /** Absolute local folder of `store`, when it is one (local paths inside it are read through `store`). */
  artifactsDestination?: string;
  /** Root of experiments created without a location (`--default-artifact-root`); read when it is a local folder. */
  defaultArtifactRoot: string;
  /** Folders of the server's own state (the SQLite database's folder), never read or written through a root. */
  protectedFolders?: readonly string[];
  /**
   * Opens an `s3://` root inside the server's own S3 roots (`ArtifactStorage.openS3Location`); other `s3://` roots
   * stay unread (501).
   */
  openS3?: (rootUri: string) => OpenedArtifactRoot | undefined;
}

/** Where an artifact root's files are: a store, and the root's path in it (`''`: the store's root). */
export interface OpenedArtifactRoot {
  store: ArtifactStore;
  path: string;
  /** The root is in the server's own store (`mlflow-artifacts:`), whose registered files are guarded. */
  inServerStore: boolean;
  /**
   * For a root opened as a local folder (not through the server's store): the absolute folder `store` is rooted
   * at, so that a write can be checked against the versions registered from files there (`path` is below it).
   */
  localFolder?: string;
}

/** A lexically normalised absolute local path as segments, or `null` (relative, `..`, another host). */
function localSegments(location: string): string[] | null {
  const path = localPathOf(location);
  if (path === null) return null;
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  return segments.includes('..') ? null : segments;
}

function contains(outer: readonly string[], inner: readonly string[]): boolean {
  return outer.length <= inner.length && outer.every((segment, i) => segment === inner[i]);
}

const asPath = (segments: readonly string[]): string => `/${segments.join('/')}`;

function shown(uri: string): string {
  return uri.length > 200 ? `${uri.slice(0, 200)}...` : uri;
}

/**
 * Opens the artifact root of a run, logged model or model version (its artifact URI) for the routes that read and
 * write through the server: the tracking API's listing, the web UI's downloads and uploads. MLflow's server reads
 * such roots with whatever repository their URI names; Bosun reads only places it can vouch for:
 *
 * - `mlflow-artifacts:/...` (and `http(s)://.../mlflow-artifacts/artifacts/...`): the server's own store;
 * - a local path or `file://` URI inside the experiment's own location (`within`, e.g. a custom location with
 *   `--no-serve-artifacts`), inside the artifacts destination (the server's store), or inside a local default
 *   artifact root. Such a folder is opened as a store rooted there, so paths and links cannot leave it, and the
 *   server's database folder is hidden in it; the folder is not created by reading. An experiment location that
 *   is, contains or lies in the database folder (other than through the destination or default root) is refused;
 * - an `s3://` root inside the server's own S3 roots (its destination or default artifact root, `openS3`);
 * - other local paths: 400, the server does not read them; other schemes (other buckets, `gs://`...): 501.
 *
 * Example: `roots.open('file:///mnt/runs/3/3f2a/artifacts', 'file:///mnt/runs/3')`
 *          → `{ store: <store at /mnt/runs/3>, path: '3f2a/artifacts', inServerStore: false }`.
 */
export class ArtifactRoots {
  private readonly destination: string[] | null;
  private readonly defaultRoot: string[] | null;
  private readonly protectedFolders: string[][];

  constructor(private readonly config: ArtifactRootsConfig) {
    this.destination =
      config.artifactsDestination === undefined ? null : localSegments(config.artifactsDestination);
    this.defaultRoot = localSegments(config.defaultArtifactRoot);
    this.protectedFolders = (config.protectedFolders ?? [])
      .map((folder) => localSegments(folder))
      .filter((segments): segments is string[] => segments !== null);
  }

  /**
   * The store and path of `rootUri`. `within` is the location of the experiment the root belongs to, when the
   * caller knows it. Throws `InvalidParameterError` or `NotImplementedError` for roots the server does not read.
   */
  open(rootUri: string, within?: string): OpenedArtifactRoot {
    if (isProxiedArtifactUri(rootUri)) {
      return { store: this.config.store, path: artifactUriToStorePath(rootUri), inServerStore: true };
    }
    const segments = localSegments(rootUri);
    if (segments === null) {
      const remote = /^[A-Za-z][A-Za-z0-9+.-]+:/.test(rootUri) && !/^file:/i.test(rootUri);
      if (!remote) {
        throw new InvalidParameterError(
          `Artifact root '${shown(rootUri)}' is not an absolute local path this server can read.`,
        );
      }
      const s3 = this.config.openS3?.(rootUri);
      if (s3 !== undefined) return s3;
      throw new NotImplementedError(
        `Artifacts at '${shown(rootUri)}' are kept in storage this server does not read (it reads its own ` +
          'artifact store and local folders); clients read them directly.',
      );
    }
    const experiment = within === undefined ? null : localSegments(within);
    if (experiment !== null && contains(experiment, segments)) {
      this.checkExperimentFolder(experiment, within ?? '');
      return this.local(experiment, segments);
    }
    if (this.destination !== null && contains(this.destination, segments)) {
      return {
        store: this.config.store,
        path: segments.slice(this.destination.length).join('/'),
        inServerStore: true,
      };
    }
    if (this.defaultRoot !== null && contains(this.defaultRoot, segments)) {
      return this.local(this.defaultRoot, segments);
    }
    throw new InvalidParameterError(
      `Artifact root '${shown(rootUri)}' is outside the folders this server reads: its artifacts destination, ` +
        "a local default artifact root, and the experiment's own location.",
    );
  }

  /**
   * A local location a client recorded (a model version's files), opened only inside `folder` (the local artifact
   * root of the run or logged model it came from): unlike `open`, no other folder the server reads will do.
   * Throws `InvalidParameterError` when either is not a local path or the location is outside `folder`.
   *
   * Example: `roots.openInside('/mnt/runs/3/3f2a/artifacts/model', 'file:///mnt/runs/3/3f2a/artifacts')`.
   */
  openInside(location: string, folder: string): OpenedArtifactRoot {
    const segments = localSegments(location);
    const base = localSegments(folder);
    if (segments === null || base === null || !contains(base, segments)) {
      throw new InvalidParameterError(
        `Artifact location '${shown(location)}' is not inside '${shown(folder)}', where its files must be.`,
      );
    }
    this.checkExperimentFolder(base, folder);
    return this.local(base, segments);
  }

  /** An experiment's own folder may not be, contain or lie in the server's state (unless chosen by the operator). */
  private checkExperimentFolder(folder: string[], location: string): void {
    const chosen = [this.destination, this.defaultRoot].filter((root): root is string[] => root !== null);
    for (const guarded of this.protectedFolders) {
      const inside = contains(guarded, folder) && !chosen.some((root) => contains(root, folder));
      if (contains(folder, guarded) || inside) {
        throw new InvalidParameterError(
          `Experiment location '${shown(location)}' is the server's database folder, or contains or lies in it; ` +
            'its artifacts are not served.',
        );
      }
    }
  }

  private local(base: string[], segments: string[]): OpenedArtifactRoot {
    const hidden = this.protectedFolders.filter((guarded) => !contains(guarded, base)).map(asPath);
    return {
      store: new LocalArtifactStore(asPath(base), { createRoot: false, shared: true, hidden }),
      path: segments.slice(base.length).join('/'),
      inServerStore: false,
      localFolder: asPath(base),
    };
  }
}
