import { createHash, randomBytes } from 'node:crypto';

const sessionMarker = 'bss_';
const sessionTokenPattern = /^bss_[A-Za-z0-9_-]{43}$/;

/** A new random session token: `bss_` and 32 random bytes in base64url (43 characters), cookie-safe. */
export function generateSessionToken(): string {
  return sessionMarker + randomBytes(32).toString('base64url');
}

/** True when `token` has the shape of a session token (checked before any lookup). */
export function isWellFormedSessionToken(token: unknown): token is string {
  return typeof token === 'string' && sessionTokenPattern.test(token);
}

/** What is stored instead of the token: its SHA-256, hex. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * A digest of a user's stored password hash, kept with each session: when the password changes (a reset, a
 * change by the user) the digest no longer matches and the session is over. Never the hash itself.
 */
export function passwordStamp(passwordHash: string): string {
  return createHash('sha256').update(`bosun-session\0${passwordHash}`, 'utf8').digest('hex');
}
