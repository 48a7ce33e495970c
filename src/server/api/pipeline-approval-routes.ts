import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { approvalToWire, type PipelineService } from '../../pipelines/index.js';
import type { PermissionService } from '../../security/permissions/index.js';
import { InvalidParameterError, PermissionDeniedError } from '../../shared/index.js';
import { RunIdItem } from '../id-schemas.js';
import { auditIdentifier } from '../audit/audit-identifiers.js';
import { readableOf } from '../authz/index.js';
import { apiPaths, experiment, needs, params, runIn, signedIn } from '../authz/policy-helpers.js';
import type { AuditedInput, PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';
import type { TypedApp } from '../typed-app.js';
import { Nullable } from './wire-schemas.js';

const prefix = `${apiPaths.native}/pipelines`;
const tags = ['pipelines'];
const userHeader = 'x-bosun-user';

const StepParam = Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z][A-Za-z0-9_]{0,62}$' });
const Side = Type.Object({
  version: Type.String(),
  run_id: Nullable(Type.String()),
  metrics: Type.Record(Type.String(), Type.Number()),
});
const ApprovalOut = Type.Object({
  run_id: Type.String(),
  pipeline: Type.String(),
  step: Type.String(),
  status: Type.String({ enum: ['waiting', 'approved', 'rejected', 'timed_out', 'cancelled'] }),
  message: Nullable(Type.String()),
  requested_by: Type.String({ description: 'who started the pipeline run' }),
  requested_at: Type.Integer(),
  expires_at: Nullable(Type.Integer({ description: 'when on_timeout applies' })),
  on_timeout: Type.String({ enum: ['approve', 'reject'] }),
  on_reject: Type.String({ enum: ['fail', 'continue'] }),
  model: Nullable(
    Type.Object({
      name: Type.String(),
      version: Type.String(),
      target: Type.String({ description: 'alias:<champion_alias>' }),
      registry_approval_id: Nullable(Type.Integer({ description: "the registry's approval request" })),
    }),
  ),
  decided_by: Nullable(Type.String()),
  decided_at: Nullable(Type.Integer()),
  comment: Nullable(Type.String()),
  comparison: Nullable(
    Type.Object(
      { model: Type.String(), alias: Type.String(), candidate: Side, champion: Nullable(Side) },
      { description: "the candidate version's metrics beside the champion's (source runs, latest values)" },
    ),
  ),
});
const DecisionIn = Type.Object({
  comment: Type.Optional(Type.String({ maxLength: 5000 })),
  user: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description:
        'With authentication off only: who decides (else the X-Bosun-User header). With it on, the signed-in user decides.',
    }),
  ),
});

/** The deciding user: the signed-in one (auth on; naming anyone else is refused), else as asserted, else anonymous. */
function decidingUser(req: FastifyRequest, bodyUser: string | undefined): string {
  const header = req.headers[userHeader];
  const asserted = [bodyUser, Array.isArray(header) ? header[0] : header].find(
    (name): name is string => name !== undefined && name.trim() !== '',
  );
  if (req.user !== undefined) {
    if (asserted !== undefined && asserted.trim().toLowerCase() !== req.user.username.toLowerCase()) {
      throw new InvalidParameterError(
        `Invalid value for 'user': '${asserted.slice(0, 64)}' is not the signed-in user '${req.user.username}'.`,
      );
    }
    return req.user.username;
  }
  return asserted?.trim() ?? 'anonymous';
}

/**
 * Approval steps over HTTP: the waiting requests the caller may read, a run's requests (with the candidate's
 * metrics beside the champion's), and approve / reject with a comment. Deciding needs EDIT on the pipeline's
 * experiment (route policy) and, when the step names a model, the permission the registry's own approve route
 * needs (MANAGE on the registered model), checked here once the model is known.
 */
