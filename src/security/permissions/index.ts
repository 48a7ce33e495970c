export type { Action, Grant, ResourceKind } from './types.js';
export type { PermissionService } from './permission-service-contract.js';
export { SqlPermissionService, type PermissionServiceOptions } from './permission-service.js';
export { allows, isPermission, parsePermission } from './levels.js';
export { validateResourceId } from './resource-ids.js';
