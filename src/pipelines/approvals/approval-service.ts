import { InvalidParameterError, InvalidStateError, NotFoundError } from '../../shared/index.js';
import { DEFAULT_CHAMPION_ALIAS } from '../executor/approval-step.js';
import type { PipelineApprovalStore, StepApproval } from '../store/approval-store.js';
import type { PipelineStore } from '../store/pipeline-store.js';
import type { PipelineRun } from '../store/pipeline-store-types.js';
import type { ModelApprovals, ModelComparison } from './model-approvals.js';

/** A decision a person makes. */
export type ApprovalDecision = 'approve' | 'reject';

/** An approval request with its run, and (when it names a model) the candidate beside the champion. */
export interface ApprovalDetails {
  approval: StepApproval;
  run: PipelineRun;
  comparison: ModelComparison | undefined;
}

export interface PipelineApprovalsDeps {
  store: PipelineStore;
  approvals: PipelineApprovalStore;
  modelApprovals: ModelApprovals | undefined;
  now(): number;
  /** Tells the driver of the run in this process to look at once (other processes see it at their heartbeat). */
  nudge(runId: string): void;
}

const MAX_COMMENT = 5000;

/** A decision's comment: optional text of at most 5,000 characters. */
export function parseComment(comment: unknown): string {
  if (comment === undefined || comment === null) return '';
  if (typeof comment !== 'string') throw new InvalidParameterError("Parameter 'comment' must be a string.");
  if (comment.length > MAX_COMMENT)
    throw new InvalidParameterError(`Parameter 'comment' is longer than ${MAX_COMMENT} characters.`);
  return comment;
}

/**
 * Approval steps as people see them: the waiting requests, one request with the candidate model's metrics beside
 * the champion's, and the decision. A decision on a step that names a model is first made on the registry's
 * approval request (its rules apply: nobody approves their own request, a policy's approvers list is obeyed),
 * so the promotion policy and the registry's audit see the same decision; then it is recorded for the step,
 * whose driver applies it (outputs `approved`, `approver`, `comment`).
 */
export class PipelineApprovals {
  constructor(private readonly deps: PipelineApprovalsDeps) {}

  /** Requests waiting for a decision, oldest first, with their runs. */
  async pending(
    query: { pipeline?: string; limit?: number } = {},
  ): Promise<{ approval: StepApproval; run: PipelineRun }[]> {
    const waiting = await this.deps.approvals.waiting(query);
    const out = [];
    for (const approval of waiting) out.push({ approval, run: await this.deps.store.getRun(approval.runId) });
    return out;
  }

  /** A run's approval requests (decided ones too). */
  forRun(runId: string): Promise<StepApproval[]> {
    return this.deps.approvals.forRun(runId);
  }

  private async find(runId: string, step: string): Promise<{ approval: StepApproval; run: PipelineRun }> {
    const run = await this.deps.store.getRun(runId);
    const approval = (await this.deps.approvals.forRun(runId)).find((a) => a.step === step);
    if (approval === undefined) {
      throw new NotFoundError(`Step '${step}' of pipeline run '${runId}' has no approval request`);
    }
    return { approval, run };
  }

  /** One request; with a model, the candidate's metrics beside the champion's (read now). */
  async get(runId: string, step: string): Promise<ApprovalDetails> {
    const { approval, run } = await this.find(runId, step);
    return { approval, run, comparison: await this.compare(approval) };
  }

  /** The candidate beside the champion (undefined without a model, or when the registry cannot tell). */
  async compare(approval: StepApproval): Promise<ModelComparison | undefined> {
    const model = approval.model;
    if (model === undefined || this.deps.modelApprovals === undefined) return undefined;
    const alias = model.target.startsWith('alias:')
      ? model.target.slice('alias:'.length)
      : DEFAULT_CHAMPION_ALIAS;
    return this.deps.modelApprovals.compare(model.name, model.version, alias);
  }

  /**
   * Approves or rejects a waiting request as `user`, with a comment. InvalidStateError when it is no longer
   * waiting (decided, timed out, cancelled); PERMISSION_DENIED from the registry's rules for a model.
   */
  async decide(
    runId: string,
    step: string,
    decision: ApprovalDecision,
    input: { user: string; comment?: unknown },
  ): Promise<StepApproval> {
    const user = input.user.trim();
    if (user === '') throw new InvalidParameterError('A user is required to decide an approval.');
    const comment = parseComment(input.comment);
    const { approval } = await this.find(runId, step);
    if (approval.status !== 'waiting') {
      throw new InvalidStateError(
        `Step '${step}' of pipeline run '${runId}' is not waiting for approval: it was ${approval.status.replace('_', ' ')}` +
          (approval.decidedBy !== undefined ? ` by ${approval.decidedBy}` : ''),
      );
    }
    const registryId = approval.model?.registryApprovalId;
    if (registryId !== undefined) {
      if (this.deps.modelApprovals === undefined) {
        throw new InvalidStateError('This server has no model registry to record the decision in');
      }
      await this.deps.modelApprovals.decide(registryId, decision, user, comment);
    }
    const won = await this.deps.approvals.decide(
      approval.stepRunId,
      { status: decision === 'approve' ? 'approved' : 'rejected', by: user, comment },
      this.deps.now(),
    );
    const decided = await this.deps.approvals.get(approval.stepRunId);
    // The driver may have copied this very decision from the registry's request in between: that is a success.
    const same =
      decided?.status === (decision === 'approve' ? 'approved' : 'rejected') && decided.decidedBy === user;
    if (!won && !same) {
      throw new InvalidStateError(`Step '${step}' of pipeline run '${runId}' was decided meanwhile`);
    }
    this.deps.nudge(runId);
    return decided ?? approval;
  }
}
