/**
 * Request schemas of identifiers, each in its one spelling (src/shared/id-syntax.ts), for every route that takes
 * one: MLflow's (re-exported by mlflow/wire-schemas.ts) and the native API's. Any other spelling of an id (`01`,
 * `+1`, `1.0`, ` 1`, `１`, `0x1`, `1e0`...) is refused with 400 INVALID_PARAMETER_VALUE by request validation,
 * before authorization runs, so that the permission check, the audit record and the database all see the same
 * id. Single fields also take `""`, which MLflow's proto2 wire format cannot tell from an absent field (the
 * handler then answers "missing" or uses the default); list items and path parameters do not. A schema's
 * description is the hint of its error message.
 */
import { Type } from '@sinclair/typebox';
import {
  anchored,
  anchoredOrEmpty,
  experimentIdSyntax,
  InvalidParameterError,
  int32Max,
  isSerialId,
  loggedModelIdSyntax,
  runIdSyntax,
  serialIdSyntax,
  usernameSyntax,
} from '../shared/index.js';

const experimentIdRule = `an experiment id: 0 or an integer up to ${int32Max}, without sign, leading zeros or blanks`;
const versionRule = `a version number: an integer from 1 to ${int32Max}, without sign, leading zeros or blanks`;
const serialIdRule = `an id: an integer from 1 to ${int32Max}, without sign, leading zeros or blanks`;
const runIdRule = "a run id: an ASCII letter or digit, then up to 255 ASCII letters, digits, '_' or '-'";
const loggedModelIdRule =
  "a logged model id: an ASCII letter or digit, then up to 63 ASCII letters, digits, '_' or '-'";
const usernameRule = "a username: 1 to 64 ASCII letters, digits, '_', '.', '@' or '-'";

/** An experiment id field (`"1"`); `""` counts as absent. */
export const ExperimentIdIn = (note?: string) =>
  Type.String({
    pattern: anchoredOrEmpty(experimentIdSyntax),
    description: note ? `${experimentIdRule} (${note})` : experimentIdRule,
  });
/** An experiment id in a list or a path. */
export const ExperimentIdItem = Type.String({
  pattern: anchored(experimentIdSyntax),
  description: experimentIdRule,
});
/** An experiment id as text or a JSON integer (MLflow's auth client sends what it was given). */
export const ExperimentIdOrNumberIn = Type.Union([
  ExperimentIdIn(),
  Type.Integer({ minimum: 0, maximum: int32Max, description: experimentIdRule }),
]);

/** A run id field; `""` counts as absent. */
export const RunIdIn = (note?: string) =>
  Type.String({
    pattern: anchoredOrEmpty(runIdSyntax),
    description: note ? `${runIdRule} (${note})` : runIdRule,
  });
/** A run id in a list or a path. */
export const RunIdItem = Type.String({ pattern: anchored(runIdSyntax), description: runIdRule });

/** An optional logged-model id field; `""` counts as absent. */
export const LoggedModelIdIn = Type.String({
  pattern: anchoredOrEmpty(loggedModelIdSyntax),
  description: loggedModelIdRule,
});
/** A required logged-model id (a path parameter, an item of `models`). */
export const LoggedModelIdItem = Type.String({
  pattern: anchored(loggedModelIdSyntax),
  description: loggedModelIdRule,
});

/** A model version number in a JSON body: its text (`"1"`; `""` counts as absent) or a JSON integer. */
export const VersionIn = Type.Union([
  Type.String({ pattern: anchoredOrEmpty(serialIdSyntax), description: versionRule }),
  Type.Integer({ minimum: 1, maximum: int32Max, description: versionRule }),
]);
/**
 * A model version number in a query string (text only: a numeric branch would let the query-string validator's
 * coercion turn `01` or ` 1` into 1).
 */
export const VersionQueryIn = Type.String({
  pattern: anchoredOrEmpty(serialIdSyntax),
  description: versionRule,
});
/** A model version number in a path. */
export const VersionParam = Type.String({ pattern: anchored(serialIdSyntax), description: versionRule });

/** A positive serial id in a path or query string (approvals, tokens, webhooks, secret versions). */
export const SerialIdParam = Type.String({ pattern: anchored(serialIdSyntax), description: serialIdRule });

/** A username field; `""` counts as absent. */
export const UsernameIn = Type.String({
  pattern: anchoredOrEmpty(usernameSyntax),
  description: usernameRule,
});
/** A username in a path. */
export const UsernameParam = Type.String({ pattern: anchored(usernameSyntax), description: usernameRule });
/** The `{username}` path parameters of the user, token and session routes. */
export const UsernameParams = Type.Object({ username: UsernameParam });

/**
 * A serial id path parameter as a number, or the API's 400 naming the parameter (the schema's pattern already
 * refuses most bad values; this is the check the handler relies on).
 * Example: `serialIdOf('token_id', req.params.token_id)` → `12`.
 */
export function serialIdOf(name: string, text: string): number {
  if (!isSerialId(text)) {
    throw new InvalidParameterError(`Invalid value for parameter '${name}': expected a positive integer.`);
  }
  return Number(text);
}
