export { SessionService, defaultSessionPolicy, type SessionServiceOptions } from './session-service.js';
export { generateSessionToken, hashSessionToken, isWellFormedSessionToken } from './session-token.js';
export type {
  Session,
  SessionCheck,
  SessionOrigin,
  SessionPolicy,
  SessionRefusal,
  StartedSession,
} from './types.js';
