import {
  int32Max,
  InvalidParameterError,
  isExperimentId,
  registeredModelNameProblem,
} from '../../shared/index.js';
import type { ResourceKind } from './types.js';

const resourceKinds: readonly ResourceKind[] = ['experiment', 'registered-model'];

/** Refuses an unknown kind (callers outside TypeScript's reach) with a typed error. */
export function checkResourceKind(kind: ResourceKind): void {
  if (!resourceKinds.includes(kind)) {
    throw new InvalidParameterError(
      `Invalid resource kind '${String(kind).slice(0, 40)}': expected ${resourceKinds.join(' or ')}.`,
    );
  }
}

/**
 * The resource a grant is on, in the one spelling the permission checks compare with: an experiment id as the
 * server writes it (`0` or a positive integer up to 2147483647, no sign, leading zeros or blanks), or a name a
 * registered model can have. Anything else is refused with INVALID_PARAMETER_VALUE: a grant on `01` would never
 * match experiment 1, and a check on `01` would not see a grant on `1`.
 *
 * `parameter` names the request field in the message, when there is one.
 *
 * Example: `validateResourceId('experiment', '12')` → `'12'`; `validateResourceId('experiment', '012')` throws.
 */
export function validateResourceId(kind: ResourceKind, resource: unknown, parameter?: string): string {
  checkResourceKind(kind);
  const given = `'${String(resource).slice(0, 40)}'${parameter !== undefined ? ` for parameter '${parameter}'` : ''}`;
  if (kind === 'experiment') {
    if (typeof resource !== 'string' || !isExperimentId(resource)) {
      throw new InvalidParameterError(
        `Invalid experiment id ${given}: expected 0 or an integer up to ${int32Max}, without sign, leading zeros or blanks.`,
      );
    }
    return resource;
  }
  if (typeof resource !== 'string' || registeredModelNameProblem(resource) !== undefined) {
    throw new InvalidParameterError(
      `Invalid registered model name ${given}: expected the name of a registered model (not blank, at most 500 characters, no '/', ':', '\\' or control characters).`,
    );
  }
  return resource;
}
