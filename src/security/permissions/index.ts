export {
  isVisible,
  permissionLevels,
  type Action,
  type Grant,
  type Permission,
  type ResourceKind,
  type Visibility,
} from './types.js';
export type { PermissionServiceContract } from './permission-service-contract.js';
export { PermissionService, type PermissionServiceOptions } from './permission-service.js';
export { allows, isPermission, parsePermission } from './levels.js';
export { validateResourceId } from './resource-ids.js';
