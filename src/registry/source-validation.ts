import { artifactUriToStorePath, normaliseArtifactPath } from '../artifacts/index.js';
import { InvalidParameterError } from '../shared/index.js';
import { validateRunId } from '../tracking/index.js';
import { parseVersion, validateModelName } from './validation.js';

/**
 * What a model-version `source` points at, once validated (security.md §1.A). Only these forms exist:
 * - `artifacts`: a folder of this server's artifact store, canonical `mlflow-artifacts:/<path>`, below a run's
 *   artifacts (never the store root, an experiment folder or a whole run: `checkNotAWholeFolder`);
 * - `remote`: an object-store or HTTP location (s3://, gs://, https://...), checked for traversal tricks;
 * - `run`: `runs:/<run_id>/<path>` with a non-empty path, resolved by the registry to the run's artifact URI + path;
 * - `logged-model`: `models:/m-<id>` (MLflow 3), resolved to the logged model's artifact URI;
 * - `model-version`: `models:/<name>/<version>`, resolved to that version's storage location;
 * - `local`: an absolute local path or `file:` URI (`path` percent-decoded once, as MLflow reads it, `..` not yet
 *   resolved). Only accepted by the registry when it lies, once resolved on disk, in the artifact folder of the
 *   run or logged model named with it (model-version-source-resolver.ts), as MLflow's server does.
 * Relative paths, `file://<other host>/...`, scheme-less `//host/...` and unknown schemes are refused, whatever the
 * tags say.
 */
export type ModelVersionSource =
  | { kind: 'artifacts'; location: string }
  | { kind: 'remote'; location: string }
  | { kind: 'run'; runId: string; path: string }
  | { kind: 'logged-model'; modelId: string }
  | { kind: 'model-version'; name: string; version: number }
  | { kind: 'local'; path: string };

export const maxSourceLength = 2048;

/** Schemes of remote stores a version may point at. Their files are never served by this server. */
const remoteSchemes = new Set([
  's3',
  's3a',
  's3n',
  'gs',
  'wasb',
  'wasbs',
  'abfs',
  'abfss',
  'adl',
  'hdfs',
  'viewfs',
  'oss',
  'http',
  'https',
  'ftp',
  'sftp',
  'dbfs',
]);

const maxDecodeRounds = 5;
// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u001f\u007f]/;
const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/;

