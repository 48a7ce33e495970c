import type { MetricFamily, MetricSample } from './prometheus-text.js';

/** Upper bounds (seconds) of the request-duration histogram's buckets. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  count: number;
  sum: number;
  /** Cumulative counts per bucket of DURATION_BUCKETS. */
  readonly buckets: number[];
}

/**
 * The server's own request counters and latency histogram, per method, route pattern and status (route
 * patterns keep the label set bounded: a path a route does not match counts as `unmatched`). One instance per
 * server process, created by the composition root; nothing global.
 * Example: `metrics.observe('GET', '/api/2.0/mlflow/runs/get', 200, 0.003); metrics.families()`.
 */
export class RequestMetrics {
  private readonly series = new Map<string, Series>();
  private readonly startedAt: number;

  constructor(nowMs: number) {
    this.startedAt = nowMs / 1000;
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let s = this.series.get(key);
    if (!s) {
      s = {
        labels: { method, route, status: String(status) },
        count: 0,
        sum: 0,
        buckets: DURATION_BUCKETS.map(() => 0),
      };
      this.series.set(key, s);
    }
    s.count++;
    s.sum += seconds;
    DURATION_BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) s.buckets[i]!++;
    });
  }

  /** The request counter, the latency histogram and the process's start time. */
  families(): MetricFamily[] {
    const all = [...this.series.values()];
    const histogram: MetricSample[] = all.flatMap((s) => [
      ...DURATION_BUCKETS.map((bound, i) => ({
        suffix: '_bucket',
        labels: { ...s.labels, le: String(bound) },
        value: s.buckets[i]!,
      })),
      { suffix: '_bucket', labels: { ...s.labels, le: '+Inf' }, value: s.count },
      { suffix: '_sum', labels: s.labels, value: s.sum },
      { suffix: '_count', labels: s.labels, value: s.count },
    ]);
    return [
      {
        name: 'bosun_http_requests_total',
        help: 'HTTP requests answered, by method, route pattern and status.',
        type: 'counter',
        samples: all.map((s) => ({ labels: s.labels, value: s.count })),
      },
      {
        name: 'bosun_http_request_duration_seconds',
        help: 'Time to answer HTTP requests, by method, route pattern and status.',
        type: 'histogram',
        samples: histogram,
      },
      {
        name: 'process_start_time_seconds',
        help: 'Start time of the process since the Unix epoch in seconds.',
        type: 'gauge',
        samples: [{ value: this.startedAt }],
      },
      {
        name: 'process_resident_memory_bytes',
        help: 'Resident memory size in bytes.',
        type: 'gauge',
        samples: [{ value: process.memoryUsage().rss }],
      },
    ];
  }
}
