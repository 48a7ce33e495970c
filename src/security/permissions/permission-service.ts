import type { Kysely } from 'kysely';
import { type Database, type DatabaseHandle, isUniqueViolation } from '../../db/index.js';
import {
  AlreadyExistsError,
  type Clock,
  InvalidParameterError,
  isExperimentId,
  NotFoundError,
  type Permission,
  systemClock,
} from '../../shared/index.js';
import type { Visibility } from '../../search/index.js';
import type { User } from '../users/index.js';
import { usernameKey } from '../users/validation.js';
import { allows, parsePermission } from './levels.js';
import type { PermissionService } from './permission-service-contract.js';
import { type GrantRow, permissionStore } from './permission-store.js';
import { checkResourceKind, validateResourceId } from './resource-ids.js';
import type { Action, Grant, ResourceKind } from './types.js';

type Db = Kysely<Database>;

export interface PermissionServiceOptions {
  handle: DatabaseHandle;
  /** The permission a user has on a resource without a grant (`--default-permission`; MLflow's is READ). */
  defaultPermission: Permission;
  clock?: Clock;
}

/** `experiment 12` or `registered model 'churn'`, for messages. */
function describeResource(kind: ResourceKind, resource: string): string {
  return kind === 'experiment' ? `experiment ${resource}` : `registered model '${resource}'`;
}

function grantFromRow(row: GrantRow): Grant {
  return {
    kind: row.kind as ResourceKind,
    resource: row.resource,
    userId: Number(row.user_id),
    username: row.username,
    permission: parsePermission(row.permission),
  };
}

/** Experiments by numeric id, registered models by name; resources of one kind together. */
function compareGrants(a: Grant, b: Grant): number {
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  if (a.kind === 'experiment' && a.resource.length !== b.resource.length) {
    return a.resource.length - b.resource.length;
  }
  return a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0;
}

/**
 * Per-user grants on experiments and registered models, and the decisions built on them (see the `PermissionService` interface).
 * Administrators may do everything, even on a resource where their grant says NO_PERMISSIONS.
 *
 * Example: `const permissions = new SqlPermissionService({ handle, defaultPermission: 'READ' });
 *           await permissions.createGrant('experiment', '1', 'alice', 'EDIT');
 *           await permissions.can(alice, 'update', 'experiment', '1'); // true`
 */
export class SqlPermissionService implements PermissionService {
  readonly defaultPermission: Permission;
  private readonly db: Db;
  private readonly clock: Clock;

  constructor(options: PermissionServiceOptions) {
    this.db = options.handle.db;
    this.defaultPermission = parsePermission(options.defaultPermission, 'defaultPermission');
    this.clock = options.clock ?? systemClock;
  }

  // ---- grants ----

