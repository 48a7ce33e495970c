import type { PlatformServices } from '../platform/index.js';
import type { PolicyTable } from './authz/policy-types.js';
import type { TypedApp } from './typed-app.js';

/**
 * One domain's HTTP surface: its routes and the permission each needs. `policies` holds one entry per route
 * `register` adds (`"<METHOD> <pattern>"`, see src/server/authz/policy-helpers.ts for the constructors; an
 * entry's `audit` names what an audited request touched when the default guess does not fit). buildApp
 * registers the plugins of src/server/route-plugins.ts in order and assembles their policies into the one
 * table that authentication, authorization, the audit hook and the OpenAPI document read; a key declared by
 * two plugins stops the app from being built.
 * Example: `export const lineageRoutes: RoutePlugin = { name: 'lineage', policies, register: (app, s) => ... }`.
 */
export interface RoutePlugin {
  readonly name: string;
  readonly policies: PolicyTable;
  register(app: TypedApp, services: PlatformServices): Promise<void> | void;
}
