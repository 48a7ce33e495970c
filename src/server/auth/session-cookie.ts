import type { FastifyRequest } from 'fastify';

/** The name of the browser session cookie. */
export const sessionCookieName = 'bosun_session';

/**
 * The value of the `bosun_session` cookie in a `Cookie` header (the first one when a browser sends several),
 * or undefined. Example: `readSessionCookie('theme=dark; bosun_session=bss_…')` → `'bss_…'`.
 */
export function readSessionCookie(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== sessionCookieName) continue;
    const value = part.slice(eq + 1).trim();
    return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value;
  }
  return undefined;
}

/**
 * Whether the browser reached this server over TLS: the connection itself, the proxy's `X-Forwarded-Proto`,
 * or the page's own `Origin`. Marking a cookie `Secure` on a plain-HTTP page would only make the browser drop
 * it, so a false claim harms no one but its sender.
 */
export function cameOverTls(request: FastifyRequest): boolean {
  if (request.protocol === 'https') return true;
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  if (proto === 'https') return true;
  return request.headers.origin?.toLowerCase().startsWith('https://') === true;
}

function attributes(maxAgeSeconds: number, secure: boolean): string {
  return `; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The `Set-Cookie` value that hands a session token to the browser until `maxAgeSeconds` from now. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${sessionCookieName}=${token}${attributes(Math.max(0, Math.floor(maxAgeSeconds)), secure)}`;
}

/** The `Set-Cookie` value that makes the browser forget the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return `${sessionCookieName}=${attributes(0, secure)}`;
}

/**
 * Whether a state-changing request signed in by the cookie shows that it comes from a page of this server:
 * browsers send `Origin` with every POST/PUT/PATCH/DELETE (and `Sec-Fetch-Site`). Cross-site values were
 * refused before (`isCrossSiteWrite`); what is left here is a request with neither header, which no browser
 * page sends, so it is refused too rather than trusted.
 */
export function showsSameOrigin(request: FastifyRequest): boolean {
  return request.headers.origin !== undefined || request.headers['sec-fetch-site'] === 'same-origin';
}
