import type { CustomObjectsApi } from '@kubernetes/client-node';
import { STEP_CONTAINER } from './job-manifest.js';

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * A Kubernetes quantity in base units (cores for CPU, bytes for memory), or undefined if it does not parse.
 *
 * @example
 * parseQuantity('250m'); // 0.25
 * parseQuantity('128Mi'); // 134217728
 */
export function parseQuantity(text: string): number | undefined {
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(text.trim());
  if (m === null) return undefined;
  const value = Number(m[1]) * (SUFFIXES[m[2] ?? ''] ?? 1);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

const UNITS_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 1e-3,
  µs: 1e-3,
  ns: 1e-6,
};

/** A Go duration (`15s`, `1m0s`, `30.5s`) in milliseconds, or undefined. */
export function parseGoDuration(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS_MS[p[2] ?? ''] ?? 0), 0);
}

/** What the metrics API tells of one pod (the fields Bosun reads). */
interface PodMetricsJson {
  timestamp?: string;
  window?: string;
  containers?: { name?: string; usage?: { cpu?: string; memory?: string } }[];
}

/**
 * Samples a step pod's usage from the metrics API (`metrics.k8s.io/v1beta1` PodMetrics, served by metrics-server)
 * while it runs. Peak memory is the largest working set seen; CPU time is an estimate, the CPU rate of each sample
 * (an average over its `window`) times the time it stands for: the window for the first sample, the time since the
 * previous sample after that. Without metrics-server (or before its first scrape of the pod) the API answers 404
 * and nothing is known: `usage()` stays undefined, never zero.
 *
 * @example
 * const sampler = new PodUsageSampler(customObjects, 'ml', 'bosun-...-1-abcde');
 * await sampler.sample(); // every metrics interval while the pod runs
 * sampler.usage(); // { cpuMs, peakRssBytes } or undefined
 */
export class PodUsageSampler {
  #peakBytes: number | undefined;
  #cpuMs = 0;
  #lastAt: number | undefined;

  constructor(
    private readonly api: CustomObjectsApi,
    private readonly namespace: string,
    private readonly pod: string,
  ) {}

  /** One look at the metrics API; an error or a 404 leaves what is known as it was. */
  async sample(): Promise<void> {
    let body: PodMetricsJson;
    try {
      body = (await this.api.getNamespacedCustomObject({
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        namespace: this.namespace,
        plural: 'pods',
        name: this.pod,
      })) as PodMetricsJson;
    } catch {
      return;
    }
    this.record(body);
  }

  /** Records one PodMetrics object (exposed for tests of the arithmetic). */
  record(body: PodMetricsJson): void {
    const usage = body.containers?.find((c) => c.name === STEP_CONTAINER)?.usage;
    const cores = usage?.cpu !== undefined ? parseQuantity(usage.cpu) : undefined;
    const bytes = usage?.memory !== undefined ? parseQuantity(usage.memory) : undefined;
    const at = body.timestamp !== undefined ? Date.parse(body.timestamp) : Number.NaN;
    if (cores === undefined || bytes === undefined || Number.isNaN(at)) return;
    this.#peakBytes = Math.max(this.#peakBytes ?? 0, Math.round(bytes));
    if (this.#lastAt !== undefined && at <= this.#lastAt) return; // the same scrape again
    const span =
      this.#lastAt === undefined
        ? ((body.window !== undefined ? parseGoDuration(body.window) : undefined) ?? 0)
        : at - this.#lastAt;
    this.#cpuMs += cores * span;
    this.#lastAt = at;
  }

  /** CPU time (estimated) and peak memory, once at least one sample came; else undefined (unknown). */
  usage(): { cpuMs: number; peakRssBytes: number } | undefined {
    return this.#peakBytes === undefined
      ? undefined
      : { cpuMs: Math.round(this.#cpuMs), peakRssBytes: this.#peakBytes };
  }
}
