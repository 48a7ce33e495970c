import { BosunError, InvalidParameterError } from '../shared/index.js';

const docsHint = ' See the API docs for more information about request parameters.';

/** The name Python gives a JSON value's type, as MLflow's messages show it. */
function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

function render(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** MLflow's message for a required field that is absent or empty. */
export function missingParameter(path: string): InvalidParameterError {
  return new InvalidParameterError(`Missing value for required parameter '${path}'.${docsHint}`);
}

/** MLflow's message for a field of the wrong type or out of its allowed set. */
export function invalidParameter(path: string, value: unknown, detail?: string): InvalidParameterError {
  const hint = detail ?? ` Hint: Value was of type '${pythonTypeName(value)}'.`;
  return new InvalidParameterError(
    `Invalid value ${render(value)} for parameter '${path}' supplied.${hint}${docsHint}`,
  );
}

/** A request the server could not read at all (malformed JSON, not an object). */
export function badRequest(message: string): BosunError {
  return new BosunError('BAD_REQUEST', message);
}
