import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { InvalidParameterError } from '../../shared/index.js';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has. Injected so tests can play DNS tricks. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver (getaddrinfo, as `http.request` would use it), every address. */
export const systemResolver: HostResolver = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** What the operator lets webhooks reach besides the public internet. */
export interface WebhookTargetOptions {
  /**
   * Allow loopback and private addresses (127/8, ::1, 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7).
   * Link-local (where cloud metadata services live), multicast, unspecified and other special ranges stay
   * refused; list them in `allowedWebhookCidrs` to allow them.
   */
  allowPrivateWebhookTargets?: boolean;
  /** Ranges (`10.1.0.0/16`, `fd00::/8`) or single addresses always allowed. */
  allowedWebhookCidrs?: readonly string[];
}

type Category = 'loopback' | 'private' | 'link-local' | 'unspecified' | 'multicast' | 'special-purpose';

const ranges: Record<Category, readonly [string, number, 'ipv4' | 'ipv6'][]> = {
  unspecified: [
    ['0.0.0.0', 8, 'ipv4'],
    ['::', 128, 'ipv6'],
  ],
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  private: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['100.64.0.0', 10, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
    ['fec0::', 10, 'ipv6'],
  ],
  'link-local': [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
  ],
  multicast: [
    ['224.0.0.0', 4, 'ipv4'],
    ['ff00::', 8, 'ipv6'],
  ],
  'special-purpose': [
    ['192.0.0.0', 24, 'ipv4'],
    ['192.0.2.0', 24, 'ipv4'],
    ['192.88.99.0', 24, 'ipv4'],
    ['198.18.0.0', 15, 'ipv4'],
    ['198.51.100.0', 24, 'ipv4'],
    ['203.0.113.0', 24, 'ipv4'],
    ['240.0.0.0', 4, 'ipv4'],
    ['::', 96, 'ipv6'],
    ['64:ff9b::', 96, 'ipv6'],
    ['64:ff9b:1::', 48, 'ipv6'],
    ['100::', 64, 'ipv6'],
    ['2001::', 23, 'ipv6'],
    ['2001:db8::', 32, 'ipv6'],
    ['2002::', 16, 'ipv6'],
  ],
};

// Checked in this order: the first match names the reason.
const order: readonly Category[] = [
  'unspecified',
  'loopback',
  'link-local',
  'private',
  'multicast',
  'special-purpose',
];
const privateCategories: ReadonlySet<Category> = new Set(['loopback', 'private']);

const describe: Record<Category, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  'special-purpose': 'a special-purpose (reserved) address',
};

function familyOf(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** `::ffff:10.0.0.1` (in either spelling) is 10.0.0.1. */
function unmapped(address: string): string {
  const m = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!m) return address;
  if (m[1] !== undefined) return m[1];
  const hi = parseInt(m[2] ?? '0', 16);
  const lo = parseInt(m[3] ?? '0', 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function parseCidr(text: string): [string, number, 'ipv4' | 'ipv6'] {
  const [address = '', prefixText, extra] = text.trim().split('/');
  const family = isIP(address);
  const max = family === 6 ? 128 : 32;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new InvalidParameterError(`Invalid webhook CIDR '${text}': expected an address or address/prefix`);
  }
  return [address, prefix, family === 6 ? 'ipv6' : 'ipv4'];
}

/**
 * Decides which addresses webhooks may be sent to: public unicast addresses, plus what the operator allows.
 * The same policy checks subscription URLs when they are created and every address actually connected to.
 * Example: `new WebhookTargetPolicy({ allowedWebhookCidrs: ['10.20.0.0/16'] }).refusal('10.0.0.1')`
 * === 'a private address'.
 */
export class WebhookTargetPolicy {
  private readonly lists = new Map<Category, BlockList>();
  private readonly allowed = new BlockList();
  private readonly allowPrivate: boolean;

  constructor(
    options: WebhookTargetOptions = {},
    readonly resolver: HostResolver = systemResolver,
  ) {
    this.allowPrivate = options.allowPrivateWebhookTargets ?? false;
    for (const category of order) {
      const list = new BlockList();
      for (const [address, prefix, family] of ranges[category]) list.addSubnet(address, prefix, family);
      this.lists.set(category, list);
    }
    for (const cidr of options.allowedWebhookCidrs ?? []) {
      const [address, prefix, family] = parseCidr(cidr);
      this.allowed.addSubnet(address, prefix, family);
    }
  }

  /** Why `address` (an IP literal) may not be a webhook target, or undefined when it may. */
  refusal(address: string): string | undefined {
    const plain = unmapped(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
    if (isIP(plain) === 0) return 'not an IP address';
    const family = familyOf(plain);
    if (this.allowed.check(plain, family)) return undefined;
    for (const category of order) {
      if (!this.lists.get(category)?.check(plain, family)) continue;
      if (this.allowPrivate && privateCategories.has(category)) return undefined;
      return describe[category];
    }
    return undefined;
  }

  /**
   * Validates a subscription URL: http or https, no credentials, and a host whose every address is allowed.
   * Returns the normalised URL; throws InvalidParameterError naming the reason otherwise.
   */
  async checkUrl(raw: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new InvalidParameterError(`Invalid webhook URL '${raw}': not an absolute URL`);
    }
    const refuse = (why: string) => new InvalidParameterError(`Webhook URL '${url.href}' is refused: ${why}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw refuse(`scheme '${url.protocol.replace(/:$/, '')}' is not allowed (use http or https)`);
    }
    if (url.username !== '' || url.password !== '') {
      throw refuse('credentials in the URL are not allowed (the payload is signed with the secret)');
    }
    url.hash = '';
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const hint =
      ' (the operator can allow such targets with allowPrivateWebhookTargets or allowedWebhookCidrs)';
    if (isIP(host) !== 0) {
      const why = this.refusal(host);
      if (why !== undefined) throw refuse(`host ${host} is ${why}${hint}`);
      return url.href;
    }
    if (/(^|\.)localhost\.?$/i.test(host) && this.refusal('127.0.0.1') !== undefined) {
      throw refuse(`host '${host}' is a loopback name${hint}`);
    }
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolver(host);
    } catch {
      throw refuse(`host '${host}' does not resolve`);
    }
    if (addresses.length === 0) throw refuse(`host '${host}' does not resolve`);
    for (const { address } of addresses) {
      const why = this.refusal(address);
      if (why !== undefined) throw refuse(`host '${host}' resolves to ${address}, ${why}${hint}`);
    }
    return url.href;
  }
}
