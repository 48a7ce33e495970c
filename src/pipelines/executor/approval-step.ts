import { findPlaceholders, type ApprovalSpec } from '../spec/index.js';
import type { StepApproval } from '../store/approval-store.js';
import type { OutputValue, PipelineRun, StepRun } from '../store/pipeline-store-types.js';
import type { ExecutorDeps } from './executor-deps.js';
import { valueToTextSafe } from './launch-values.js';

/** Who acts in the registry when nobody does: a timeout or a cancellation closing the registry's request. */
export const APPROVAL_SYSTEM_USER = 'bosun-pipeline';

/** The alias an approval that names a model promotes to when the spec names none. */
export const DEFAULT_CHAMPION_ALIAS = 'champion';

/** The approval's message with `{{inputs.NAME}}` replaced by the resolved inputs. */
export function approvalMessage(text: string, inputs: Record<string, unknown>): string {
  let out = text;
  for (const p of findPlaceholders(text)) {
    if (p.target?.section !== 'inputs') continue;
    const value = inputs[p.target.name];
    if (value === undefined) continue;
    out = out.replace(p.text, () => (typeof value === 'string' ? value : JSON.stringify(value)));
  }
  return out;
}

/** How an approval step opened: waiting, or it could not ask (the step fails with the reason). */
export type OpenResult = { opened: boolean } | { failed: string };

/**
 * Opens an approval step: an MLflow run for it (RUNNING while it waits), a registry approval request when the
 * step names a model, and the waiting request in the database (the step run goes pending → waiting with it).
 */
export async function openApproval(
  deps: ExecutorDeps,
  run: PipelineRun,
  unit: StepRun,
  approval: ApprovalSpec,
  inputs: Record<string, unknown>,
  timeoutMs: number | undefined,
): Promise<OpenResult> {
  const now = deps.clock.now();
  const message = approval.message !== undefined ? approvalMessage(approval.message, inputs) : undefined;
  let model: { name: string; version: string; target: string; registryApprovalId: number } | undefined;
  if (approval.model !== undefined) {
    const name = inputs[approval.model.name];
    const version = inputs[approval.model.version];
    const target = `alias:${approval.model.champion_alias ?? DEFAULT_CHAMPION_ALIAS}`;
    if (typeof name !== 'string' || (typeof version !== 'string' && typeof version !== 'number')) {
      return { failed: 'the model name or version input has no value' };
    }
    if (deps.modelApprovals === undefined) {
      return { failed: 'the step names a model, but this executor has no model registry to ask' };
    }
    try {
      const registryApprovalId = await deps.modelApprovals.request({
        model: name,
        version: String(version),
        target,
        user: run.createdBy,
        comment: message ?? `pipeline ${run.pipelineName}, run ${run.runId}, step ${unit.step}`,
      });
      model = { name, version: String(version), target, registryApprovalId };
    } catch (err) {
      return {
        failed: `could not request approval of ${name} version ${String(version)}: ${(err as Error).message}`,
      };
    }
  }
  const tracked = await deps.tracking.createRun({
    experimentId: run.experimentId,
    runName: unit.step,
    startTime: now,
    tags: [
      { key: 'mlflow.parentRunId', value: run.runId },
      { key: 'mlflow.runName', value: unit.step },
      { key: 'bosun.pipeline.run_id', value: run.runId },
      { key: 'bosun.pipeline.name', value: run.pipelineName },
      { key: 'bosun.pipeline.step', value: unit.step },
      { key: 'bosun.pipeline.step_run_id', value: unit.stepRunId },
      { key: 'bosun.approval.status', value: 'waiting' },
      ...(model !== undefined
        ? [
            { key: 'bosun.approval.model', value: model.name },
            { key: 'bosun.approval.model_version', value: model.version },
            { key: 'bosun.approval.registry_approval_id', value: String(model.registryApprovalId) },
          ]
        : []),
    ],
  });
  const opened = await deps.approvals.open(
    {
      stepRunId: unit.stepRunId,
      runId: run.runId,
      step: unit.step,
      message,
      requestedBy: run.createdBy,
      requestedAt: now,
      expiresAt: timeoutMs !== undefined ? now + timeoutMs : undefined,
      onTimeout: approval.on_timeout ?? 'reject',
      onReject: approval.on_reject ?? 'fail',
      model,
    },
    { mlflowRunId: tracked.info.runId, reason: 'waiting for approval' },
    now,
  );
  if (!opened) {
    await deps.tracking.updateRun({ runId: tracked.info.runId, status: 'KILLED', endTime: now });
  }
  return { opened };
}

