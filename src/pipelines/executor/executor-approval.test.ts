import { expect, it } from 'vitest';
import { registryModelApprovals } from '../approvals/index.js';
import type { PipelineService } from '../service/pipeline-service.js';
import { describePipelineHarness } from '../test-support/describe-pipeline-harness.js';
import { VirtualClock, waitFor } from '../test-support/executor-harness.js';
import type { ExecutorEvent } from './executor-deps.js';

let counter = 0;
/** A pipeline: `gate` (an approval), then `ship` when it was approved, and `always` reading its outputs. */
function gated(approval: Record<string, unknown>, extraInputs: Record<string, unknown> = {}) {
  return {
    apiVersion: 'bosun.dev/v1',
    kind: 'Pipeline',
    name: `approval-${++counter}`,
    params: { who: { type: 'string', default: 'the model' } },
    steps: {
      gate: {
        approval: { message: 'Ship {{inputs.who}}?', ...approval },
        inputs: { who: { type: 'string', from: 'params.who' }, ...extraInputs },
      },
      ship: {
        command: ['true'],
        after: ['gate'],
        when: 'steps.gate.outputs.approved',
        cache: { enabled: false },
      },
      report: {
        command: ['sh', '-c', 'test -n "$1"', 'sh', '{{inputs.approver}}{{inputs.approved}}'],
        inputs: {
          approved: { type: 'bool', from: 'steps.gate.outputs.approved' },
          approver: { type: 'string', from: 'steps.gate.outputs.approver' },
        },
      },
    },
  };
}

async function startDoc(
  pipelines: PipelineService,
  document: { name: string },
  params: Record<string, unknown> = {},
  events: ExecutorEvent[] = [],
) {
  await pipelines.define({ document, createdBy: 'carol' });
  return pipelines.start({ name: document.name, params, createdBy: 'carol', onEvent: (e) => events.push(e) });
}

async function waiting(pipelines: PipelineService, runId: string) {
  return waitFor(async () => {
    const { steps } = await pipelines.getRun(runId);
    const gate = steps.find((s) => s.step === 'gate');
    return gate?.state === 'waiting' ? gate : undefined;
  });
}

