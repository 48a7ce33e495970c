import type { Permission } from '../../shared/index.js';

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
