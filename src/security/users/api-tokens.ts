import { createHash, randomBytes } from 'node:crypto';

export const tokenMarker = 'bsn_';
const tokenBytes = 32;
/** Characters of the token body kept, with the marker, as its non-secret identifying prefix. */
const prefixChars = 8;
const tokenPattern = /^bsn_[A-Za-z0-9_-]{43}$/;

/** A new random token: `bsn_` and 32 random bytes in base64url (43 characters). */
export function generateToken(): string {
  return tokenMarker + randomBytes(tokenBytes).toString('base64url');
}

/** True when `token` has the shape of a Bosun API token (checked before any lookup). */
export function isWellFormedToken(token: unknown): token is string {
  return typeof token === 'string' && tokenPattern.test(token);
}

/** What is stored instead of the token: its SHA-256, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The non-secret start of a token shown in listings, e.g. `bsn_AbCd1234`. */
export function tokenPrefix(token: string): string {
  return token.slice(0, tokenMarker.length + prefixChars);
}
