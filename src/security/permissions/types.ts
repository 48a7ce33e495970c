/**
 * Permissions on experiments and registered models, as MLflow's auth app defines them: each level includes the
 * ones below it. EDIT may change a resource but not delete it; MANAGE may also delete it and grant permissions.
 */
export const permissionLevels = ['NO_PERMISSIONS', 'READ', 'EDIT', 'MANAGE'] as const;
export type Permission = (typeof permissionLevels)[number];

/** What a request wants to do to a resource. */
export type Action = 'read' | 'update' | 'delete' | 'manage';

/** The kinds of resource that carry per-user grants. */
export type ResourceKind = 'experiment' | 'registered-model';

/** A grant of one permission on one resource to one user. Experiments by id, registered models by name. */
export interface Grant {
  kind: ResourceKind;
  /** The experiment id or the registered model's name. */
  resource: string;
  userId: number;
  username: string;
  permission: Permission;
}

/**
 * Which resources of one kind a caller may read, as a search can apply it in SQL: every one, every one but
 * some (the default permission reads, some grants say NO_PERMISSIONS), or only some (the default does not read).
 */
export type Visibility =
  { kind: 'all' } | { kind: 'except'; resources: string[] } | { kind: 'only'; resources: string[] };

/** Whether a visibility lets the caller read one resource (the in-memory twin of the SQL filter). */
export function isVisible(visibility: Visibility, resource: string): boolean {
  switch (visibility.kind) {
    case 'all':
      return true;
    case 'except':
      return !visibility.resources.includes(resource);
    case 'only':
      return visibility.resources.includes(resource);
  }
}
