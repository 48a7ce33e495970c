/**
 * Permissions on experiments and registered models, as MLflow's auth app defines them: each level includes the
 * ones below it. EDIT may change a resource but not delete it; MANAGE may also delete it and grant permissions.
 * Defined here (not in security/) because the configuration reads the default permission.
 */
export const permissionLevels = ['NO_PERMISSIONS', 'READ', 'EDIT', 'MANAGE'] as const;

/** One of the four permission levels. */
export type Permission = (typeof permissionLevels)[number];
