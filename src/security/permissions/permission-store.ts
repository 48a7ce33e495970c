import type { Kysely, Selectable } from 'kysely';
import type { Database, ResourcePermissionsTable } from '../../db/index.js';
import type { ResourceKind } from './types.js';

type Db = Kysely<Database>;

/** A grant row joined with its user's name, as the grant queries read it. */
export type GrantRow = Pick<
  Selectable<ResourcePermissionsTable>,
  'kind' | 'resource' | 'user_id' | 'permission'
> & {
  username: string;
};

/** One grant as written: the permission is already parsed, the resource id already validated. */
export interface GrantValues {
  kind: ResourceKind;
  resource: string;
  userId: number;
  permission: string;
  now: number;
}

function grantQuery(db: Db) {
  return db
    .selectFrom('resource_permissions as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select(['p.kind', 'p.resource', 'p.user_id', 'p.permission', 'u.username']);
}

/**
 * SQL for per-user grants (`resource_permissions`) and the user lookups they need. Callers validate ids and
 * permissions and turn rows into grants; this file only reads and writes rows.
 *
 * Example: `await permissionStore.insert(db, { kind: 'experiment', resource: '1', userId: 2, permission: 'EDIT', now });`
 */
export const permissionStore = {
  /** Inserts a grant; a second grant of the same user on the same resource fails with a unique violation. */
  async insert(db: Db, g: GrantValues): Promise<void> {
    await db
      .insertInto('resource_permissions')
      .values({
        kind: g.kind,
        resource: g.resource,
        user_id: g.userId,
        permission: g.permission,
        created_at: g.now,
        updated_at: g.now,
      })
      .execute();
  },

  /** Inserts a grant or replaces the permission of the existing one. */
  async upsert(db: Db, g: GrantValues): Promise<void> {
    await db
      .insertInto('resource_permissions')
      .values({
        kind: g.kind,
        resource: g.resource,
        user_id: g.userId,
        permission: g.permission,
        created_at: g.now,
        updated_at: g.now,
      })
      .onConflict((conflict) =>
        conflict
          .columns(['kind', 'resource', 'user_id'])
          .doUpdateSet({ permission: g.permission, updated_at: g.now }),
      )
      .execute();
  },

  async find(db: Db, kind: ResourceKind, resource: string, userId: number): Promise<GrantRow | undefined> {
    return grantQuery(db)
      .where('p.kind', '=', kind)
      .where('p.resource', '=', resource)
      .where('p.user_id', '=', userId)
      .executeTakeFirst();
  },

  /** The stored permission text of one grant, without the user join (the hot path of every check). */
  async permissionOf(
    db: Db,
    kind: ResourceKind,
    resource: string,
    userId: number,
  ): Promise<string | undefined> {
    const row = await db
      .selectFrom('resource_permissions')
      .select('permission')
      .where('kind', '=', kind)
      .where('resource', '=', resource)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.permission;
  },

  /** Whether a grant was there to update. */
  async update(
    db: Db,
    kind: ResourceKind,
    resource: string,
    userId: number,
    change: { permission: string; now: number },
  ): Promise<boolean> {
    const result = await db
      .updateTable('resource_permissions')
      .set({ permission: change.permission, updated_at: change.now })
      .where('kind', '=', kind)
      .where('resource', '=', resource)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  /** Whether a grant was there to delete. */
  async delete(db: Db, kind: ResourceKind, resource: string, userId: number): Promise<boolean> {
    const result = await db
      .deleteFrom('resource_permissions')
      .where('kind', '=', kind)
      .where('resource', '=', resource)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },

  /** Every grant of one user, unordered. */
  async listForUser(db: Db, userId: number): Promise<GrantRow[]> {
    return grantQuery(db).where('p.user_id', '=', userId).execute();
  },

  /** Every grant on one resource, ordered by username (in any letter case). */
  async listForResource(db: Db, kind: ResourceKind, resource: string): Promise<GrantRow[]> {
    return grantQuery(db)
      .where('p.kind', '=', kind)
      .where('p.resource', '=', resource)
      .orderBy('u.username_key')
      .execute();
  },

  async deleteForResource(db: Db, kind: ResourceKind, resource: string): Promise<void> {
    await db
      .deleteFrom('resource_permissions')
      .where('kind', '=', kind)
      .where('resource', '=', resource)
      .execute();
  },

  /** Drops the grants already on `to`, then moves those on `from` there, in one transaction. */
  async rename(db: Db, kind: ResourceKind, from: string, to: string, now: number): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('resource_permissions')
        .where('kind', '=', kind)
        .where('resource', '=', to)
        .execute();
      await trx
        .updateTable('resource_permissions')
        .set({ resource: to, updated_at: now })
        .where('kind', '=', kind)
        .where('resource', '=', from)
        .execute();
    });
  },

  /**
   * The resources of one kind on which the user's grant is (`matches: true`) or is not (`false`) NO_PERMISSIONS,
   * ordered by resource.
   */
  async resourcesWithNoPermissions(
    db: Db,
    kind: ResourceKind,
    userId: number,
    matches: boolean,
  ): Promise<string[]> {
    const rows = await db
      .selectFrom('resource_permissions')
      .select('resource')
      .where('kind', '=', kind)
      .where('user_id', '=', userId)
      .where('permission', matches ? '=' : '!=', 'NO_PERMISSIONS')
      .orderBy('resource')
      .execute();
    return rows.map((r) => r.resource);
  },

  /** Whether a user with this id exists. */
  async userExists(db: Db, userId: number): Promise<boolean> {
    const user = await db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
    return user !== undefined;
  },

  /** A user by the case-folded key of their name. */
  async findUserByKey(db: Db, usernameKey: string): Promise<{ id: number; username: string } | undefined> {
    const row = await db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('username_key', '=', usernameKey)
      .executeTakeFirst();
    return row ? { id: Number(row.id), username: row.username } : undefined;
  },
};
