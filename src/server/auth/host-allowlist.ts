import { hostname, networkInterfaces } from 'node:os';

/** `::1` → `[::1]`; names lower-cased. IPv6 literals in Host headers are always bracketed. */
function normalizeHostname(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

/** Splits a Host header into its hostname and port (port '' when absent). Undefined when malformed. */
export function parseHostHeader(header: string): { hostname: string; port: string } | undefined {
  const value = header.trim().toLowerCase();
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]\s/@]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match?.[1]) return undefined;
  return { hostname: match[1], port: match[2] ?? '' };
}

const wildcardHosts = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The Host headers a server listening on `listenHost` accepts, against DNS rebinding: the configured list when
 * there is one, else the listen host and loopback names (and, on a wildcard address, this machine's name and
 * interface addresses). Entries without a port accept any port; `*` accepts every host.
 */
export function allowedHostEntries(listenHost: string, configured: readonly string[]): string[] {
  if (configured.length > 0) return configured.map((entry) => (entry === '*' ? '*' : normalizeEntry(entry)));
  const entries = new Set(['localhost', '127.0.0.1', '[::1]', normalizeHostname(listenHost)]);
  if (wildcardHosts.has(listenHost.trim())) {
    entries.add(hostname().toLowerCase());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? [])
        entries.add(normalizeHostname(address.address.split('%')[0] ?? ''));
    }
  }
  return [...entries].filter((e) => e !== '');
}

function normalizeEntry(entry: string): string {
  const parsed = parseHostHeader(entry);
  if (parsed) return parsed.port === '' ? parsed.hostname : `${parsed.hostname}:${parsed.port}`;
  return normalizeHostname(entry); // a bare IPv6 address such as ::1
}

/** Whether a request's Host header is on the list. A missing or malformed header is refused. */
export function isHostAllowed(header: string | undefined, entries: readonly string[]): boolean {
  if (entries.includes('*')) return true;
  if (header === undefined) return false;
  const parsed = parseHostHeader(header);
  if (!parsed) return false;
  return entries.some((entry) =>
    entry.includes(':') && !entry.endsWith(']')
      ? entry === `${parsed.hostname}:${parsed.port}`
      : entry === parsed.hostname,
  );
}
