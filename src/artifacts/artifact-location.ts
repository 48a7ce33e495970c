import { InvalidParameterError } from '../shared/index.js';
import { artifactUriToStorePath, isProxiedArtifactUri } from './artifact-uri.js';

/**
 * A location reduced to what containment is decided on: a space (`mlflow-artifacts:` for this server's store,
 * `file:` for other local folders, `s3://bucket`, ...) and its path segments. A local folder under the artifacts
 * destination is the same place as the `mlflow-artifacts:` path below it, so it gets the store's space.
 */
export interface LocationKey {
  space: string;
  segments: readonly string[];
}

/** The space of this server's artifact store. */
export const STORE_SPACE = 'mlflow-artifacts:';

/**
 * What the server allows as experiment artifact locations. Built once from the server's settings.
 *
 * Example: `{ serveArtifacts: true, defaultArtifactRoot: 'mlflow-artifacts:/', artifactsDestination: '/srv/bosun/artifacts',
 *            protectedFolders: ['/srv/bosun'] }`
 */
export interface ArtifactLocationPolicy {
  /** The server proxies artifacts (`/api/2.0/mlflow-artifacts`): locations must then be inside its store. */
  serveArtifacts: boolean;
  /** Root of experiments created without a location; the experiment id is appended. */
  defaultArtifactRoot: string;
  /** Absolute local folder of the proxied store (`--artifacts-destination`), when known. */
  artifactsDestination?: string;
  /**
   * Local folders of the server's own state (the SQLite database's folder): no location may be one, contain one,
   * or lie in one (except inside the artifacts destination or the default root, which the operator chose).
   */
  protectedFolders?: readonly string[];
  /**
   * The server's working directory: a relative location (`my_location`, `file:my_location`) is resolved against
   * it before it is checked, as MLflow's server does. Without it relative locations are refused.
   */
  workingDirectory?: string;
}

const URI_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):(.*)$/s;

function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '' && segment !== '.');
}

function decodeLeniently(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** The local absolute path a location names (`/x`, `file:/x`, `file:///x`, `file://localhost/x`), else `null`. */
export function localPathOf(location: string): string | null {
  if (location.startsWith('/')) return location.startsWith('//') ? null : location;
  const match = /^file:(.*)$/is.exec(location);
  if (!match) return null;
  let rest = match[1] ?? '';
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const host = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
    if (host !== '' && host.toLowerCase() !== 'localhost') return null;
    rest = slash === -1 ? '/' : rest.slice(slash);
  }
  return rest.startsWith('/') ? decodeLeniently(rest) : null;
}

/**
 * A relative location made absolute against `workingDirectory`, as MLflow's server resolves one
 * (`my_location` → `/srv/cwd/my_location`, `file:my_location` → `file:///srv/cwd/my_location`); absolute paths and
 * URIs are returned as given, and so is everything when no working directory is known. Lexical: `.` and empty
 * segments are dropped, nothing on disk is read (`..` was refused before).
 *
 * Example: `resolveRelativeLocation('./runs/', '/srv/cwd')` → `'/srv/cwd/runs'`.
 */
export function resolveRelativeLocation(location: string, workingDirectory?: string): string {
  if (workingDirectory === undefined || !workingDirectory.startsWith('/')) return location;
  const file = /^file:(?!\/)(.*)$/is.exec(location);
  const relative = file ? (file[1] ?? '') : URI_SCHEME.test(location) ? null : location;
  if (relative === null || relative.startsWith('/') || relative === '') return location;
  const path = `/${[...segmentsOf(workingDirectory), ...segmentsOf(relative)].join('/')}`;
  return file ? `file://${path}` : path;
}

/** Whether `outer` is `inner` or one of its ancestors. */
export function keyContains(outer: LocationKey, inner: LocationKey): boolean {
  return (
    outer.space === inner.space &&
    outer.segments.length <= inner.segments.length &&
    outer.segments.every((segment, i) => segment === inner.segments[i])
  );
}

