import { describe, expect, it } from 'vitest';
import { renderPrometheus } from './prometheus-text.js';
import { RequestMetrics } from './request-metrics.js';

describe('Prometheus text', () => {
  it('escapes label values and help, and spells special values', () => {
    const text = renderPrometheus([
      {
        name: 'm',
        help: 'line\\one\ntwo',
        type: 'gauge',
        samples: [{ labels: { a: 'q"uote', b: 'back\\slash\nnl' }, value: Infinity }, { value: NaN }],
      },
    ]);
    expect(text).toBe(
      '# HELP m line\\\\one\\ntwo\n# TYPE m gauge\nm{a="q\\"uote",b="back\\\\slash\\nnl"} +Inf\nm NaN\n',
    );
  });

  it('renders cumulative histogram buckets with +Inf, _sum and _count', () => {
    const metrics = new RequestMetrics(1_000);
    metrics.observe('GET', '/x', 200, 0.02);
    metrics.observe('GET', '/x', 200, 3);
    const text = renderPrometheus(metrics.families());
    expect(text).toContain('bosun_http_requests_total{method="GET",route="/x",status="200"} 2\n');
    expect(text).toContain(
      'bosun_http_request_duration_seconds_bucket{method="GET",route="/x",status="200",le="0.01"} 0\n',
    );
    expect(text).toContain(
      'bosun_http_request_duration_seconds_bucket{method="GET",route="/x",status="200",le="0.025"} 1\n',
    );
    expect(text).toContain(
      'bosun_http_request_duration_seconds_bucket{method="GET",route="/x",status="200",le="5"} 2\n',
    );
    expect(text).toContain(
      'bosun_http_request_duration_seconds_bucket{method="GET",route="/x",status="200",le="+Inf"} 2\n',
    );
    expect(text).toContain(
      'bosun_http_request_duration_seconds_sum{method="GET",route="/x",status="200"} 3.02\n',
    );
    expect(text).toContain('process_start_time_seconds 1\n');
  });
});
