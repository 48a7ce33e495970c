import type { GovernanceService } from '../../registry/governance/index.js';
import type { RegistryService } from '../../registry/index.js';
import { BosunError, NotFoundError } from '../../shared/index.js';
import type { TrackingService } from '../../tracking/index.js';

/** One side of the comparison an approver sees: a model version and the latest metrics of its source run. */
export interface ModelSide {
  version: string;
  runId: string | undefined;
  /** Latest value of each metric of the source run, by key (empty when the version has no source run). */
  metrics: Record<string, number>;
}

/** The candidate version beside the version holding the champion alias now (none: no champion yet). */
export interface ModelComparison {
  model: string;
  alias: string;
  candidate: ModelSide;
  champion: ModelSide | undefined;
}

/**
 * What approval steps that name a model use of the registry: its approval requests (so the promotion policy and
 * the registry's audit see the same decision) and the versions' metrics. Built over the registry's services by
 * `registryModelApprovals`; tests may pass a fake.
 */
export interface ModelApprovals {
  /** Opens a registry approval request for `target` (`alias:<name>`), asked by `user`; returns its id. */
  request(input: {
    model: string;
    version: string;
    target: string;
    user: string;
    comment: string;
  }): Promise<number>;
  /**
   * Decides the registry request as `user` (the registry's rules apply: nobody approves their own request, a
   * policy's approvers list is obeyed: a PERMISSION_DENIED error otherwise).
   */
  decide(approvalId: number, decision: 'approve' | 'reject', user: string, comment: string): Promise<void>;
  compare(model: string, version: string, alias: string): Promise<ModelComparison>;
  /**
   * The registry request's decision when it was made there (through the registry's own approve and reject
   * routes); undefined while it is open or when it is gone.
   */
  decision(request: {
    model: string;
    version: string;
    target: string;
    approvalId: number;
  }): Promise<{ status: 'approved' | 'rejected'; by: string; comment: string } | undefined>;
}

function latest(metrics: readonly { key: string; value: number; timestamp: number; step: number }[]) {
  const out: Record<string, number> = {};
  const seen = new Map<string, { timestamp: number; step: number }>();
  for (const m of metrics) {
    const prior = seen.get(m.key);
    if (
      prior === undefined ||
      m.step > prior.step ||
      (m.step === prior.step && m.timestamp >= prior.timestamp)
    ) {
      seen.set(m.key, { timestamp: m.timestamp, step: m.step });
      out[m.key] = m.value;
    }
  }
  return out;
}

/** `ModelApprovals` over the registry, its governance (approval requests) and tracking (source runs' metrics). */
export function registryModelApprovals(deps: {
  governance: GovernanceService;
  registry: RegistryService;
  tracking: TrackingService;
}): ModelApprovals {
  const side = async (name: string, version: string): Promise<ModelSide> => {
    const v = await deps.registry.getModelVersion(name, version);
    if (v.runId === undefined) return { version: v.version, runId: undefined, metrics: {} };
    const run = await deps.tracking.getRun(v.runId).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    return { version: v.version, runId: v.runId, metrics: run === undefined ? {} : latest(run.data.metrics) };
  };
  return {
    async request(input) {
      const approval = await deps.governance.requestApproval(input.model, input.version, {
        target: input.target,
        user: input.user,
        comment: input.comment,
      });
      return approval.id;
    },
    async decide(approvalId, decision, user, comment) {
      const input = { user, ...(comment !== '' ? { comment } : {}) };
      if (decision === 'approve') await deps.governance.approve(approvalId, input);
      else await deps.governance.reject(approvalId, input);
    },
    async decision(request) {
      const approvals = await deps.governance
        .listApprovals(request.model, request.version, request.target)
        .catch(() => []);
      const found = approvals.find((a) => a.id === request.approvalId);
      if (found === undefined || found.status === 'requested') return undefined;
      return { status: found.status, by: found.decidedBy ?? '', comment: found.decisionComment ?? '' };
    },
    async compare(model, version, alias) {
      const candidate = await side(model, version);
      let champion: ModelSide | undefined;
      try {
        const holder = await deps.registry.getModelVersionByAlias(model, alias);
        champion = await side(model, holder.version);
      } catch (err) {
        // No version holds the alias (the registry calls an unknown alias an invalid parameter, as MLflow does).
        const absent =
          err instanceof BosunError &&
          (err.code === 'RESOURCE_DOES_NOT_EXIST' || err.code === 'INVALID_PARAMETER_VALUE');
        if (!absent) throw err;
      }
      return { model, alias, candidate, champion };
    },
  };
}
