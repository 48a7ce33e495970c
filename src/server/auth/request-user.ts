import type { User } from '../../security/users/index.js';

/** How the caller proved who they are. */
export type AuthMethod = 'basic' | 'bearer';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user; set by the auth hook when auth is on, absent on public routes and when auth is off. */
    user?: User;
    /** How `user` signed in. */
    authMethod?: AuthMethod;
  }
}
