/** Per-user grants on experiments and registered models. Times are epoch milliseconds. */
import type { Generated } from 'kysely';

/**
 * One user's permission on one resource. `kind` is `experiment` (then `resource` is the experiment id as text)
 * or `registered-model` (the model's name). `permission` is NO_PERMISSIONS, READ, EDIT or MANAGE. Unique per
 * (kind, resource, user_id); rows go when their user is deleted.
 */
export interface ResourcePermissionsTable {
  id: Generated<number>;
  kind: string;
  resource: string;
  user_id: number;
  permission: string;
  created_at: number;
  updated_at: number;
}

export interface PermissionTables {
  resource_permissions: ResourcePermissionsTable;
}