  async createGrant(
    kind: ResourceKind,
    resource: string,
    username: string,
    permission: Permission,
  ): Promise<Grant> {
    const name = validateResourceId(kind, resource);
    const level = parsePermission(permission);
    const user = await this.findUser(username);
    const now = this.clock.nowMs();
    try {
      await permissionStore.insert(this.db, {
        kind,
        resource: name,
        userId: user.id,
        permission: level,
        now,
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AlreadyExistsError(
          `User '${user.username}' already has a permission on ${describeResource(kind, name)}.`,
        );
      }
      throw error;
    }
    return { kind, resource: name, userId: user.id, username: user.username, permission: level };
  }

  async getGrant(kind: ResourceKind, resource: string, username: string): Promise<Grant> {
    validateResourceId(kind, resource);
    const user = await this.findUser(username);
    const row = await permissionStore.find(this.db, kind, resource, user.id);
    if (!row) throw grantNotFound(kind, resource, user.username);
    return grantFromRow(row);
  }

  async updateGrant(
    kind: ResourceKind,
    resource: string,
    username: string,
    permission: Permission,
  ): Promise<Grant> {
    validateResourceId(kind, resource);
    const level = parsePermission(permission);
    const user = await this.findUser(username);
    const updated = await permissionStore.update(this.db, kind, resource, user.id, {
      permission: level,
      now: this.clock.nowMs(),
    });
    if (!updated) throw grantNotFound(kind, resource, user.username);
    return { kind, resource, userId: user.id, username: user.username, permission: level };
  }

  async deleteGrant(kind: ResourceKind, resource: string, username: string): Promise<void> {
    validateResourceId(kind, resource);
    const user = await this.findUser(username);
    if (!(await permissionStore.delete(this.db, kind, resource, user.id))) {
      throw grantNotFound(kind, resource, user.username);
    }
  }

  async putGrant(
    kind: ResourceKind,
    resource: string,
    userId: number,
    permission: Permission,
  ): Promise<void> {
    const name = validateResourceId(kind, resource);
    const level = parsePermission(permission);
    if (!(await permissionStore.userExists(this.db, userId))) {
      throw new NotFoundError(`User ${userId} does not exist.`);
    }
    const now = this.clock.nowMs();
    await permissionStore.upsert(this.db, { kind, resource: name, userId, permission: level, now });
  }

  async listUserGrants(userId: number): Promise<Grant[]> {
    const rows = await permissionStore.listForUser(this.db, userId);
    return rows.map(grantFromRow).sort(compareGrants);
  }

  async listResourceGrants(kind: ResourceKind, resource: string): Promise<Grant[]> {
    checkResourceKind(kind);
    const rows = await permissionStore.listForResource(this.db, kind, resource);
    return rows.map(grantFromRow);
  }

  async deleteResourceGrants(kind: ResourceKind, resource: string): Promise<void> {
    checkResourceKind(kind);
    await permissionStore.deleteForResource(this.db, kind, resource);
  }

  /**
   * Moves every grant to the new name. Grants already on `to` are stale (the rename succeeded, so no resource
   * had that name) and are dropped first, so they cannot leak onto the renamed resource.
   */
  async renameResource(kind: ResourceKind, from: string, to: string): Promise<void> {
    const target = validateResourceId(kind, to);
    if (from === target) return;
    await permissionStore.rename(this.db, kind, from, target, this.clock.nowMs());
  }

  // ---- decisions ----

  async effectivePermission(user: User, kind: ResourceKind, resource: string): Promise<Permission> {
    if (user.isAdmin) return 'MANAGE';
    checkResourceKind(kind);
    const stored = await permissionStore.permissionOf(this.db, kind, resource, user.id);
    return stored !== undefined ? parsePermission(stored) : this.defaultPermission;
  }

  async can(user: User, action: Action, kind: ResourceKind, resource: string): Promise<boolean> {
    if (user.isAdmin) return true;
    return allows(await this.effectivePermission(user, kind, resource), action);
  }

  /**
   * Admins: all. Default that reads: all but the resources where the user's grant is NO_PERMISSIONS. Default
   * NO_PERMISSIONS: only the resources where the user's grant reads.
   */
  async readable(user: User, kind: ResourceKind): Promise<Visibility> {
    if (user.isAdmin) return { kind: 'all' };
    checkResourceKind(kind);
    // A grant stored under another spelling of an id (before grants were checked for it) never matches `can`;
    // it is left out here too, so that lists and direct reads agree.
    const matching = (resources: string[]) =>
      resources.filter((r) => kind !== 'experiment' || isExperimentId(r));
    if (allows(this.defaultPermission, 'read')) {
      const hidden = matching(await permissionStore.resourcesWithNoPermissions(this.db, kind, user.id, true));
      return hidden.length === 0 ? { kind: 'all' } : { kind: 'except', resources: hidden };
    }
    const shown = matching(await permissionStore.resourcesWithNoPermissions(this.db, kind, user.id, false));
    return { kind: 'only', resources: shown };
  }

  // ---- internals ----

  /** The user by name, in any letter case. */
  private async findUser(username: string): Promise<{ id: number; username: string }> {
    if (typeof username !== 'string' || username === '') {
      throw new InvalidParameterError("Missing value for parameter 'username'.");
    }
    const user = await permissionStore.findUserByKey(this.db, usernameKey(username));
    if (!user) throw new NotFoundError(`User '${username}' does not exist.`);
    return user;
  }
}

function grantNotFound(kind: ResourceKind, resource: string, username: string): NotFoundError {
  return new NotFoundError(`User '${username}' has no permission on ${describeResource(kind, resource)}.`);
}