function shown(source: string): string {
  const cut = source.length > 200 ? `${source.slice(0, 200)}...` : source;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function invalidSource(source: string, why: string): InvalidParameterError {
  return new InvalidParameterError(`Invalid model version source: '${shown(source)}'. ${why}`);
}

/** Which request parameter names the run or logged model a source must lie in. */
export type SourceOwnerParameter = 'run_id' | 'model_id';

/** MLflow's answer when `run_id` / `model_id` does not name what contains the source (or names nothing). */
export function sourceNotInOwner(source: string, parameter: SourceOwnerParameter): InvalidParameterError {
  return invalidSource(
    source,
    `The ${parameter} request parameter must identify the resource that contains the source.`,
  );
}

/** MLflow's answer for a local path that is not inside the artifact folder of the run (or logged model) named. */
export function localSourceRefused(source: string, parameter: SourceOwnerParameter): InvalidParameterError {
  return invalidSource(
    source,
    `To use a local path as a model version source, the ${parameter} request parameter has to be specified and ` +
      'the local path has to be contained within the artifact directory of the run specified by the ' +
      `${parameter}.`,
  );
}

/** Python's `unquote`: decodes well-formed runs of escapes (UTF-8), leaves malformed ones as they are. */
function unquoteOnce(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * Whether a source is written as a local path: absolute (`/x`), `file:` URI, relative (no scheme) or a Windows drive
 * (`C:/x`, a one-letter scheme). Only the first two can be accepted.
 */
function isLocalForm(source: string): boolean {
  if (source.startsWith('/') || /^file:/i.test(source)) return true;
  const match = scheme.exec(source);
  return !match || match[1]!.length === 1;
}

/** The absolute path a local source names (decoded once), or an error saying why there is none. */
function parseLocalSource(source: string): ModelVersionSource {
  const unusable = (): InvalidParameterError => localSourceRefused(source, 'run_id');
  if (controlChars.test(source) || controlChars.test(unquoteOnce(source))) {
    throw invalidSource(source, 'NUL and control characters are not allowed.');
  }
  if (source.includes('\\')) throw invalidSource(source, 'Backslashes are not allowed.');
  if (source.includes('#')) throw invalidSource(source, 'Fragments are not allowed.');
  if (source.includes('?')) throw invalidSource(source, 'Query strings are not allowed.');
  if (source.includes(';')) throw invalidSource(source, 'Path parameters are not allowed.');
  let path: string;
  if (/^file:/i.test(source)) {
    let rest = source.slice('file:'.length);
    if (rest.startsWith('//')) {
      const slash = rest.indexOf('/', 2);
      const host = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
      if (host !== '' && host.toLowerCase() !== 'localhost') {
        throw invalidSource(source, 'A file: URI must name this machine (no host, or localhost).');
      }
      rest = slash === -1 ? '' : rest.slice(slash);
    }
    path = unquoteOnce(rest);
  } else {
    path = unquoteOnce(source);
  }
  if (!path.startsWith('/') || path.startsWith('//')) throw unusable();
  return { kind: 'local', path };
}

/** Python's `unquote_plus`, leaving malformed escapes as they are. */
function unquotePlus(text: string): string {
  return text.replace(/\+/g, ' ').replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** Checks the raw text and every decoding of it up to a fixed point; the same answer for every payload shape. */
function checkEveryLayer(source: string): void {
  let layer = source;
  for (let round = 0; ; round++) {
    if (controlChars.test(layer)) throw invalidSource(source, 'NUL and control characters are not allowed.');
    if (layer.includes('\\')) throw invalidSource(source, 'Backslashes are not allowed.');
    if (layer.includes('#')) throw invalidSource(source, 'Fragments are not allowed.');
    if (layer.includes(';')) throw invalidSource(source, 'Path parameters are not allowed.');
    if (layer.includes('?')) throw invalidSource(source, 'Query strings are not allowed.');
    if (layer.split('/').some((segment) => segment.trim() === '..')) {
      throw invalidSource(source, "Relative path references ('..') are not allowed.");
    }
    const next = unquotePlus(layer);
    if (next === layer) return;
    if (round === maxDecodeRounds) throw invalidSource(source, 'Too many levels of percent-encoding.');
    layer = next;
  }
}

export const wholeRun =
  "A whole run cannot be a source (the store keeps a run's files in '<experiment>/<run_id>/artifacts/'): " +
  'registering it would freeze every file of the run.';
export const registerAModel =
  "Register the model's own folder: 'runs:/<run_id>/<path>', 'models:/m-<id>' or " +
  "'mlflow-artifacts:/<experiment>/<run_id>/artifacts/<path>'.";

/**
 * Refuses a store path that names a whole experiment or run rather than a model inside one. The store keeps
 * `<experiment>/<run_id>/artifacts/<path>` (and `<experiment>/models/<model_id>/artifacts/...` for logged
 * models): a version's files become immutable once registered, so registering `<experiment>`,
 * `<experiment>/<run_id>` or `<experiment>/<run_id>/artifacts` would freeze everything below, and anyone who may
 * read the experiment could do it. A source needs a sub-path below a run's artifacts (or a logged model's folder).
 */
export function checkNotAWholeFolder(source: string, storePath: string): void {
  const segments = storePath.split('/');
  if (segments.length === 1) {
    throw invalidSource(
      source,
      'A whole experiment folder (a top-level folder of the store) cannot be a source: registering it would ' +
        `freeze every run's files. ${registerAModel}`,
    );
  }
  if (segments.length === 2 || (segments.length === 3 && segments[2] === 'artifacts')) {
    throw invalidSource(source, `${wholeRun} ${registerAModel}`);
  }
}

/**
 * Validates a model-version source and says what it points at. Throws `InvalidParameterError`
 * ("Invalid model version source: ...", MLflow's wording) for anything else.
 *
 * Example: `parseModelVersionSource('runs:/3f2a.../model')` → `{ kind: 'run', runId: '3f2a...', path: 'model' }`;
 *          `parseModelVersionSource('file:///etc')` throws.
 */
export function parseModelVersionSource(source: unknown): ModelVersionSource {
  if (typeof source !== 'string' || source.trim() === '') {
    throw new InvalidParameterError("Missing value for required parameter 'source'.");
  }
  if (source.length > maxSourceLength) {
    throw invalidSource(source, `Sources are at most ${maxSourceLength} characters.`);
  }
  if (isLocalForm(source)) return parseLocalSource(source);
  checkEveryLayer(source);
  const match = scheme.exec(source)!;
  const name = match[1]!.toLowerCase();
  const rest = source.slice(match[0].length);
  switch (name) {
    case 'mlflow-artifacts': {
      let path: string;
      try {
        path = artifactUriToStorePath(source);
      } catch {
        throw invalidSource(source, 'The artifact path is not a safe path inside the artifact store.');
      }
      if (path === '') {
        throw invalidSource(source, `The artifact store root itself cannot be a source. ${registerAModel}`);
      }
      checkNotAWholeFolder(source, path);
      return { kind: 'artifacts', location: `mlflow-artifacts:/${path}` };
    }
    case 'runs': {
      const body = rest.replace(/^\/+/, '');
      const slash = body.indexOf('/');
      const runId = slash === -1 ? body : body.slice(0, slash);
      const path = slash === -1 ? '' : body.slice(slash + 1);
      let parsed: ModelVersionSource;
      try {
        parsed = {
          kind: 'run',
          runId: validateRunId(runId),
          path: normaliseArtifactPath(path, { allowRoot: true }),
        };
      } catch {
        throw invalidSource(source, "Expected 'runs:/<run_id>/<path>' with a safe relative path.");
      }
      if (parsed.path === '') throw invalidSource(source, `${wholeRun} ${registerAModel}`);
      return parsed;
    }
    case 'models': {
      const body = rest.replace(/^\/+/, '').replace(/\/+$/, '');
      if (/^m-[\w-]{1,64}$/.test(body)) return { kind: 'logged-model', modelId: body };
      const parts = body.split('/');
      if (parts.length === 2 && /^\d+$/.test(parts[1]!)) {
        try {
          return {
            kind: 'model-version',
            name: validateModelName(parts[0]),
            version: parseVersion(parts[1]),
          };
        } catch {
          throw invalidSource(source, "Expected 'models:/<name>/<version>' or 'models:/m-<id>'.");
        }
      }
      throw invalidSource(source, "Expected 'models:/<name>/<version>' or 'models:/m-<id>'.");
    }
    default: {
      if (!remoteSchemes.has(name)) {
        throw invalidSource(source, `Unsupported URI scheme '${match[1]!}'.`);
      }
      const authority = /^\/\/([^/]+)(\/.*)?$/.exec(rest);
      if (!authority) throw invalidSource(source, `Expected '${name}://<host or bucket>/<path>'.`);
      if (authority[1]!.includes('@')) throw invalidSource(source, 'Credentials in URIs are not allowed.');
      if (authority[1] === '.' || authority[1]!.startsWith('.')) {
        throw invalidSource(source, 'Invalid host.');
      }
      return { kind: 'remote', location: source };
    }
  }
}

/** The scheme and authority (`s3://bucket`) of a remote store URI, lower-cased scheme; null for anything else. */
function remoteStoreOf(uri: string): string | null {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]+)/.exec(uri);
  return match ? `${match[1]!.toLowerCase()}://${match[2]!}` : null;
}

/**
 * Whether a remote `location` (e.g. `s3://bucket/a/b`) is `root` or lies below it in the same store, with no
 * empty, `.` or `..` segment below the root (S3 keys may hold them literally; they are refused, never folded).
 */
export function remoteLocationInside(location: string, root: string): boolean {
  const store = remoteStoreOf(root);
  if (store === null || remoteStoreOf(location) !== store) return false;
  const base = root.replace(/\/+$/, '');
  if (location !== base && !location.startsWith(`${base}/`)) return false;
  const below = location.slice(base.length).split('/').slice(1);
  return below.every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** Whether two remote URIs name the same store (scheme and bucket or host). */
export function sameRemoteStore(a: string, b: string): boolean {
  const store = remoteStoreOf(a);
  return store !== null && store === remoteStoreOf(b);
}

/**
 * The store path of a file inside a version's storage location, for get-artifact. Only locations inside this
 * server's store qualify; `path` gets the artifact-path checks (no `..`, no absolute paths, no encodings).
 */
export function versionArtifactStorePath(storageLocation: string, path: string): string {
  if (!/^mlflow-artifacts:/i.test(storageLocation)) {
    throw new InvalidParameterError(
      'This model version is not stored in the server-managed artifact store; its files are not served here.',
    );
  }
  const root = artifactUriToStorePath(storageLocation);
  if (root === '') throw new InvalidParameterError('Invalid model version storage location.');
  const relative = normaliseArtifactPath(path);
  return `${root}/${relative}`;
}

/**
 * Why the files at a version's storage location are not scanned: only the server's own store is read. A `runs:/`
 * location is a run this server does not have (MLflow registers those); `file:` a local folder outside the store,
 * which the server does not read; anything else is remote storage.
 */
export function unscannableReason(location: string): string {
  if (/^runs:/i.test(location)) return 'not scannable: the source run is not on this server';
  if (/^file:/i.test(location)) return 'not scannable: a local folder outside the artifact store';
  return 'not scannable: remote storage';
}