/** Whether two locations share files: one is the other or contains it. */
export function keysOverlap(a: LocationKey, b: LocationKey): boolean {
  return keyContains(a, b) || keyContains(b, a);
}

/**
 * The containment key of a stored or requested location, or `null` for one that names no absolute place (a
 * relative path, a Windows drive path) or an unsafe proxied path. Lexical only: nothing on disk is read.
 *
 * Example: `locationKey('/srv/a/x', '/srv/a')` → `{ space: 'mlflow-artifacts:', segments: ['x'] }`;
 *          `locationKey('s3://B/x/', undefined)` → `{ space: 's3://b', segments: ['x'] }`.
 */
export function locationKey(location: string, artifactsDestination?: string): LocationKey | null {
  if (isProxiedArtifactUri(location)) {
    try {
      return { space: STORE_SPACE, segments: segmentsOf(artifactUriToStorePath(location)) };
    } catch {
      return null;
    }
  }
  const local = localPathOf(location);
  if (local !== null) {
    const segments = segmentsOf(local);
    if (artifactsDestination !== undefined) {
      const destination = segmentsOf(artifactsDestination);
      if (keyContains({ space: 'file:', segments: destination }, { space: 'file:', segments })) {
        return { space: STORE_SPACE, segments: segments.slice(destination.length) };
      }
    }
    return { space: 'file:', segments };
  }
  const uri = URI_SCHEME.exec(location);
  if (!uri) return null;
  const scheme = (uri[1] ?? '').toLowerCase();
  const rest = uri[2] ?? '';
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = (slash === -1 ? rest.slice(2) : rest.slice(2, slash)).toLowerCase();
    return { space: `${scheme}://${authority}`, segments: segmentsOf(slash === -1 ? '' : rest.slice(slash)) };
  }
  return { space: `${scheme}:`, segments: segmentsOf(rest) };
}

/** The local folder a key stands for, when it is one (a `file:` key, or a store key with a known destination). */
function localFolderOf(key: LocationKey, artifactsDestination?: string): string[] | null {
  if (key.space === 'file:') return [...key.segments];
  if (key.space === STORE_SPACE && artifactsDestination !== undefined) {
    return [...segmentsOf(artifactsDestination), ...key.segments];
  }
  return null;
}

function refuse(location: string, why: string): InvalidParameterError {
  const shown = location.length > 200 ? `${location.slice(0, 200)}...` : location;
  return new InvalidParameterError(`Invalid artifact location '${shown}': ${why}`);
}

/** `mlflow-artifacts://host/...` or `http(s)://host/.../mlflow-artifacts/artifacts/...`: clients would go to that host. */
function namesAHost(location: string): boolean {
  if (/^https?:/i.test(location)) return true;
  const rest = location.slice(STORE_SPACE.length);
  return rest.startsWith('//') && !rest.startsWith('///');
}

function checkProxied(
  location: string,
  key: LocationKey | null,
  policy: ArtifactLocationPolicy,
): LocationKey {
  const defaultKey = locationKey(policy.defaultArtifactRoot, policy.artifactsDestination);
  if (isProxiedArtifactUri(location) && namesAHost(location)) {
    throw refuse(
      location,
      "it names a host: clients would send their artifacts (and credentials) there. Use 'mlflow-artifacts:/<folder>'.",
    );
  }
  const inStore = key !== null && key.space === STORE_SPACE;
  const underDefault =
    key !== null && defaultKey !== null && defaultKey.space !== STORE_SPACE && keyContains(defaultKey, key);
  if (key === null || !(inStore || underDefault)) {
    throw refuse(
      location,
      "this server proxies artifacts, so an experiment's location must be inside its artifact store: " +
        "'mlflow-artifacts:/<folder>' or a folder under the server's artifacts destination.",
    );
  }
  return key;
}

function checkDirect(location: string, key: LocationKey | null): LocationKey {
  if (isProxiedArtifactUri(location) && /^mlflow-artifacts:/i.test(location)) {
    throw refuse(
      location,
      "this server does not serve artifacts (--no-serve-artifacts), so nothing answers 'mlflow-artifacts:' locations. " +
        'Give a location clients write to directly (an absolute path, file:///..., s3://...).',
    );
  }
  if (key === null) {
    throw refuse(
      location,
      'relative locations are not supported; give an absolute path or a URI (file:///..., s3://...).',
    );
  }
  return key;
}

