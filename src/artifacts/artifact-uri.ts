import { InvalidParameterError } from '../shared/index.js';
import { normaliseArtifactPath } from './artifact-path.js';

const MLFLOW_ARTIFACTS_SCHEME = 'mlflow-artifacts:';
const HTTP_PROXY_MARKER = '/mlflow-artifacts/artifacts';

/** Splits off the path of a proxied artifact URI, or returns `null` when the URI is not one. */
function proxiedPathOf(uri: string): string | null {
  const lower = uri.toLowerCase();
  if (lower.startsWith(MLFLOW_ARTIFACTS_SCHEME)) {
    const rest = uri.slice(MLFLOW_ARTIFACTS_SCHEME.length);
    if (!rest.startsWith('//')) return rest;
    const slash = rest.indexOf('/', 2);
    return slash === -1 ? '' : rest.slice(slash);
  }
  if (lower.startsWith('http://') || lower.startsWith('https://')) {
    const marker = uri.indexOf(HTTP_PROXY_MARKER);
    if (marker === -1) return null;
    const tail = uri.slice(marker + HTTP_PROXY_MARKER.length);
    return tail === '' || tail.startsWith('/') ? tail : null;
  }
  return null;
}

/**
 * Whether an artifact URI points into this server's proxied artifact store: `mlflow-artifacts:/...`,
 * `mlflow-artifacts://host:port/...` or `http(s)://host[/prefix]/api/2.0/mlflow-artifacts/artifacts/...`.
 */
export function isProxiedArtifactUri(uri: string): boolean {
  return proxiedPathOf(uri) !== null;
}

/**
 * Maps a proxied artifact URI (what experiments, runs and logged models record) to a canonical store path.
 * The URI is cut by hand, never through `new URL`, which would resolve `..` segments before they are seen; the
 * path then goes through `normaliseArtifactPath`, so traversal, fragments and encoded tricks are refused.
 * Throws `InvalidParameterError` for other schemes (`file:`, `s3:`...) and for unsafe paths.
 *
 * Example: `artifactUriToStorePath('mlflow-artifacts:/0/3f2a/artifacts')` → `'0/3f2a/artifacts'`;
 *          `artifactUriToStorePath('mlflow-artifacts://h:5000/1/models/m-1/artifacts')` → `'1/models/m-1/artifacts'`.
 */
export function artifactUriToStorePath(uri: string): string {
  if (/[?#\\]/.test(uri)) {
    throw new InvalidParameterError(
      `Invalid artifact URI '${uri.slice(0, 200)}': '?', '#' and '\\' are not allowed`,
    );
  }
  const path = proxiedPathOf(uri);
  if (path === null) {
    throw new InvalidParameterError(
      `Artifact URI '${uri.slice(0, 200)}' is not served by this server (expected mlflow-artifacts:/...)`,
    );
  }
  return normaliseArtifactPath(path.replace(/^\/+/, ''), { allowRoot: true });
}
