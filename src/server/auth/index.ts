export { corsRoutes, installCors } from './install-cors.js';
export {
  installSecurity,
  parseAuthorization,
  registeredRoutes,
  sendUnauthenticated,
  type AuthFailure,
  type RouteEntry,
  type SecurityOptions,
} from './install-security.js';
export { allowedHostEntries, isHostAllowed, parseHostHeader } from './host-allowlist.js';
export { checkExposure, enableAuthHelp, isLoopbackHost } from './exposure.js';
export { prepareUsers, type StartNotice } from './bootstrap.js';
export type { AuthMethod } from './request-user.js';
export {
  cameOverTls,
  clearedSessionCookie,
  readSessionCookie,
  sessionCookie,
  sessionCookieName,
} from './session-cookie.js';
