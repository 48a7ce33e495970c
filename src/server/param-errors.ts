import { BosunError, InvalidParameterError } from '../shared/index.js';
import { pythonJsonOfLiteral, pythonJsonOfValue } from './python-json.js';

const docsHint = ' See the API docs for more information about request parameters.';

/**
 * MLflow's message for a required field that is absent, empty or null: "Missing value for required parameter
 * 'metrics[0].timestamp'. See the API docs for more information about request parameters."
 */
export function missingParameter(path: string): InvalidParameterError {
  return new InvalidParameterError(`Missing value for required parameter '${path}'.${docsHint}`);
}

/**
 * MLflow's message for a field of the wrong type or out of its allowed set, with the value written as MLflow's
 * Python server writes it (`json.dumps`, keys sorted, `9.0` a float): "Invalid value 9.0 for parameter
 * 'artifact_location' supplied:  Hint: Value was of type 'float'. See the API docs for more information about
 * request parameters." `detail` replaces the type hint ("Expected one of RUNNING, ..."); `literal` is the
 * value's JSON text in the request body, when known, which tells `9.0` from `9`.
 */
export function invalidParameter(
  path: string,
  value: unknown,
  detail?: string,
  literal?: string,
): InvalidParameterError {
  const shown = literal === undefined ? pythonJsonOfValue(value) : pythonJsonOfLiteral(literal);
  // MLflow's hint starts with a space after "supplied: "; its message text is kept exactly.
  const reason = detail === undefined ? ` Hint: Value was of type '${shown.typeName}'.` : detail.trimStart();
  return new InvalidParameterError(
    `Invalid value ${shown.text} for parameter '${path}' supplied: ${reason}${docsHint}`,
  );
}

/** A request the server could not read at all (malformed JSON, not an object). */
export function badRequest(message: string): BosunError {
  return new BosunError('BAD_REQUEST', message);
}
