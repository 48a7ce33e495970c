import { InvalidParameterError } from '../shared/index.js';
import { normaliseArtifactPath } from './artifact-path.js';

/**
 * Where a canonical store path sits in the layout the server gives experiments (`<experiment_id>/...`):
 * - `store-root`: `''`, every experiment;
 * - `experiment-folder`: `<exp>`;
 * - `run-folder`: `<exp>/<run_id>`; `run-root`: `<exp>/<run_id>/artifacts` (a run's artifact URI);
 * - `logged-models-folder`: `<exp>/models`; `logged-model-folder`: `<exp>/models/<model_id>`;
 *   `logged-model-root`: `<exp>/models/<model_id>/artifacts` (a logged model's artifact location);
 * - `below`: anything else (inside a root, or a path outside the numbered layout, e.g. a custom location).
 */
export type ArtifactPathRole =
  | 'store-root'
  | 'experiment-folder'
  | 'run-folder'
  | 'run-root'
  | 'logged-models-folder'
  | 'logged-model-folder'
  | 'logged-model-root'
  | 'below';

/**
 * What a request does with its path, which decides the roots it may name:
 * - `file` (upload, download, delete, presigned URL): no root at all, only paths below one;
 * - `folder` (listing, multipart upload target): a run's or logged model's artifact root, or below one
 *   (the `mlflow` client lists `<exp>/<run_id>/artifacts` and starts multipart uploads there);
 * - `relative` (the tracking API's `artifacts/list?path=`, relative to a run's artifact root): the syntax rules
 *   only, `''` being that root.
 */
export type ArtifactPathUse = 'file' | 'folder' | 'relative';

const EXPERIMENT_ID = /^\d+$/;
/** Well-formed percent-escape runs (`%c0%ae`); malformed ones (`100%.txt`) are literal text. */
const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
/** As many decodings as `normaliseArtifactPath` allows; it refuses paths that need more. */
const MAX_DECODE_ROUNDS = 6;

/** The layout role of a canonical store path (an output of `normaliseArtifactPath`). */
export function artifactPathRole(canonical: string): ArtifactPathRole {
  if (canonical === '') return 'store-root';
  const segments = canonical.split('/');
  const [experiment, second, third, fourth] = segments;
  if (experiment === undefined || !EXPERIMENT_ID.test(experiment)) return 'below';
  switch (segments.length) {
    case 1:
      return 'experiment-folder';
    case 2:
      return second === 'models' ? 'logged-models-folder' : 'run-folder';
    case 3:
      if (second === 'models') return 'logged-model-folder';
      return third === 'artifacts' ? 'run-root' : 'below';
    case 4:
      return second === 'models' && fourth === 'artifacts' ? 'logged-model-root' : 'below';
    default:
      return 'below';
  }
}

const ROLE_WORDS: Record<Exclude<ArtifactPathRole, 'below'>, string> = {
  'store-root': 'the root of the artifact store',
  'experiment-folder': "an experiment's artifact folder",
  'run-folder': "a run's folder",
  'run-root': "a run's artifact root",
  'logged-models-folder': "an experiment's logged-model folder",
  'logged-model-folder': "a logged model's folder",
  'logged-model-root': "a logged model's artifact root",
};

function shown(raw: string): string {
  const cut = raw.length > 200 ? `${raw.slice(0, 200)}...` : raw;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function invalid(raw: string, why: string): InvalidParameterError {
  return new InvalidParameterError(`Invalid path: ${shown(raw)} (${why})`);
}

/** Dot and empty segments are refused in every spelling; one trailing `/` is tolerated (`model/` lists `model`). */
function checkSegments(raw: string): void {
  const body = raw.endsWith('/') ? raw.slice(0, -1) : raw;
  if (body === '') return;
  for (const segment of body.split('/')) {
    if (segment === '') throw invalid(raw, "empty path segments ('//') are not allowed");
    if (segment === '.') throw invalid(raw, "'.' segments are not allowed");
  }
}

/**
 * Escapes that do not decode as UTF-8 (`%c0%ae`, an overlong `.`; `%ff`) are refused: some decoders turn them into
 * `.` or `/`, and no client encodes a real file name that way.
 */
function checkEscapes(raw: string): void {
  for (const run of raw.match(ESCAPE_RUN) ?? []) {
    try {
      decodeURIComponent(run);
    } catch {
      throw invalid(raw, 'percent-escapes that are not UTF-8 (overlong forms) are not allowed');
    }
  }
}

/**
 * Validates the path of an artifact request (the proxy's `artifacts/<path>`, `?path=`, the multipart and presigned
 * routes) and returns its canonical store path. On top of `normaliseArtifactPath` (no `..`, absolute paths,
 * backslashes, `#`, `?`, control characters or encoded forms of them), it refuses `.` and empty segments in any
 * spelling, escapes that are not UTF-8, and paths naming a root of the layout (`artifactPathRole`) that `use`
 * does not allow: a request never acts on a whole experiment, run or logged model. Throws `InvalidParameterError`.
 *
 * Example: `parseArtifactRequestPath('1/3f2a/artifacts/model/', 'file')` → `'1/3f2a/artifacts/model'`;
 *          `parseArtifactRequestPath('1/.', 'file')`, `('1/3f2a/artifacts', 'file')` and `('1', 'folder')` throw;
 *          `parseArtifactRequestPath('1/3f2a/artifacts', 'folder')` → `'1/3f2a/artifacts'`.
 */
export function parseArtifactRequestPath(raw: string, use: ArtifactPathUse): string {
  if (typeof raw !== 'string') throw new InvalidParameterError('Invalid path: expected a string');
  const canonical = normaliseArtifactPath(raw, { allowRoot: true });
  // The path as received and every further decoding of it (`%2e` arrives decoded once, `%252e` as `%2e`).
  let layer = raw;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    checkSegments(layer);
    checkEscapes(layer);
    const next = layer.replace(ESCAPE_RUN, (run) => decodeURIComponent(run));
    if (next === layer) break;
    layer = next;
  }
  if (use === 'relative') return canonical;
  const role = artifactPathRole(canonical);
  const allowed =
    role === 'below' || (use === 'folder' && (role === 'run-root' || role === 'logged-model-root'));
  if (!allowed) {
    const what = ROLE_WORDS[role as Exclude<ArtifactPathRole, 'below'>];
    const hint =
      use === 'file'
        ? 'name a file or folder inside an artifact root'
        : 'list a run or logged model artifact root';
    throw invalid(raw, `it names ${what}; ${hint}`);
  }
  return canonical;
}
