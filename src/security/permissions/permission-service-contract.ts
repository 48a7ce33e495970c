import type { Visibility } from '../../search/index.js';
import type { Permission } from '../../shared/index.js';
import type { User } from '../users/index.js';
import type { Action, Grant, ResourceKind } from './types.js';

/**
 * Per-user grants on experiments and registered models, the configured default permission, and the decisions
 * built on them. Administrators may do everything (even where a grant says NO_PERMISSIONS).
 */
export interface PermissionService {
  /** The permission that applies when a user has no grant on a resource. */
  readonly defaultPermission: Permission;

  /** Creates a grant; RESOURCE_ALREADY_EXISTS if the user already has one on the resource, RESOURCE_DOES_NOT_EXIST for an unknown user. */
  createGrant(kind: ResourceKind, resource: string, username: string, permission: Permission): Promise<Grant>;
  /** RESOURCE_DOES_NOT_EXIST when there is no such grant (or user). */
  getGrant(kind: ResourceKind, resource: string, username: string): Promise<Grant>;
  /** Changes an existing grant; RESOURCE_DOES_NOT_EXIST when there is none. */
  updateGrant(kind: ResourceKind, resource: string, username: string, permission: Permission): Promise<Grant>;
  /** Removes a grant; RESOURCE_DOES_NOT_EXIST when there is none. */
  deleteGrant(kind: ResourceKind, resource: string, username: string): Promise<void>;
  /** Creates or replaces a grant (used for creators: MANAGE). */
  putGrant(kind: ResourceKind, resource: string, userId: number, permission: Permission): Promise<void>;
  /** Every grant of one user (both kinds), ordered by kind then resource. */
  listUserGrants(userId: number): Promise<Grant[]>;
  /** Every grant on one resource, ordered by username. */
  listResourceGrants(kind: ResourceKind, resource: string): Promise<Grant[]>;
  /** Removes every grant on a resource (a registered model was deleted: its name may be reused). */
  deleteResourceGrants(kind: ResourceKind, resource: string): Promise<void>;
  /** Moves every grant of a registered model to its new name (rename). */
  renameResource(kind: ResourceKind, from: string, to: string): Promise<void>;

  /** The permission `user` has on a resource: MANAGE for admins, else the grant, else the default. */
  effectivePermission(user: User, kind: ResourceKind, resource: string): Promise<Permission>;
  /** Whether `user` may do `action` on the resource. */
  can(user: User, action: Action, kind: ResourceKind, resource: string): Promise<boolean>;
  /** Which resources of a kind `user` may read, for filtering searches in SQL (admins: all). */
  readable(user: User, kind: ResourceKind): Promise<Visibility>;
}
