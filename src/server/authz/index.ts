export {
  actorOf,
  installAuthorization,
  mayRead,
  readableOf,
  visibilityFilter,
  type Access,
  type AuthorizationDeps,
} from './install-authorization.js';
export {
  combinePolicies,
  DuplicateRoutePolicyError,
  policyKey,
  RoutePolicies,
  type PolicySource,
} from './route-policies.js';
export type * from './policy-types.js';
