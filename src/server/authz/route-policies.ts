import type { PolicyTable, RouteKey, RoutePolicy } from './policy-types.js';

/** A named set of policy entries: a route plugin's (see src/server/route-plugin.ts). */
export interface PolicySource {
  readonly name: string;
  readonly policies: PolicyTable;
}

/** Two sources declared the same route: a programming error, refused when the app is built. */
export class DuplicateRoutePolicyError extends Error {
  constructor(
    readonly key: RouteKey,
    readonly sources: readonly [string, string],
  ) {
    super(`Route policy '${key}' is declared by both '${sources[0]}' and '${sources[1]}'.`);
    this.name = 'DuplicateRoutePolicyError';
  }
}

/** The key a route's policy is filed under: HEAD shares GET's entry, `/ajax-api/` shares its `/api/` twin's. */
export function policyKey(method: string, pattern: string): RouteKey {
  return `${method === 'HEAD' ? 'GET' : method} ${pattern.replace(/^\/ajax-api\//, '/api/')}`;
}

/**
 * One table from several named ones (a plugin that governs several route files), refusing a key declared twice.
 * Example: `combinePolicies({ experiments: experimentPolicies, runs: runPolicies })`.
 */
export function combinePolicies(tables: Readonly<Record<string, PolicyTable>>): PolicyTable {
  const combined: Record<RouteKey, RoutePolicy> = {};
  const owner = new Map<RouteKey, string>();
  for (const [name, table] of Object.entries(tables)) {
    for (const [key, policy] of Object.entries(table)) {
      const previous = owner.get(key);
      if (previous !== undefined) throw new DuplicateRoutePolicyError(key, [previous, name]);
      owner.set(key, name);
      combined[key] = policy;
    }
  }
  return combined;
}

const isPublicPolicy = (policy: RoutePolicy): boolean => policy.require.some((r) => r.kind === 'public');

/**
 * Every route's policy, assembled from the route plugins, keyed `"<METHOD> <pattern>"`. A route missing here
 * is refused with 403 for everyone (fail closed); the route-inventory test fails on it too.
 * Example: `const policies = RoutePolicies.assemble(routePlugins); policies.policyFor('GET', '/health')`.
 */
export class RoutePolicies {
  readonly #table: ReadonlyMap<RouteKey, RoutePolicy>;

  private constructor(table: ReadonlyMap<RouteKey, RoutePolicy>) {
    this.#table = table;
  }

  /** Merges the sources' entries; a key declared twice throws DuplicateRoutePolicyError. */
  static assemble(sources: readonly PolicySource[]): RoutePolicies {
    const named = new Map<string, PolicyTable>();
    for (const source of sources) {
      if (named.has(source.name)) throw new Error(`Two route plugins are named '${source.name}'.`);
      named.set(source.name, source.policies);
    }
    return new RoutePolicies(new Map(Object.entries(combinePolicies(Object.fromEntries(named)))));
  }

  /** The policy of a registered route, or undefined when none is declared (the request is then refused). */
  policyFor(method: string, pattern: string): RoutePolicy | undefined {
    return this.#table.get(policyKey(method, pattern));
  }

  /** Whether anyone may call a route without credentials. */
  isPublic(method: string, pattern: string): boolean {
    const policy = this.policyFor(method, pattern);
    return policy !== undefined && isPublicPolicy(policy);
  }

  /** Every declared key with its policy. */
  entries(): [RouteKey, RoutePolicy][] {
    return [...this.#table];
  }

  /** The public routes (`"<METHOD> <pattern>"`), for the route-inventory test. */
  get publicRouteKeys(): RouteKey[] {
    return this.entries()
      .filter(([, policy]) => isPublicPolicy(policy))
      .map(([key]) => key);
  }

  /** The URLs anyone may GET (and HEAD): liveness, version, readiness, the OpenAPI document. */
  get publicRoutes(): string[] {
    return this.publicRouteKeys
      .filter((key) => key.startsWith('GET '))
      .map((key) => key.slice('GET '.length));
  }
}
