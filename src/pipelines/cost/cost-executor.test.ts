import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describePipelineHarness } from '../test-support/describe-pipeline-harness.js';
import { VirtualClock } from '../test-support/executor-harness.js';
import { parseResourceClasses } from '../resources/index.js';
import type { StepRun } from '../store/pipeline-store-types.js';

const MIB = 1024 * 1024;
const classes = parseResourceClasses(
  [
    'classes:',
    '  - { name: cpu.small, price_per_hour: 0.36, capacity: on-demand, spot_price_per_hour: 0.12 }',
    '  - { name: gpu.spot, price_per_hour: 3.6, spot_price_per_hour: 1.8, capacity: spot }',
  ].join('\n'),
  'test',
);

// Burns CPU, holds 200 MiB, and reports its own CPU time (what its process tree used is at least that).
const BURN = [
  'import json, os, resource, sys',
  "block = b'\\x01' * (200 * 1024 * 1024)",
  'total = 0',
  'for i in range(3_000_000): total += i',
  'ru = resource.getrusage(resource.RUSAGE_SELF)',
  "json.dump(round((ru.ru_utime + ru.ru_stime) * 1000), open(sys.argv[1], 'w'))",
].join('\n');

const byStep = (steps: StepRun[]) => Object.fromEntries(steps.map((s) => [s.step, s]));

