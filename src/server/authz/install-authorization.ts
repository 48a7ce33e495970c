import type { FastifyRequest } from 'fastify';
import type { PermissionService } from '../../security/permissions/index.js';
import { validateResourceId } from '../../security/permissions/index.js';
import type { Action, ResourceKind } from '../../security/permissions/index.js';
import { isVisible, type Visibility } from '../../search/index.js';
import type { User } from '../../security/users/index.js';
import { PermissionDeniedError } from '../../shared/index.js';
import type { TypedApp } from '../typed-app.js';
import { locateExperiments, locateModels, type LocateDeps, type Located } from './locate.js';
import {
  readField,
  type AfterSuccess,
  type FieldRef,
  type Requirement,
  type RoutePolicy,
} from './policy-types.js';
import type { RoutePolicies } from './route-policies.js';
import { checkStepTokenScope } from './step-token-scope.js';
import type { StepTokenScope } from '../../pipelines/index.js';

/** What a handler may ask about the caller's rights (set on every request when auth is on). */
export interface Access {
  user: User;
  /** Which resources of a kind the caller may read (one lookup per request and kind), for filtering results. */
  visible(kind: ResourceKind): Promise<Visibility>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's rights; absent when auth is off (single-user mode: everything is visible). */
    access?: Access;
  }
}

export interface AuthorizationDeps extends LocateDeps {
  /** The grants: checked when auth is on, and kept up to date (creators, renames, deletions) either way. */
  permissions: PermissionService;
  /** Every route's policy, assembled from the route plugins. */
  policies: Pick<RoutePolicies, 'policyFor'>;
}

const kindLabel: Record<ResourceKind, string> = {
  experiment: 'experiment',
  'registered-model': 'registered model',
};

function denied(action: Action, kind: ResourceKind, resource?: string): PermissionDeniedError {
  const what = resource !== undefined ? `${kindLabel[kind]} '${resource}'` : `this ${kindLabel[kind]}`;
  return new PermissionDeniedError(`Permission denied: you may not ${action} ${what}.`);
}

async function checkTargets(
  deps: AuthorizationDeps,
  user: User,
  action: Action,
  kind: ResourceKind,
  located: Located,
): Promise<void> {
  if (located === 'unresolvable') throw denied(action, kind);
  for (const target of located) {
    if (!(await deps.permissions.can(user, action, target.kind, target.resource))) {
      throw denied(action, target.kind, target.resource);
    }
  }
}

/** The name of the field a FieldRef reads, for messages (the first, when there are several). */
function fieldName(ref: FieldRef): string {
  return typeof ref.field === 'string' ? ref.field : (ref.field[0] ?? '');
}

async function check(
  deps: AuthorizationDeps,
  request: FastifyRequest,
  user: User,
  requirement: Requirement,
): Promise<void> {
  switch (requirement.kind) {
    case 'public':
    case 'signed-in':
      return;
    case 'admin':
      if (!user.isAdmin) throw new PermissionDeniedError('Permission denied: administrators only.');
      return;
    case 'self-or-admin': {
      const named = readField(request, requirement.username);
      if (user.isAdmin) return;
      if (typeof named === 'string' && named.toLowerCase() === user.username.toLowerCase()) return;
      throw new PermissionDeniedError('Permission denied: only administrators may act for other users.');
    }
    case 'experiment':
      if (user.isAdmin) return;
      return checkTargets(
        deps,
        user,
        requirement.action,
        'experiment',
        await locateExperiments(deps, request, requirement.locate),
      );
    case 'named-resource': {
      const type = readField(request, requirement.type);
      const id = readField(request, requirement.id);
      const kind =
        type === 'experiment' ? 'experiment' : type === 'registered_model' ? 'registered-model' : undefined;
      // Another spelling of the id (`01` for experiment 1) is refused before any grant is looked at.
      const resource =
        kind !== undefined && (typeof id === 'string' || typeof id === 'number')
          ? validateResourceId(kind, String(id), fieldName(requirement.id))
          : undefined;
      if (user.isAdmin) return;
      if (kind === undefined || resource === undefined) {
        throw new PermissionDeniedError('Permission denied: administrators only for this kind of resource.');
      }
      return checkTargets(deps, user, requirement.action, kind, [{ kind, resource }]);
    }
    case 'registered-model':
      if (user.isAdmin) return;
      return checkTargets(
        deps,
        user,
        requirement.action,
        'registered-model',
        await locateModels(deps, request, requirement.locate),
      );
  }
}