/** What a settled approval does to its step run. */
export interface ApprovalOutcome {
  state: 'succeeded' | 'failed' | 'cancelled';
  reason: string | undefined;
  outputs: Record<string, OutputValue> | undefined;
}

/** The step's result for a decided request (undefined while it still waits). */
export function approvalOutcome(
  approval: StepApproval,
  timeoutText: string | undefined,
): ApprovalOutcome | undefined {
  const outputs = (approved: boolean, approver: string): Record<string, OutputValue> => ({
    approved: { kind: 'value', value: approved },
    approver: { kind: 'value', value: approver },
    comment: { kind: 'value', value: approval.comment ?? '' },
  });
  switch (approval.status) {
    case 'waiting':
      return undefined;
    case 'cancelled':
      return { state: 'cancelled', reason: 'cancelled while waiting for approval', outputs: undefined };
    case 'approved':
      return { state: 'succeeded', reason: undefined, outputs: outputs(true, approval.decidedBy ?? '') };
    case 'rejected':
    case 'timed_out': {
      const timedOut = approval.status === 'timed_out';
      const approved = timedOut && approval.onTimeout === 'approve';
      const values = outputs(approved, approval.decidedBy ?? '');
      const why = timedOut
        ? `no decision within ${timeoutText ?? 'its timeout'} (on_timeout: ${approval.onTimeout})`
        : `rejected by ${approval.decidedBy ?? 'someone'}${approval.comment ? `: ${approval.comment}` : ''}`;
      if (approved) return { state: 'succeeded', reason: why, outputs: values };
      return approval.onReject === 'fail'
        ? { state: 'failed', reason: why, outputs: values }
        : { state: 'succeeded', reason: `${why} (on_reject: continue)`, outputs: values };
    }
  }
}

/** Ends the approval step's MLflow run with the decision as tags. */
export async function finishApprovalRun(
  deps: ExecutorDeps,
  unit: StepRun,
  approval: StepApproval,
  outcome: ApprovalOutcome,
): Promise<void> {
  if (unit.mlflowRunId === undefined) return;
  const now = deps.clock.now();
  await deps.tracking.logBatch(unit.mlflowRunId, {
    tags: [
      { key: 'bosun.approval.status', value: approval.status },
      ...(approval.decidedBy !== undefined
        ? [{ key: 'bosun.approval.approver', value: approval.decidedBy }]
        : []),
      ...(approval.comment !== undefined
        ? [{ key: 'bosun.approval.comment', value: valueToTextSafe(approval.comment, 5000) }]
        : []),
      { key: 'bosun.step.duration_ms', value: String(now - (unit.startedAt ?? now)) },
    ],
  });
  await deps.tracking.updateRun({
    runId: unit.mlflowRunId,
    status: outcome.state === 'succeeded' ? 'FINISHED' : outcome.state === 'failed' ? 'FAILED' : 'KILLED',
    endTime: now,
  });
}

/**
 * Closes the registry's request when nobody decided (a timeout that rejects, a cancellation): rejected by
 * `APPROVAL_SYSTEM_USER` with the reason, so it does not stay open. Best effort: a policy whose approvers list
 * excludes that user leaves the request open, which only means nobody approved it.
 */
export async function closeRegistryRequest(
  deps: ExecutorDeps,
  approval: StepApproval,
  reason: string,
): Promise<void> {
  const id = approval.model?.registryApprovalId;
  if (id === undefined || deps.modelApprovals === undefined) return;
  await deps.modelApprovals.decide(id, 'reject', APPROVAL_SYSTEM_USER, reason).catch(() => undefined);
}
