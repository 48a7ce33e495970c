import type { Kysely, Selectable } from 'kysely';
import {
  type Database,
  type DatabaseHandle,
  isUniqueViolation,
  type ResourcePermissionsTable,
} from '../../db/index.js';
import {
  AlreadyExistsError,
  type Clock,
  InvalidParameterError,
  isExperimentId,
  NotFoundError,
  systemClock,
} from '../../shared/index.js';
import type { User } from '../users/index.js';
import { usernameKey } from '../users/validation.js';
import { allows, parsePermission } from './levels.js';
import type { PermissionServiceContract } from './permission-service-contract.js';
import { checkResourceKind, validateResourceId } from './resource-ids.js';
import type { Action, Grant, Permission, ResourceKind, Visibility } from './types.js';

type Db = Kysely<Database>;
type GrantRow = Pick<Selectable<ResourcePermissionsTable>, 'kind' | 'resource' | 'user_id' | 'permission'> & {
  username: string;
};

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
 * Per-user grants on experiments and registered models, and the decisions built on them (see the contract).
 * Administrators may do everything, even on a resource where their grant says NO_PERMISSIONS.
 *
 * Example: `const permissions = new PermissionService({ handle, defaultPermission: 'READ' });
 *           await permissions.createGrant('experiment', '1', 'alice', 'EDIT');
 *           await permissions.can(alice, 'update', 'experiment', '1'); // true`
 */
export class PermissionService implements PermissionServiceContract {
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
      await this.db
        .insertInto('resource_permissions')
        .values({
          kind,
          resource: name,
          user_id: user.id,
          permission: level,
          created_at: now,
          updated_at: now,
        })
        .execute();
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
    const row = await this.grantQuery()
      .where('p.kind', '=', kind)
      .where('p.resource', '=', resource)
      .where('p.user_id', '=', user.id)
      .executeTakeFirst();
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
    const result = await this.db
      .updateTable('resource_permissions')
      .set({ permission: level, updated_at: this.clock.nowMs() })
      .where('kind', '=', kind)
      .where('resource', '=', resource)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw grantNotFound(kind, resource, user.username);
    return { kind, resource, userId: user.id, username: user.username, permission: level };
  }

  async deleteGrant(kind: ResourceKind, resource: string, username: string): Promise<void> {
    validateResourceId(kind, resource);
    const user = await this.findUser(username);
    const result = await this.db
      .deleteFrom('resource_permissions')
      .where('kind', '=', kind)
      .where('resource', '=', resource)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw grantNotFound(kind, resource, user.username);
  }

  async putGrant(
    kind: ResourceKind,
    resource: string,
    userId: number,
    permission: Permission,
  ): Promise<void> {
    const name = validateResourceId(kind, resource);
    const level = parsePermission(permission);
    const user = await this.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
    if (!user) throw new NotFoundError(`User ${userId} does not exist.`);
    const now = this.clock.nowMs();
    await this.db
      .insertInto('resource_permissions')
      .values({
        kind,
        resource: name,
        user_id: userId,
        permission: level,
        created_at: now,
        updated_at: now,
      })
      .onConflict((conflict) =>
        conflict.columns(['kind', 'resource', 'user_id']).doUpdateSet({ permission: level, updated_at: now }),
      )
      .execute();
  }

  async listUserGrants(userId: number): Promise<Grant[]> {
    const rows = await this.grantQuery().where('p.user_id', '=', userId).execute();
    return rows.map(grantFromRow).sort(compareGrants);
  }

  async listResourceGrants(kind: ResourceKind, resource: string): Promise<Grant[]> {
    checkResourceKind(kind);
    const rows = await this.grantQuery()
      .where('p.kind', '=', kind)
      .where('p.resource', '=', resource)
      .orderBy('u.username_key')
      .execute();
    return rows.map(grantFromRow);
  }

  async deleteResourceGrants(kind: ResourceKind, resource: string): Promise<void> {
    checkResourceKind(kind);
    await this.db
      .deleteFrom('resource_permissions')
      .where('kind', '=', kind)
      .where('resource', '=', resource)
      .execute();
  }

  /**
   * Moves every grant to the new name. Grants already on `to` are stale (the rename succeeded, so no resource
   * had that name) and are dropped first, so they cannot leak onto the renamed resource.
   */
  async renameResource(kind: ResourceKind, from: string, to: string): Promise<void> {
    const target = validateResourceId(kind, to);
    if (from === target) return;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('resource_permissions')
        .where('kind', '=', kind)
        .where('resource', '=', target)
        .execute();
      await trx
        .updateTable('resource_permissions')
        .set({ resource: target, updated_at: this.clock.nowMs() })
        .where('kind', '=', kind)
        .where('resource', '=', from)
        .execute();
    });
  }

  // ---- decisions ----

  async effectivePermission(user: User, kind: ResourceKind, resource: string): Promise<Permission> {
    if (user.isAdmin) return 'MANAGE';
    checkResourceKind(kind);
    const row = await this.db
      .selectFrom('resource_permissions')
      .select('permission')
      .where('kind', '=', kind)
      .where('resource', '=', resource)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    return row ? parsePermission(row.permission) : this.defaultPermission;
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
    const query = this.db
      .selectFrom('resource_permissions')
      .select('resource')
      .where('kind', '=', kind)
      .where('user_id', '=', user.id)
      .orderBy('resource');
    // A grant stored under another spelling of an id (before grants were checked for it) never matches `can`;
    // it is left out here too, so that lists and direct reads agree.
    const matching = (rows: { resource: string }[]) =>
      rows.map((r) => r.resource).filter((r) => kind !== 'experiment' || isExperimentId(r));
    if (allows(this.defaultPermission, 'read')) {
      const hidden = matching(await query.where('permission', '=', 'NO_PERMISSIONS').execute());
      return hidden.length === 0 ? { kind: 'all' } : { kind: 'except', resources: hidden };
    }
    const shown = matching(await query.where('permission', '!=', 'NO_PERMISSIONS').execute());
    return { kind: 'only', resources: shown };
  }

  // ---- internals ----

  private grantQuery() {
    return this.db
      .selectFrom('resource_permissions as p')
      .innerJoin('users as u', 'u.id', 'p.user_id')
      .select(['p.kind', 'p.resource', 'p.user_id', 'p.permission', 'u.username']);
  }

  /** The user by name, in any letter case. */
  private async findUser(username: string): Promise<{ id: number; username: string }> {
    if (typeof username !== 'string' || username === '') {
      throw new InvalidParameterError("Missing value for parameter 'username'.");
    }
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('username_key', '=', usernameKey(username))
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`User '${username}' does not exist.`);
    return { id: Number(row.id), username: row.username };
  }
}

function grantNotFound(kind: ResourceKind, resource: string, username: string): NotFoundError {
  return new NotFoundError(`User '${username}' has no permission on ${describeResource(kind, resource)}.`);
}