/**
 * Checks an experiment's requested artifact location against the server's policy and returns its key (for the
 * overlap check against other experiments, which needs the database and is the caller's). Expects a location
 * that `validateArtifactLocation` already accepted (no traversal, query or fragment).
 *
 * - Serving artifacts (the default): inside the store (`mlflow-artifacts:/<folder>` without a host, or a folder
 *   under the artifacts destination), or under a non-store default artifact root the operator configured.
 * - Not serving: an absolute path or a URI with a scheme; `mlflow-artifacts:` (nothing would serve it) and
 *   relative paths are refused.
 * - Always: not the store's root, not the default root itself nor a folder containing it, and no protected folder
 *   (nor a folder containing one, nor one inside one).
 *
 * Example: `checkExperimentLocation('mlflow-artifacts:/team/a', policy)` → `{ space: 'mlflow-artifacts:', segments: ['team', 'a'] }`;
 *          `checkExperimentLocation('file:///etc', policy)` throws when `policy.serveArtifacts`.
 */
export function checkExperimentLocation(location: string, policy: ArtifactLocationPolicy): LocationKey {
  const destination = policy.artifactsDestination;
  const raw = locationKey(location, destination);
  const key = policy.serveArtifacts ? checkProxied(location, raw, policy) : checkDirect(location, raw);

  const storeRoot: LocationKey = { space: STORE_SPACE, segments: [] };
  if (keyContains(key, storeRoot)) {
    throw refuse(
      location,
      "it is the artifact store's root (or contains it); use a folder inside it, e.g. 'mlflow-artifacts:/<team>/<project>'.",
    );
  }
  const defaultKey = locationKey(policy.defaultArtifactRoot, destination);
  if (defaultKey !== null && keyContains(key, defaultKey)) {
    throw refuse(
      location,
      "it is the default artifact root (or contains it), where every experiment's own folder lives.",
    );
  }
  const local = localFolderOf(key, destination);
  if (local !== null) {
    const localKey: LocationKey = { space: 'file:', segments: local };
    const defaultFolder = defaultKey === null ? null : localFolderOf(defaultKey, destination);
    const chosen = [destination === undefined ? null : segmentsOf(destination), defaultFolder]
      .filter((folder): folder is string[] => folder !== null)
      .map((segments): LocationKey => ({ space: 'file:', segments }));
    for (const folder of policy.protectedFolders ?? []) {
      const guarded: LocationKey = { space: 'file:', segments: segmentsOf(folder) };
      const inside = keyContains(guarded, localKey) && !chosen.some((root) => keyContains(root, localKey));
      if (keyContains(localKey, guarded) || inside) {
        throw refuse(location, "it is the server's database folder, or contains or lies in it.");
      }
    }
    if (chosen.some((root) => keyContains(localKey, root))) {
      throw refuse(location, "it contains the artifact store's root or the default artifact root.");
    }
  }
  return key;
}

/**
 * The experiment id whose default folder a location lies in (`mlflow-artifacts:/7/x` → `'7'`), or `undefined`.
 * Those folders (`<default root>/<id>` and the store's `<id>/...`) belong to the experiment with that id, which
 * may not exist yet; another experiment may not use them.
 */
export function reservedExperimentFolder(
  key: LocationKey,
  policy: ArtifactLocationPolicy,
): string | undefined {
  const roots: LocationKey[] = [{ space: STORE_SPACE, segments: [] }];
  const defaultKey = locationKey(policy.defaultArtifactRoot, policy.artifactsDestination);
  if (defaultKey !== null) roots.push(defaultKey);
  for (const root of roots) {
    const next = key.segments[root.segments.length];
    if (keyContains(root, key) && next !== undefined && /^\d+$/.test(next)) return next;
  }
  return undefined;
}