describePipelineHarness('approval steps (%s)', (h, engine) => {
  const step = async (pipelines: PipelineService, runId: string, name: string) =>
    (await pipelines.getRun(runId)).steps.find((s) => s.step === name);

  it('waits with no process until approved, then continues with approved, approver and comment', async () => {
    const pipelines = h.service();
    const events: ExecutorEvent[] = [];
    const { run, done } = await startDoc(pipelines, gated({}), { who: 'v7' }, events);
    const gate = await waiting(pipelines, run.runId);
    expect(gate).toMatchObject({ state: 'waiting', pid: undefined, reason: 'waiting for approval' });
    expect(gate.mlflowRunId).toBeDefined();
    expect(events).toContainEqual(expect.objectContaining({ step: 'gate', state: 'waiting' }));
    const pending = await pipelines.approvals.pending();
    expect(pending.map((p) => [p.run.runId, p.approval.step, p.approval.message])).toContainEqual([
      run.runId,
      'gate',
      'Ship v7?',
    ]);

    const decided = await pipelines.approvals.decide(run.runId, 'gate', 'approve', {
      user: 'dave',
      comment: 'looks good',
    });
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'dave', comment: 'looks good' });
    expect(await done).toBe('succeeded');
    expect(await step(pipelines, run.runId, 'gate')).toMatchObject({
      state: 'succeeded',
      outputs: {
        approved: { kind: 'value', value: true },
        approver: { kind: 'value', value: 'dave' },
        comment: { kind: 'value', value: 'looks good' },
      },
    });
    expect((await step(pipelines, run.runId, 'ship'))?.state).toBe('succeeded');
    expect((await step(pipelines, run.runId, 'report'))?.state).toBe('succeeded');
    // The step's MLflow run holds the decision.
    const tracked = await h.platform.tracking.getRun(gate.mlflowRunId ?? '');
    expect(tracked.info.status).toBe('FINISHED');
    expect(tracked.data.tags).toEqual(
      expect.arrayContaining([
        { key: 'bosun.approval.status', value: 'approved' },
        { key: 'bosun.approval.approver', value: 'dave' },
      ]),
    );
    expect(await pipelines.approvals.pending()).not.toContainEqual(
      expect.objectContaining({ run: expect.objectContaining({ runId: run.runId }) }),
    );
    // A second decision is refused.
    await expect(pipelines.approvals.decide(run.runId, 'gate', 'reject', { user: 'erin' })).rejects.toThrow(
      /not waiting for approval: it was approved by dave/,
    );
  });

  it('a rejection fails the run by default, or continues with approved=false (on_reject: continue)', async () => {
    const pipelines = h.service();
    const failing = await startDoc(pipelines, gated({}));
    await waiting(pipelines, failing.run.runId);
    await pipelines.approvals.decide(failing.run.runId, 'gate', 'reject', {
      user: 'dave',
      comment: 'too slow',
    });
    expect(await failing.done).toBe('failed');
    expect(await step(pipelines, failing.run.runId, 'gate')).toMatchObject({
      state: 'failed',
      reason: 'rejected by dave: too slow',
    });
    expect((await step(pipelines, failing.run.runId, 'ship'))?.state).toBe('skipped');
    expect((await pipelines.getRun(failing.run.runId)).run.error).toMatch(/gate/);

    const continuing = await startDoc(pipelines, gated({ on_reject: 'continue' }));
    await waiting(pipelines, continuing.run.runId);
    await pipelines.approvals.decide(continuing.run.runId, 'gate', 'reject', { user: 'dave' });
    expect(await continuing.done).toBe('succeeded');
    expect(await step(pipelines, continuing.run.runId, 'gate')).toMatchObject({
      state: 'succeeded',
      outputs: { approved: { kind: 'value', value: false }, approver: { kind: 'value', value: 'dave' } },
    });
    expect(await step(pipelines, continuing.run.runId, 'ship')).toMatchObject({
      state: 'skipped',
      reason: "condition: 'steps.gate.outputs.approved' is false",
    });
    expect((await step(pipelines, continuing.run.runId, 'report'))?.state).toBe('succeeded');
  });

  it('applies on_timeout once the timeout passes (a virtual clock: no real waiting)', async () => {
    for (const [onTimeout, status, state] of [
      ['approve', 'succeeded', 'succeeded'],
      ['reject', 'failed', 'failed'],
    ] as const) {
      const clock = new VirtualClock();
      const pipelines = h.service({ clock });
      const { run, done } = await startDoc(pipelines, gated({ timeout: '2h', on_timeout: onTimeout }));
      expect(await done).toBe(status);
      const gate = await step(pipelines, run.runId, 'gate');
      expect(gate).toMatchObject({
        state,
        outputs: { approved: { kind: 'value', value: onTimeout === 'approve' } },
      });
      expect(gate?.reason).toContain(`no decision within 2h (on_timeout: ${onTimeout})`);
      // The driver slept on the clock until the deadline, never more.
      expect(clock.sleeps.length).toBeGreaterThan(0);
      expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(7_200_000 - 60_000);
      expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(7_200_000);
      const [request] = await pipelines.approvals.forRun(run.runId);
      expect(request).toMatchObject({ status: 'timed_out', decidedBy: undefined });
      expect((await step(pipelines, run.runId, 'ship'))?.state).toBe(
        onTimeout === 'approve' ? 'succeeded' : 'skipped',
      );
    }
  });

  it('survives a restart mid-wait: the wait is in the database, another server takes it over', async () => {
    const clock = new VirtualClock();
    const first = h.service({ clock, leaseMs: 60_000, owner: `approval-A-${engine}` });
    const { run } = await startDoc(first, gated({}));
    await waiting(first, run.runId);
    first.crashForTests();

    const second = h.service({ clock, leaseMs: 60_000, owner: `approval-B-${engine}` });
    expect(await second.recover()).toEqual([]);
    clock.offset += 60_001;
    expect(await second.recover()).toEqual([run.runId]);
    // Taken over, still waiting (no process to recover), and listed.
    expect((await step(second, run.runId, 'gate'))?.state).toBe('waiting');
    expect((await second.approvals.pending()).map((p) => p.run.runId)).toContain(run.runId);
    await second.approvals.decide(run.runId, 'gate', 'approve', { user: 'dave' });
    expect(await second.done(run.runId)).toBe('succeeded');
    expect((await step(second, run.runId, 'ship'))?.state).toBe('succeeded');
  });

  it('plan: an approval is never from the cache; what reads its outputs is not known before the run', async () => {
    const pipelines = h.service();
    const document = gated({});
    await pipelines.define({ document, createdBy: 'carol' });
    const plan = await pipelines.plan({ name: document.name, params: {} });
    expect(plan.map((e) => [e.step, e.decision])).toEqual([
      ['gate', 'disabled'],
      ['ship', 'unknown'],
      ['report', 'unknown'],
    ]);
    expect(plan[0]?.reason).toBe('an approval: a person decides each run (never from the cache)');
  });

  it('a decision made through another process is seen at the next heartbeat', async () => {
    const driving = h.service({ heartbeatMs: 50 });
    const elsewhere = h.service();
    const { run, done } = await startDoc(driving, gated({}));
    await waiting(driving, run.runId);
    await elsewhere.approvals.decide(run.runId, 'gate', 'approve', { user: 'dave' });
    expect(await done).toBe('succeeded');
  });

  it('cancelling the run ends the wait; a late decision is refused', async () => {
    const pipelines = h.service();
    const { run, done } = await startDoc(pipelines, gated({}));
    await waiting(pipelines, run.runId);
    await pipelines.cancel(run.runId);
    expect(await done).toBe('cancelled');
    expect((await step(pipelines, run.runId, 'gate'))?.state).toBe('cancelled');
    const [request] = await pipelines.approvals.forRun(run.runId);
    expect(request?.status).toBe('cancelled');
    await expect(pipelines.approvals.decide(run.runId, 'gate', 'approve', { user: 'dave' })).rejects.toThrow(
      /not waiting for approval: it was cancelled/,
    );
    // Resuming asks again.
    const resumed = await pipelines.resume(run.runId);
    await waiting(pipelines, run.runId);
    expect((await pipelines.approvals.forRun(run.runId))[0]?.status).toBe('waiting');
    await pipelines.approvals.decide(run.runId, 'gate', 'approve', { user: 'dave' });
    expect(await resumed.done).toBe('succeeded');
  });

  it('with a model: shows the candidate beside the champion and decides the registry approval too', async () => {
    const { registry, governance, tracking } = h.platform;
    const model = `approved-model-${engine}`;
    await registry.createRegisteredModel({ name: model });
    const experimentId = await tracking.createExperiment({ name: `${model}-runs` });
    const versions: string[] = [];
    for (const accuracy of [0.81, 0.93]) {
      const source = await tracking.createRun({ experimentId, startTime: 1 });
      await tracking.logBatch(source.info.runId, {
        metrics: [{ key: 'accuracy', value: accuracy, timestamp: 1, step: 0 }],
      });
      const version = await registry.createModelVersion({
        name: model,
        source: `runs:/${source.info.runId}/model`,
        runId: source.info.runId,
      });
      versions.push(version.version);
    }
    await registry.setRegisteredModelAlias(model, 'champion', versions[0]!);
    await governance.setPolicy(model, { target: 'alias:champion', requiredApprovals: 1 });

    const pipelines = h.service({
      modelApprovals: registryModelApprovals({ governance, registry, tracking }),
    });
    const document = gated(
      { model: { name: 'model', version: 'version', champion_alias: 'champion' } },
      {
        model: { type: 'string', value: model },
        version: { type: 'string', value: versions[1] },
      },
    );
    const { run, done } = await startDoc(pipelines, document);
    await waiting(pipelines, run.runId);
    const details = await pipelines.approvals.get(run.runId, 'gate');
    expect(details.comparison).toMatchObject({
      model,
      alias: 'champion',
      candidate: { version: versions[1], metrics: { accuracy: 0.93 } },
      champion: { version: versions[0], metrics: { accuracy: 0.81 } },
    });
    const registryId = details.approval.model?.registryApprovalId;
    expect(registryId).toBeDefined();
    expect(await governance.listApprovals(model, versions[1]!)).toEqual([
      expect.objectContaining({
        id: registryId,
        status: 'requested',
        requestedBy: 'carol',
        target: 'alias:champion',
      }),
    ]);
    expect((await governance.checkPromotion(model, versions[1]!, 'alias:champion')).allowed).toBe(false);

    // The registry's rule: nobody approves their own request (the step keeps waiting).
    await expect(
      pipelines.approvals.decide(run.runId, 'gate', 'approve', { user: 'carol' }),
    ).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect((await step(pipelines, run.runId, 'gate'))?.state).toBe('waiting');

    await pipelines.approvals.decide(run.runId, 'gate', 'approve', { user: 'dave', comment: 'better' });
    expect(await done).toBe('succeeded');
    expect(await governance.listApprovals(model, versions[1]!)).toEqual([
      expect.objectContaining({
        id: registryId,
        status: 'approved',
        decidedBy: 'dave',
        decisionComment: 'better',
      }),
    ]);
    // The promotion policy counts the decision.
    expect(await governance.checkPromotion(model, versions[1]!, 'alias:champion')).toEqual({
      allowed: true,
      unmet: [],
    });
  });

  it("with a model: a decision made through the registry itself is the step's decision too", async () => {
    const { registry, governance, tracking } = h.platform;
    const model = `registry-decided-${engine}`;
    await registry.createRegisteredModel({ name: model });
    const experimentId = await tracking.createExperiment({ name: `${model}-runs` });
    const source = await tracking.createRun({ experimentId, startTime: 1 });
    const version = await registry.createModelVersion({
      name: model,
      source: `runs:/${source.info.runId}/model`,
      runId: source.info.runId,
    });
    const pipelines = h.service({
      heartbeatMs: 100,
      modelApprovals: registryModelApprovals({ governance, registry, tracking }),
    });
    const document = gated(
      { model: { name: 'model', version: 'version' }, on_reject: 'continue' },
      { model: { type: 'string', value: model }, version: { type: 'string', value: version.version } },
    );
    const { run, done } = await startDoc(pipelines, document);
    await waiting(pipelines, run.runId);
    const registryId = (await pipelines.approvals.forRun(run.runId))[0]?.model?.registryApprovalId ?? 0;
    await governance.reject(registryId, { user: 'erin', comment: 'not this one' });
    expect(await done).toBe('succeeded');
    expect(await step(pipelines, run.runId, 'gate')).toMatchObject({
      state: 'succeeded',
      outputs: {
        approved: { kind: 'value', value: false },
        approver: { kind: 'value', value: 'erin' },
        comment: { kind: 'value', value: 'not this one' },
      },
    });
    expect((await step(pipelines, run.runId, 'ship'))?.state).toBe('skipped');
  });

  it('with a model: cancelling closes the registry request; an unknown version fails the step', async () => {
    const { registry, governance, tracking } = h.platform;
    const model = `cancelled-model-${engine}`;
    await registry.createRegisteredModel({ name: model });
    const experimentId = await tracking.createExperiment({ name: `${model}-runs` });
    const source = await tracking.createRun({ experimentId, startTime: 1 });
    const version = await registry.createModelVersion({
      name: model,
      source: `runs:/${source.info.runId}/model`,
      runId: source.info.runId,
    });
    const pipelines = h.service({
      modelApprovals: registryModelApprovals({ governance, registry, tracking }),
    });
    const inputs = (v: string) => ({
      model: { type: 'string', value: model },
      version: { type: 'string', value: v },
    });
    const spec = { model: { name: 'model', version: 'version' } };
    const { run, done } = await startDoc(pipelines, gated(spec, inputs(version.version)));
    await waiting(pipelines, run.runId);
    // No champion yet: the comparison says so.
    expect((await pipelines.approvals.get(run.runId, 'gate')).comparison?.champion).toBeUndefined();
    await pipelines.cancel(run.runId);
    expect(await done).toBe('cancelled');
    expect(await governance.listApprovals(model, version.version)).toEqual([
      expect.objectContaining({ status: 'rejected', decidedBy: 'bosun-pipeline' }),
    ]);

    const missing = await startDoc(pipelines, gated(spec, inputs('99')));
    expect(await missing.done).toBe('failed');
    expect((await step(pipelines, missing.run.runId, 'gate'))?.reason).toMatch(
      new RegExp(`could not request approval of ${model} version 99`),
    );
  });
});
