import { InvalidParameterError, permissionLevels, type Permission } from '../../shared/index.js';
import type { Action } from './types.js';

/** What each level allows, as in MLflow's auth app (each level includes the ones below it). */
const allowed: Readonly<Record<Permission, Readonly<Record<Action, boolean>>>> = {
  NO_PERMISSIONS: { read: false, update: false, delete: false, manage: false },
  READ: { read: true, update: false, delete: false, manage: false },
  EDIT: { read: true, update: true, delete: false, manage: false },
  MANAGE: { read: true, update: true, delete: true, manage: true },
};

/** Whether `permission` allows `action`: READ reads; EDIT reads and updates; MANAGE also deletes and grants. */
export function allows(permission: Permission, action: Action): boolean {
  return allowed[permission][action];
}

/** True for one of the four level names, spelled exactly. */
export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (permissionLevels as readonly string[]).includes(value);
}

/**
 * A permission level from text, in any letter case (`read` is READ). Anything else is INVALID_PARAMETER_VALUE
 * naming the allowed values. `parameter` names the field in the message.
 */
export function parsePermission(text: unknown, parameter = 'permission'): Permission {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new InvalidParameterError(
      `Missing value for parameter '${parameter}': expected one of ${permissionLevels.join(', ')}.`,
    );
  }
  const level = text.trim().toUpperCase();
  if (!isPermission(level)) {
    throw new InvalidParameterError(
      `Invalid value '${text.length > 40 ? `${text.slice(0, 40)}…` : text}' for parameter '${parameter}': expected one of ${permissionLevels.join(', ')}.`,
    );
  }
  return level;
}
