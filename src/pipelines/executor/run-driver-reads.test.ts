import { expect, it, vi } from 'vitest';
import { PipelineGraph } from '../spec/index.js';
import { PipelineStore } from '../store/pipeline-store.js';
import { describePipelineHarness } from '../test-support/describe-pipeline-harness.js';

const N = 25;

/** N no-op steps, all independent (wide) or a chain (deep). */
const doc = (name: string, shape: 'wide' | 'deep') => ({
  apiVersion: 'bosun.dev/v1',
  kind: 'Pipeline',
  name,
  steps: Object.fromEntries(
    Array.from({ length: N }, (_, i) => [
      `s${i}`,
      {
        command: ['true'],
        cache: { enabled: false },
        ...(shape === 'deep' && i > 0 ? { after: [`s${i - 1}`] } : {}),
      },
    ]),
  ),
});

// The driver used to re-read every step run of the run on every pass (several passes per step), so the rows read
// grew with the square of the run's size: ~3 × N² for a chain. It now reads the whole run once (and again only
// after adding rows or on a heartbeat) and otherwise re-reads only the step runs its own writes changed.
describePipelineHarness('run driver reads on %s', (h) => {
  it.each(['wide', 'deep'] as const)(
    'a %s run of N steps reads a number of step rows linear in N',
    async (shape) => {
      let rowsListed = 0;
      let stepsRead = 0;
      const listSteps = PipelineStore.prototype.listSteps;
      const getStep = PipelineStore.prototype.getStep;
      vi.spyOn(PipelineStore.prototype, 'listSteps').mockImplementation(async function (
        this: PipelineStore,
        runId,
      ) {
        const rows = await listSteps.call(this, runId);
        rowsListed += rows.length;
        return rows;
      });
      vi.spyOn(PipelineStore.prototype, 'getStep').mockImplementation(async function (
        this: PipelineStore,
        stepRunId,
      ) {
        stepsRead++;
        return getStep.call(this, stepRunId);
      });
      // No heartbeat during the run (its full re-read would make the count depend on how long the run takes).
      const pipelines = h.service({ heartbeatMs: 3_600_000, maxParallel: 4 });
      const name = `reads-${shape}`;
      await pipelines.define({ document: doc(name, shape), createdBy: 'alice' });
      const { run, done } = await pipelines.start({ name, params: {}, createdBy: 'alice' });
      expect(await done).toBe('succeeded');
      vi.restoreAllMocks();
      const steps = await new PipelineStore(h.platform.database).listSteps(run.runId);
      expect(steps.map((s) => s.state)).toEqual(Array.from({ length: N }, () => 'succeeded'));
      // Once at the start, once more at most; before: ~3 full reads per step (about 2,000 rows for a chain of 25).
      expect(rowsListed).toBeLessThanOrEqual(2 * N);
      // Each step run is written a handful of times (claimed, its MLflow run recorded, succeeded).
      expect(stepsRead).toBeLessThanOrEqual(6 * N);
    },
  );

  // Each pass used to decide every pending step run of the run, so a chain of N made ~N²/2 decisions (a pass for each
  // step that ended, over every step after it). A pass now looks at the steps whose runs changed and at the steps
  // right after them. Every decision asks the graph for the step's upstream steps: counted here.
  it.each(['wide', 'deep'] as const)(
    'a %s run of N steps decides about its pending step runs a number of times linear in N',
    async (shape) => {
      let decisions = 0;
      const upstream = PipelineGraph.prototype.upstream;
      vi.spyOn(PipelineGraph.prototype, 'upstream').mockImplementation(function (this: PipelineGraph, name) {
        decisions++;
        return upstream.call(this, name);
      });
      const pipelines = h.service({ heartbeatMs: 3_600_000, maxParallel: 4 });
      const name = `decisions-${shape}`;
      await pipelines.define({ document: doc(name, shape), createdBy: 'alice' });
      const { done } = await pipelines.start({ name, params: {}, createdBy: 'alice' });
      expect(await done).toBe('succeeded');
      vi.restoreAllMocks();
      expect(decisions).toBeGreaterThanOrEqual(N);
      expect(decisions).toBeLessThanOrEqual(8 * N);
    },
  );
});
