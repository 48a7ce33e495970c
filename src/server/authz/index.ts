export {
  actorOf,
  installAuthorization,
  mayRead,
  readableOf,
  visibilityFilter,
  type Access,
  type AuthorizationDeps,
} from './install-authorization.js';
export { isPublicRoute, policyFor, publicRouteKeys, routePolicies } from './route-policies.js';
export type * from './policy-types.js';
