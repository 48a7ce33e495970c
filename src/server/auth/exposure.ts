import { BlockList, isIP } from 'node:net';
import { InvalidParameterError } from '../../shared/index.js';
import type { ServerConfig } from '../../shared/index.js';

const ipv6Loopback = new BlockList();
ipv6Loopback.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) and `localhost`: addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    if (ipv6Loopback.check(h, 'ipv6')) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped?.[1] !== undefined && mapped[1].startsWith('127.');
  }
  return false;
}

export const enableAuthHelp =
  'Enable authentication with --auth (or BOSUN_AUTH=true) and create the first administrator, either with ' +
  'BOSUN_ADMIN_USERNAME and BOSUN_ADMIN_PASSWORD in the environment of the first start or beforehand with ' +
  '`bosun users create-admin --username <name>`.';

/**
 * Secure by default: without auth the server listens only on loopback. Throws (so the server does not start)
 * when asked to listen beyond it without auth; returns a warning to log when the operator overrode that.
 */
export function checkExposure(config: ServerConfig): string | undefined {
  if (config.authEnabled || isLoopbackHost(config.host)) return undefined;
  if (!config.allowUnauthenticatedRemote) {
    throw new InvalidParameterError(
      `Refusing to listen on ${config.host} without authentication: anyone who can reach it could read and ` +
        `change everything. ${enableAuthHelp} To run without authentication anyway, listen on 127.0.0.1 or ` +
        'pass --insecure-allow-unauthenticated.',
    );
  }
  return (
    `INSECURE: listening on ${config.host} WITHOUT AUTHENTICATION (--insecure-allow-unauthenticated). ` +
    `Anyone who can reach this address can read, change and delete all data. ${enableAuthHelp}`
  );
}
