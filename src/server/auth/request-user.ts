import type { Session } from '../../security/sessions/index.js';
import type { User } from '../../security/users/index.js';
import type { StepTokenScope } from '../../pipelines/index.js';

/** How the caller proved who they are: HTTP Basic, an API token, or the browser's session cookie. */
export type AuthMethod = 'basic' | 'bearer' | 'session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user; set by the auth hook when auth is on, absent on public routes and when auth is off. */
    user?: User;
    /** How `user` signed in. */
    authMethod?: AuthMethod;
    /** The browser session `user` signed in with, when `authMethod` is `session`. */
    signInSession?: Session;
    /** Set when the caller is a pipeline step's token: what it may do beyond its user's permissions is narrowed. */
    stepTokenScope?: StepTokenScope;
  }
}