export function registerPipelineApprovalRoutes(
  app: TypedApp,
  pipelines: PipelineService,
  permissions: Pick<PermissionService, 'can'>,
): void {
  app.get(
    `${prefix}/approvals`,
    {
      schema: {
        tags,
        summary: 'Approval steps waiting for a decision, oldest first (of the pipelines the caller may read)',
        querystring: Type.Object({
          pipeline: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        }),
        response: { 200: Type.Object({ approvals: Type.Array(ApprovalOut) }) },
      },
    },
    async (req) => {
      const pending = await pipelines.approvals.pending({
        ...(req.query.pipeline !== undefined ? { pipeline: req.query.pipeline } : {}),
        limit: req.query.max_results ?? 100,
      });
      const readable = new Set(
        await readableOf(req, 'experiment', [...new Set(pending.map((p) => p.run.experimentId))]),
      );
      return {
        approvals: pending
          .filter((p) => readable.has(p.run.experimentId))
          .map((p) => approvalToWire(p.approval, p.run.pipelineName)),
      };
    },
  );

  app.get(
    `${prefix}/runs/:run_id/approvals`,
    {
      schema: {
        tags,
        summary:
          "A run's approval requests (decided ones too); a waiting one that names a model shows the candidate's metrics beside the champion's",
        params: Type.Object({ run_id: RunIdItem }),
        response: { 200: Type.Object({ approvals: Type.Array(ApprovalOut) }) },
      },
    },
    async (req) => {
      const run = await pipelines.store.getRun(req.params.run_id);
      const approvals = await pipelines.approvals.forRun(run.runId);
      const out = [];
      for (const approval of approvals) {
        const comparison =
          approval.status === 'waiting'
            ? await pipelines.approvals.compare(approval).catch(() => undefined)
            : undefined;
        out.push(approvalToWire(approval, run.pipelineName, comparison));
      }
      return { approvals: out };
    },
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `${prefix}/runs/:run_id/approvals/:step/${decision}`,
      {
        schema: {
          tags,
          summary:
            decision === 'approve'
              ? 'Approve a waiting approval step, with a comment (the run continues)'
              : 'Reject a waiting approval step, with a comment (the run fails, or continues with approved=false)',
          description:
            "When the step names a model, the registry's approval request is decided too: its rules apply (nobody " +
            "approves their own request, a promotion policy's approvers list is obeyed) and the caller needs MANAGE on " +
            'the registered model. A request no longer waiting answers INVALID_STATE.',
          params: Type.Object({ run_id: RunIdItem, step: StepParam }),
          body: Type.Optional(DecisionIn),
          response: { 200: Type.Object({ approval: ApprovalOut }) },
        },
      },
      async (req) => {
        const user = decidingUser(req, req.body?.user);
        const { approval, run } = await pipelines.approvals.get(req.params.run_id, req.params.step);
        const model = approval.model?.name;
        if (model !== undefined && req.user !== undefined && !req.user.isAdmin) {
          if (!(await permissions.can(req.user, 'manage', 'registered-model', model))) {
            throw new PermissionDeniedError(
              `Permission denied: you may not manage registered model '${model}' (the model this approval promotes).`,
            );
          }
        }
        const decided = await pipelines.approvals.decide(run.runId, req.params.step, decision, {
          user,
          ...(req.body?.comment !== undefined ? { comment: req.body.comment } : {}),
        });
        return { approval: approvalToWire(decided, run.pipelineName) };
      },
    );
  }
}

const approvalResource = (input: AuditedInput) => {
  const run = auditIdentifier(input, 'run_id');
  const step = auditIdentifier(input, 'step');
  return { type: 'pipeline_approval', id: run !== undefined && step !== undefined ? `${run}/${step}` : null };
};

/** Readers of a pipeline list and read its approvals; deciding needs EDIT on it (and MANAGE on a named model). */
export const pipelineApprovalPolicies: PolicyTable = {
  [`GET ${prefix}/approvals`]: signedIn,
  [`GET ${prefix}/runs/:run_id/approvals`]: needs(experiment('read', runIn(params('run_id')))),
  [`POST ${prefix}/runs/:run_id/approvals/:step/approve`]: {
    ...needs(experiment('update', runIn(params('run_id')))),
    audit: approvalResource,
  },
  [`POST ${prefix}/runs/:run_id/approvals/:step/reject`]: {
    ...needs(experiment('update', runIn(params('run_id')))),
    audit: approvalResource,
  },
};

/** Approval steps' routes (the runs themselves are driven by the pipelines plugin). */
export const pipelineApprovalRoutes: RoutePlugin = {
  name: 'pipeline-approvals',
  policies: pipelineApprovalPolicies,
  register(app, services) {
    registerPipelineApprovalRoutes(app, services.pipelines, services.permissions);
  },
};