function parsePayload(payload: unknown): unknown {
  if (typeof payload !== 'string') return undefined;
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return undefined;
  }
}

async function applyAfterSuccess(
  deps: AuthorizationDeps,
  request: FastifyRequest,
  after: AfterSuccess,
  payload: unknown,
): Promise<void> {
  const permissions = deps.permissions;
  if (!permissions) return;
  switch (after.kind) {
    case 'grant-creator': {
      const id = after.idFromResponse(parsePayload(payload));
      if (request.user && id !== undefined) {
        await permissions.putGrant(after.resource, id, request.user.id, 'MANAGE');
      }
      return;
    }
    case 'drop-model-grants': {
      const name = readField(request, after.name);
      if (typeof name === 'string') await permissions.deleteResourceGrants('registered-model', name);
      return;
    }
    case 'rename-model-grants': {
      const from = readField(request, after.from);
      const to = readField(request, after.to);
      if (typeof from === 'string' && typeof to === 'string') {
        await permissions.renameResource('registered-model', from, to);
      }
      return;
    }
  }
}

function accessFor(deps: AuthorizationDeps, user: User, scope?: StepTokenScope): Access {
  const cache = new Map<ResourceKind, Promise<Visibility>>();
  return {
    user,
    visible(kind) {
      let visibility = cache.get(kind);
      if (!visibility) {
        visibility = deps.permissions.readable(user, kind);
        // A step token sees its pipeline's experiment (if its user may) and no registered model.
        if (scope !== undefined) {
          const own = scope.experimentId;
          visibility = visibility.then((v): Visibility =>
            kind === 'experiment' && isVisible(v, own)
              ? { kind: 'only', resources: [own] }
              : { kind: 'only', resources: [] },
          );
        }
        cache.set(kind, visibility);
      }
      return visibility;
    },
  };
}

const policies = new WeakMap<FastifyRequest, RoutePolicy>();

/**
 * Authorization, installed before any route: each request is checked against its route's policy (declared by
 * its route plugin, see src/server/route-plugin.ts) once its input is parsed and validated, so that checks read the same fields the handler
 * will. A route without a policy is refused for everyone (fail closed). Successful creations give the creator
 * MANAGE; deleted and renamed registered models take their grants with them. With auth off (single-user mode
 * on loopback) nothing is checked, but grants still follow renames and deletions.
 */
export function installAuthorization(app: TypedApp, deps: AuthorizationDeps): void {
  app.addHook('preHandler', async (request) => {
    const pattern = request.routeOptions.url;
    if (pattern === undefined) return; // no route matched: the 404 handler answers
    const policy = deps.policies.policyFor(request.method, pattern);
    if (!policy)
      throw new PermissionDeniedError('Permission denied: no permission is declared for this route.');
    policies.set(request, policy);
    const user = request.user;
    // No user: auth is off (single-user mode), or the route is public.
    if (!user) return;
    const scope = request.stepTokenScope;
    if (scope !== undefined) await checkStepTokenScope(deps, request, pattern, policy, scope);
    for (const requirement of policy.require) await check(deps, request, user, requirement);
    request.access = accessFor(deps, user, scope);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const after = policies.get(request)?.after;
    if (after && reply.statusCode === 200) await applyAfterSuccess(deps, request, after, payload);
    return payload;
  });
}

/**
 * The filter a search applies for the request's caller, ready to spread into its query: `{}` when the caller
 * may read every resource of the kind (auth off, administrators, no hiding grant), else `{ visibility }`.
 */
export async function visibilityFilter(
  request: FastifyRequest,
  kind: ResourceKind,
): Promise<{ visibility?: Visibility }> {
  const visibility = request.access ? await request.access.visible(kind) : undefined;
  return visibility && visibility.kind !== 'all' ? { visibility } : {};
}

/** Whether the request's caller may read one resource (always with auth off). */
export async function mayRead(
  request: FastifyRequest,
  kind: ResourceKind,
  resource: string,
): Promise<boolean> {
  return request.access ? isVisible(await request.access.visible(kind), resource) : true;
}

/** The subset of `resources` the caller may read, in order. */
export async function readableOf(
  request: FastifyRequest,
  kind: ResourceKind,
  resources: readonly string[],
): Promise<string[]> {
  if (!request.access) return [...resources];
  const visibility = await request.access.visible(kind);
  return resources.filter((r) => isVisible(visibility, r));
}

/** The signed-in user as the actor of a registry change (none with auth off). */
export function actorOf(request: FastifyRequest): { actor?: string } {
  return request.user ? { actor: request.user.username } : {};
}
