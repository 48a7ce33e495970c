import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { localPathOf, normaliseArtifactPath } from '../artifacts/index.js';

/**
 * The server's own artifact store as a local folder, so that a version whose files lie in it is recorded as
 * `mlflow-artifacts:/<path>` whatever spelling its source used (a local path, `file://`, a run kept there): the
 * artifact proxy's immutability check and the scanner then see it.
 *
 * Example: `{ destination: '/srv/bosun/artifacts', served: true }`.
 */
export interface LocalArtifactStoreSettings {
  /** Absolute local folder of the store (`--artifacts-destination`). */
  destination: string;
  /**
   * Whether the server serves the store (`/api/2.0/mlflow-artifacts`). When it does not, clients cannot read
   * `mlflow-artifacts:` URIs, so download URIs of versions in the store name the folder itself.
   */
  served: boolean;
}

/** Path segments of an absolute POSIX path, without empty and `.` segments (`..` kept). */
function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '' && segment !== '.');
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Symbolic links followed while resolving one path before giving up (Linux's own limit). */
const maxLinks = 40;

/**
 * What an absolute local path is on this machine, as Python's `Path.resolve()` (what MLflow's server uses) says:
 * each existing component is looked at in turn, symbolic links are followed (dangling ones too: a link to a folder
 * that does not exist yet still leads where it points), `..` goes to the parent of what was reached; from the first
 * component that does not exist, the rest is resolved lexically. Throws the file system's error when a component
 * exists but cannot be read (no permission), and for link loops.
 *
 * Example: `await realLocalPath('/data/link/../x')` → `'/mnt/x'` when `/data/link` points at `/mnt/y`.
 */
export async function realLocalPath(path: string): Promise<string> {
  const pending = segmentsOf(path);
  let current = '/';
  let links = 0;
  while (pending.length > 0) {
    const segment = pending.shift()!;
    if (segment === '..') {
      current = posix.dirname(current);
      continue;
    }
    const next = posix.join(current, segment);
    let isLink: boolean;
    try {
      isLink = (await lstat(next)).isSymbolicLink();
    } catch (error) {
      if (isMissing(error)) return posix.resolve(next, ...pending);
      throw error;
    }
    if (!isLink) {
      current = next;
      continue;
    }
    if (++links > maxLinks) throw new Error(`too many levels of symbolic links at ${next}`);
    const target = await readlink(next);
    pending.unshift(...segmentsOf(target));
    if (target.startsWith('/')) current = '/';
  }
  return current;
}

/** Whether `inner` is `outer` or lies below it (both absolute and normalised). */
export function pathWithin(outer: string, inner: string): boolean {
  if (inner === outer) return true;
  return inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);
}

/**
 * The canonical location of an absolute, normalised local path: `mlflow-artifacts:/<path>` when it lies in the
 * store's folder `destination` (also normalised), else a `file://` URI. Returns `null` for a path in the store's
 * folder that no store path can name (a file name with encoded traversal, backslashes...), and for the store's
 * folder itself.
 *
 * Example: `canonicalLocalLocation('/srv/a/1/r/artifacts/m', '/srv/a')` → `'mlflow-artifacts:/1/r/artifacts/m'`;
 *          `canonicalLocalLocation('/mnt/runs/1/r/artifacts/m', '/srv/a')` → `'file:///mnt/runs/1/r/artifacts/m'`.
 */
export function canonicalLocalLocation(path: string, destination: string | undefined): string | null {
  if (destination !== undefined && pathWithin(destination, path)) {
    const relative = path.slice(destination.length).replace(/^\/+/, '');
    if (relative === '') return null;
    try {
      return `mlflow-artifacts:/${normaliseArtifactPath(relative)}`;
    } catch {
      return null;
    }
  }
  return pathToFileURL(path).href;
}

/** The absolute, lexically normalised local path a location names (`/x`, `file:///x`), or `null`. */
export function lexicalLocalPath(location: string): string | null {
  const path = localPathOf(location);
  if (path === null || path.startsWith('//')) return null;
  return posix.resolve('/', ...segmentsOf(path));
}
