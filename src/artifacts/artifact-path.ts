import { InvalidParameterError } from '../shared/index.js';

/** Longest artifact path accepted, in characters. */
export const MAX_ARTIFACT_PATH_LENGTH = 2048;
/** Longest single path segment, in UTF-8 bytes (the usual file-name limit). */
export const MAX_ARTIFACT_SEGMENT_BYTES = 255;
/** Percent-decoding rounds tried while looking for hidden traversal; a path still changing after them is refused. */
const MAX_DECODE_ROUNDS = 5;

export interface ArtifactPathOptions {
  /** Accept a path that normalises to the root itself (`''`, `.`, `/`-free empty segments); for listing only. */
  allowRoot?: boolean;
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS_ALL = /[\u0000-\u001f\u007f]/g;
const DRIVE_LETTER = /^[A-Za-z]:/;
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

function printable(raw: string): string {
  const shown = raw.length > 200 ? `${raw.slice(0, 200)}...` : raw;
  return shown.replace(CONTROL_CHARS_ALL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function invalid(raw: string, why: string): InvalidParameterError {
  return new InvalidParameterError(`Invalid path: ${printable(raw)} (${why})`);
}

/** Decodes every well-formed run of percent-escapes and leaves malformed ones as they are. */
function decodeLeniently(value: string): string {
  return value.replace(PERCENT_RUN, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** The checks that apply to the path as received and to every further percent-decoding of it. */
function checkLayer(raw: string, layer: string, decoded: boolean): void {
  if (CONTROL_CHARS.test(layer)) throw invalid(raw, 'control characters are not allowed');
  if (layer.includes('\\')) throw invalid(raw, 'backslashes are not allowed');
  if (layer.includes('#') || layer.includes('?')) throw invalid(raw, "'#' and '?' are not allowed");
  if (layer.startsWith('/')) throw invalid(raw, 'absolute paths are not allowed');
  for (const segment of layer.split('/')) {
    if (segment === '..') throw invalid(raw, "'..' segments are not allowed");
    if (decoded && segment === '.') throw invalid(raw, 'encoded dot segments are not allowed');
    if (DRIVE_LETTER.test(segment)) throw invalid(raw, 'drive letters are not allowed');
  }
}

/**
 * Validates a client-supplied artifact path and returns its canonical form: '/'-separated, relative, without
 * empty or `.` segments (`'a//b/./c/'` → `'a/b/c'`; the root is `''`). Fastify has already percent-decoded the
 * path once; what it hands over is taken literally as the file name, but every further decoding is checked too,
 * so `%2e%2e%2f` (from `%252e%252e%252f` on the wire) is refused rather than stored as an odd name that a later
 * decoder would turn into `../`. Throws `InvalidParameterError` ("Invalid path: ...", as MLflow answers).
 *
 * Example: `normaliseArtifactPath('0/abc/artifacts/model/')` → `'0/abc/artifacts/model'`;
 *          `normaliseArtifactPath('../etc/passwd')` throws.
 */
export function normaliseArtifactPath(raw: string, options: ArtifactPathOptions = {}): string {
  if (typeof raw !== 'string') throw new InvalidParameterError('Invalid path: expected a string');
  if (raw.length > MAX_ARTIFACT_PATH_LENGTH) {
    throw new InvalidParameterError(`Invalid path: longer than ${MAX_ARTIFACT_PATH_LENGTH} characters`);
  }
  checkLayer(raw, raw, false);
  const segments = raw.split('/').filter((segment) => segment !== '' && segment !== '.');
  for (const segment of segments) {
    if (Buffer.byteLength(segment, 'utf8') > MAX_ARTIFACT_SEGMENT_BYTES) {
      throw invalid(raw, `a segment is longer than ${MAX_ARTIFACT_SEGMENT_BYTES} bytes`);
    }
  }
  const normalised = segments.join('/');

  let layer = normalised;
  for (let round = 0; layer.includes('%'); round++) {
    const next = decodeLeniently(layer);
    if (next === layer) break;
    if (round === MAX_DECODE_ROUNDS) throw invalid(raw, 'too many levels of percent-encoding');
    checkLayer(raw, next, true);
    layer = next;
  }

  if (normalised === '' && options.allowRoot !== true)
    throw invalid(raw, 'the artifact root itself is not allowed');
  return normalised;
}

/** Joins canonical paths (outputs of `normaliseArtifactPath`); empty parts are skipped. */
export function joinArtifactPaths(...parts: string[]): string {
  return parts.filter((part) => part !== '').join('/');
}
