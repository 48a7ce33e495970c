import { parseDuration, type StepSpec } from '../spec/index.js';
import type { PipelineRun, StepRun } from '../store/pipeline-store-types.js';
import { approvalOutcome, closeRegistryRequest, finishApprovalRun, openApproval } from './approval-step.js';
import type { ExecutorDeps } from './executor-deps.js';
import { endStepRun, type StepEmit } from './end-step.js';

/** What the approval steps need of the run driver: its events and its steps' effective specs. */
export interface ApprovalDriver {
  emit: StepEmit;
  stepSpec(name: string): StepSpec;
}

/**
 * The approval steps of one pipeline run, for its driver: a step's turn opens a request (the step run waits, no
 * process), a decision or the timeout ends it, a cancellation closes it here and in the registry.
 */
export class ApprovalSteps {
  /** When each waiting approval step's timeout applies (undefined: none), as last read from its request. */
  readonly deadlines = new Map<string, number | undefined>();

  constructor(
    private readonly deps: ExecutorDeps,
    private readonly run: PipelineRun,
    private readonly driver: ApprovalDriver,
  ) {}

  /** An approval step's turn: ask (the step run waits, no process), or fail saying why it cannot ask. */
  async request(unit: StepRun, spec: StepSpec, inputs: Record<string, unknown>): Promise<boolean> {
    const { deps } = this;
    const approval = spec.approval;
    if (approval === undefined) return false;
    const timeoutMs = approval.timeout !== undefined ? parseDuration(approval.timeout) : undefined;
    const result = await openApproval(deps, this.run, unit, approval, inputs, timeoutMs);
    if ('failed' in result)
      return endStepRun(deps, this.driver.emit, unit, 'pending', 'failed', result.failed);
    if (result.opened) {
      this.deadlines.set(unit.stepRunId, timeoutMs !== undefined ? deps.clock.now() + timeoutMs : undefined);
      this.driver.emit(
        unit,
        'waiting',
        `waiting for approval (bosun pipeline approve|reject ${this.run.runId} ${unit.step} --comment ...)`,
      );
    }
    return result.opened;
  }

  /**
   * A waiting approval step: applies its decision once made (or its `on_timeout` once its timeout passed);
   * true when the step run moved on.
   */
  async settle(unit: StepRun): Promise<boolean> {
    const { deps } = this;
    const now = deps.clock.now();
    let approval = await deps.approvals.get(unit.stepRunId);
    if (approval === undefined) {
      return endStepRun(deps, this.driver.emit, unit, 'waiting', 'failed', 'its approval request is missing');
    }
    const timeoutText = this.driver.stepSpec(unit.step).approval?.timeout;
    if (approval.status === 'waiting') {
      this.deadlines.set(unit.stepRunId, approval.expiresAt);
      // Decided through the registry's own routes: the step takes the same decision.
      const model = approval.model;
      if (model?.registryApprovalId !== undefined && deps.modelApprovals !== undefined) {
        const made = await deps.modelApprovals.decision({
          model: model.name,
          version: model.version,
          target: model.target,
          approvalId: model.registryApprovalId,
        });
        if (made !== undefined) {
          await deps.approvals.decide(
            unit.stepRunId,
            { status: made.status, by: made.by, comment: made.comment },
            now,
          );
          approval = (await deps.approvals.get(unit.stepRunId)) ?? approval;
        }
      }
    }
    if (approval.status === 'waiting') {
      if (approval.expiresAt === undefined || approval.expiresAt > now) return false;
      const comment = `no decision within ${timeoutText ?? 'its timeout'}`;
      if (await deps.approvals.decide(unit.stepRunId, { status: 'timed_out', by: undefined, comment }, now)) {
        if (approval.onTimeout === 'reject') await closeRegistryRequest(deps, approval, comment);
      }
      approval = (await deps.approvals.get(unit.stepRunId)) ?? approval;
    }
    const outcome = approvalOutcome(approval, timeoutText);
    if (outcome === undefined) return false;
    this.deadlines.delete(unit.stepRunId);
    await finishApprovalRun(deps, unit, approval, outcome).catch(() => undefined);
    return endStepRun(
      deps,
      this.driver.emit,
      unit,
      'waiting',
      outcome.state,
      outcome.reason,
      outcome.outputs !== undefined ? { outputs: outcome.outputs } : {},
    );
  }

  /** Cancellation reaches a waiting approval: the request is closed (here and in the registry), the step cancelled. */
  async cancel(unit: StepRun, reason: string): Promise<void> {
    const { deps } = this;
    const now = deps.clock.now();
    const approval = await deps.approvals.get(unit.stepRunId);
    if (
      approval !== undefined &&
      (await deps.approvals.decide(
        unit.stepRunId,
        { status: 'cancelled', by: undefined, comment: reason },
        now,
      ))
    ) {
      await closeRegistryRequest(deps, approval, `the pipeline run was cancelled: ${reason}`);
    }
    const current = (await deps.approvals.get(unit.stepRunId)) ?? approval;
    // A decision that won the race before the cancellation still counts; otherwise the step is cancelled.
    if (current !== undefined && current.status !== 'cancelled') {
      await this.settle(unit);
      return;
    }
    const outcome = { state: 'cancelled' as const, reason, outputs: undefined };
    if (current !== undefined) await finishApprovalRun(deps, unit, current, outcome).catch(() => undefined);
    this.deadlines.delete(unit.stepRunId);
    if (await deps.store.transition(unit.stepRunId, 'waiting', 'cancelled', { reason, endedAt: now }, now)) {
      this.driver.emit(unit, 'cancelled', reason);
    }
  }
}