describePipelineHarness('step usage and cost on %s', (h, engine) => {
  it('measures CPU and peak memory, prices attempts (retries summed), counts cache hits as savings, rolls up', async () => {
    const marker = join(h.dir, `flaky-${engine}`);
    const pipelines = h.service({ resourceClasses: classes, clock: new VirtualClock() });
    await pipelines.define({
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: `costly-${engine}`,
        steps: {
          burn: {
            command: ['python3', '-c', BURN, '{{outputs.cpu_ms}}'],
            outputs: { cpu_ms: { type: 'int' } },
            resources: { class: 'cpu.small' },
          },
          flaky: {
            command: ['sh', '-c', `if [ -e '${marker}' ]; then exit 0; fi; touch '${marker}'; exit 1`],
            retry: { limit: 1 },
            resources: { class: 'gpu.spot' },
          },
          free: { command: ['true'] },
        },
      },
      createdBy: 'ana',
    });
    const first = await pipelines.start({ name: `costly-${engine}`, params: {}, createdBy: 'ana' });
    expect(await first.done).toBe('succeeded');
    const run1 = byStep((await pipelines.getRun(first.run.runId)).steps);
    const burn = run1.burn!;
    const own = burn.outputs?.['cpu_ms'];
    expect(own?.kind === 'value' ? own.value : undefined).toEqual(expect.any(Number));
    const ownCpuMs = own?.kind === 'value' ? (own.value as number) : 0;
    // What the tree used includes what the step saw itself use; it cannot exceed wall time on every core.
    expect(burn.usage?.cpuMs).toBeGreaterThanOrEqual(ownCpuMs);
    expect(burn.usage?.cpuMs).toBeLessThanOrEqual((burn.usage?.wallMs ?? 0) * availableParallelism());
    expect(burn.usage?.peakRssBytes).toBeGreaterThanOrEqual(200 * MIB);
    expect(burn.usage?.resourceClass).toBe('cpu.small');
    expect(burn.usage?.costUsd).toBeCloseTo(((burn.usage?.wallMs ?? 0) / 3_600_000) * 0.36, 12);

    // Two attempts, both paid for at the spot price.
    const flaky = run1.flaky!;
    expect(flaky.attempt).toBe(2);
    expect(flaky.usage?.costUsd).toBeCloseTo(((flaky.usage?.wallMs ?? 0) / 3_600_000) * 1.8, 12);
    // No class: measured, but the cost is unknown (not 0).
    expect(run1.free?.usage?.wallMs).toEqual(expect.any(Number));
    expect(run1.free?.usage?.costUsd).toBeUndefined();

    // The attempt's MLflow run carries the same figures.
    const burnRun = await h.platform.tracking.getRun(burn.mlflowRunId ?? '');
    const metric = (key: string) => burnRun.data.metrics.find((m) => m.key === key)?.value;
    expect(metric('bosun.step.wall_ms')).toBe(burn.usage?.wallMs);
    expect(metric('bosun.step.cpu_ms')).toBe(burn.usage?.cpuMs);
    expect(metric('bosun.step.peak_rss_bytes')).toBe(burn.usage?.peakRssBytes);
    expect(metric('bosun.cost.usd')).toBeCloseTo(burn.usage?.costUsd ?? -1, 12);
    const tag = (run: typeof burnRun, key: string) => run.data.tags.find((t) => t.key === key)?.value;
    expect(tag(burnRun, 'bosun.cost.resource_class')).toBe('cpu.small');
    expect(tag(burnRun, 'bosun.cost.capacity')).toBe('on-demand');
    const freeRun = await h.platform.tracking.getRun(run1.free?.mlflowRunId ?? '');
    expect(tag(freeRun, 'bosun.cost.usd')).toBe('unknown');

    const cost1 = await pipelines.costs.ofRun(first.run.runId);
    const spent = (burn.usage?.costUsd ?? 0) + (flaky.usage?.costUsd ?? 0);
    expect(cost1.total.costUsd).toBeCloseTo(spent, 12);
    expect(cost1.total).toMatchObject({ steps: 3, unpricedSteps: 1, cachedSteps: 0, savedUsd: undefined });

    // The same run again: every step is a cache hit, saving what the first run's step runs cost.
    const second = await pipelines.start({ name: `costly-${engine}`, params: {}, createdBy: 'ana' });
    expect(await second.done).toBe('succeeded');
    const run2 = byStep((await pipelines.getRun(second.run.runId)).steps);
    expect(run2.burn?.state).toBe('cached');
    expect(run2.burn?.usage?.savedUsd).toBeCloseTo(burn.usage?.costUsd ?? -1, 12);
    expect(run2.free?.usage?.savedUsd).toBeUndefined();
    const cost2 = await pipelines.costs.ofRun(second.run.runId);
    expect(cost2.total.costUsd).toBe(0);
    expect(cost2.total.savedUsd).toBeCloseTo(spent, 12);
    expect(cost2.total.cachedSteps).toBe(3);
    const cachedRun = await h.platform.tracking.getRun(run2.burn?.mlflowRunId ?? '');
    expect(cachedRun.data.metrics.find((m) => m.key === 'bosun.cost.saved_usd')?.value).toBeCloseTo(
      burn.usage?.costUsd ?? -1,
      12,
    );

    // Per pipeline, over all runs and over a range that starts at the second.
    const all = await pipelines.costs.ofPipeline(`costly-${engine}`);
    expect(all.runs).toBe(2);
    expect(all.total.costUsd).toBeCloseTo(spent, 12);
    expect(all.total.savedUsd).toBeCloseTo(spent, 12);
    const later = await pipelines.costs.ofPipeline(`costly-${engine}`, { from: second.run.createdAt });
    expect(later.runs).toBe(1);
    expect(later.total.costUsd).toBe(0);

    // Per model version: a version registered from the burn step's run is costed by its pipeline run.
    const model = `costly-model-${engine}`;
    await h.platform.registry.createRegisteredModel({ name: model });
    const version = await h.platform.registry.createModelVersion({
      name: model,
      source: `runs:/${burn.mlflowRunId ?? ''}/model`,
      runId: burn.mlflowRunId ?? '',
    });
    const lineage = await h.platform.lineage.modelVersion(model, version.version);
    const byVersion = await pipelines.costs.ofSourceRun(lineage.modelVersion.runId ?? '');
    expect(byVersion.cost.run.runId).toBe(first.run.runId);
    expect(byVersion.cost.total.costUsd).toBeCloseTo(spent, 12);
  });

  it('with measureUsage off, records wall time and cost but no CPU or memory', async () => {
    const pipelines = h.service({ resourceClasses: classes, measureUsage: false });
    await pipelines.define({
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: `unmeasured-${engine}`,
        steps: { quick: { command: ['true'], resources: { class: 'cpu.small' }, cache: { enabled: false } } },
      },
      createdBy: 'ana',
    });
    const started = await pipelines.start({ name: `unmeasured-${engine}`, params: {}, createdBy: 'ana' });
    expect(await started.done).toBe('succeeded');
    const [quick] = (await pipelines.getRun(started.run.runId)).steps;
    expect(quick?.usage?.wallMs).toEqual(expect.any(Number));
    expect(quick?.usage?.costUsd).toBeCloseTo(((quick?.usage?.wallMs ?? 0) / 3_600_000) * 0.36, 12);
    expect(quick?.usage?.cpuMs).toBeUndefined();
    expect(quick?.usage?.peakRssBytes).toBeUndefined();
  });
});
