import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import {
  comparisonOps,
  parseTarget,
  type Approval,
  type GovernanceService,
  type PolicyInput,
  type PromotionPolicy,
  type ScanRecord,
} from '../../registry/governance/index.js';
import type { RegistryService } from '../../registry/index.js';
import { nameResources } from '../audit/index.js';
import { InvalidParameterError } from '../../shared/index.js';
import { isSerialId } from '../../shared/index.js';
import { SerialIdParam, VersionParam } from '../id-schemas.js';
import type { TypedApp } from '../typed-app.js';
import { apiPaths, model, modelParam, needs, params } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';

/** What the governance routes need: the governance service, and the registry for `promote`. */
export interface GovernanceRouteDeps {
  governance: GovernanceService;
  registry: RegistryService;
}

const prefix = '/api/bosun/v1/registry';
const tags = ['registry governance'];
const userHeader = 'x-bosun-user';

const MetricConditionSchema = Type.Object({
  metric: Type.String(),
  op: Type.Union(comparisonOps.map((op) => Type.Literal(op))),
  value: Type.Number(),
});
const BeatCurrentSchema = Type.Object({ metric: Type.String(), greater_is_better: Type.Boolean() });
const PolicyOut = Type.Object({
  model_name: Type.String(),
  target: Type.String({ description: 'alias:<name> or stage:<Stage>' }),
  require_clean_scan: Type.Boolean(),
  metric_conditions: Type.Array(MetricConditionSchema),
  beat_current: Type.Union([BeatCurrentSchema, Type.Null()]),
  required_approvals: Type.Integer(),
  approvers: Type.Array(Type.String(), { description: 'empty: anyone but the requester' }),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
});
const FindingOut = Type.Object({
  file: Type.String(),
  kind: Type.String(),
  module: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  severity: Type.String(),
  detail: Type.String(),
  offset: Type.Optional(Type.Integer()),
  opcodes: Type.Optional(Type.Array(Type.String())),
});
const ScanOut = Type.Object({
  status: Type.Union([
    Type.Literal('clean'),
    Type.Literal('suspicious'),
    Type.Literal('unsafe'),
    Type.Literal('failed'),
  ]),
  files: Type.Integer(),
  findings: Type.Array(FindingOut),
  error: Type.Optional(Type.String()),
  scanned_at: Type.Integer(),
});
const ApprovalOut = Type.Object({
  id: Type.Integer(),
  model_name: Type.String(),
  version: Type.String(),
  target: Type.String(),
  status: Type.Union([Type.Literal('requested'), Type.Literal('approved'), Type.Literal('rejected')]),
  requested_by: Type.String(),
  requested_at: Type.Integer(),
  comment: Type.String(),
  decided_by: Type.Optional(Type.String()),
  decided_at: Type.Optional(Type.Integer()),
  decision_comment: Type.Optional(Type.String()),
});
const ModelParams = Type.Object({ name: Type.String() });
const VersionParams = Type.Object({ name: Type.String(), version: VersionParam });
const userDescription =
  'acting user. With authentication on, the signed-in user acts: give nothing, or your own username ' +
  '(another name is refused with 400). With authentication off, an assertion (else the X-Bosun-User header).';
const UserBody = {
  user: Type.Optional(Type.String({ description: userDescription })),
  comment: Type.Optional(Type.String()),
};

function policyToWire(p: PromotionPolicy) {
  return {
    model_name: p.modelName,
    target: p.target,
    require_clean_scan: p.requireCleanScan,
    metric_conditions: p.metricConditions,
    beat_current: p.beatCurrent
      ? { metric: p.beatCurrent.metric, greater_is_better: p.beatCurrent.greaterIsBetter }
      : null,
    required_approvals: p.requiredApprovals,
    approvers: p.approvers,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

function scanToWire(s: ScanRecord) {
  return {
    status: s.status,
    files: s.files,
    findings: s.findings.map((f) => ({
      file: f.file,
      kind: f.kind,
      ...(f.module !== undefined ? { module: f.module } : {}),
      ...(f.name !== undefined ? { name: f.name } : {}),
      severity: f.severity,
      detail: f.detail,
    })),
    ...(s.error !== undefined ? { error: s.error } : {}),
    scanned_at: s.scannedAt,
  };
}

function approvalToWire(a: Approval) {
  return {
    id: a.id,
    model_name: a.modelName,
    version: a.version,
    target: a.target,
    status: a.status,
    requested_by: a.requestedBy,
    requested_at: a.requestedAt,
    comment: a.comment,
    ...(a.decidedBy !== undefined ? { decided_by: a.decidedBy } : {}),
    ...(a.decidedAt !== undefined ? { decided_at: a.decidedAt } : {}),
    ...(a.decisionComment !== undefined ? { decision_comment: a.decisionComment } : {}),
  };
}

/**
 * The acting user of a governance change (policy author, approval requester or decider, promoter).
 *
 * With authentication on (`req.user` set by the auth hook), it is the signed-in user, never an assertion: a
 * body `user` or X-Bosun-User header naming anyone else is refused with 400 INVALID_PARAMETER_VALUE, so that a
 * caller cannot approve in someone else's name. Naming oneself is accepted (usernames compare
 * case-insensitively, as they are unique that way), and the recorded name is the account's own spelling.
 *
 * With authentication off (local single-user mode), the body's `user`, else the X-Bosun-User header, as asserted.
 */
function actingUser(req: FastifyRequest, bodyUser: string | undefined): string | undefined {
  const header = req.headers[userHeader];
  const headerValue = Array.isArray(header) ? header[0] : header;
  const asserted = [
    { where: "parameter 'user'", name: bodyUser },
    { where: 'header X-Bosun-User', name: headerValue },
  ].filter((a): a is { where: string; name: string } => a.name !== undefined && a.name !== '');
  const signedIn = req.user;
  if (signedIn) {
    for (const { where, name } of asserted) {
      if (name.toLowerCase() !== signedIn.username.toLowerCase()) {
        throw new InvalidParameterError(
          `Invalid value for ${where}: '${name.slice(0, 64)}' is not the signed-in user '${signedIn.username}'. ` +
            'With authentication on, the signed-in user is the acting user: omit it or give your own username.',
        );
      }
    }
    return signedIn.username;
  }
  return asserted[0]?.name;
}

function parseApprovalId(raw: string): number {
  if (!isSerialId(raw)) throw new InvalidParameterError(`Invalid approval id '${raw.slice(0, 50)}'.`);
  return Number(raw);
}

/**
 * The native governance API under /api/bosun/v1/registry: promotion policies, scan verdicts, approvals,
 * promotion checks and promotion through the gate. JSON is snake_case; errors are BosunErrors.
 * Example (composition root): `registerGovernanceRoutes(app, { governance, registry })`.
 */
export function registerGovernanceRoutes(app: TypedApp, deps: GovernanceRouteDeps): void {
  const { governance, registry } = deps;

  app.get(
    `${prefix}/models/:name/policies`,
    {
      schema: {
        tags,
        summary: "A registered model's promotion policies, one per target",
        params: ModelParams,
        response: { 200: Type.Object({ policies: Type.Array(PolicyOut) }) },
      },
    },
    async (req) => ({ policies: (await governance.listPolicies(req.params.name)).map(policyToWire) }),
  );

  app.put(
    `${prefix}/models/:name/policies`,
    {
      schema: {
        tags,
        summary: 'Create or replace the promotion policy of one target (alias:<name> or stage:<Stage>)',
        params: ModelParams,
        body: Type.Object({
          target: Type.String(),
          require_clean_scan: Type.Optional(Type.Boolean()),
          metric_conditions: Type.Optional(Type.Array(MetricConditionSchema)),
          beat_current: Type.Optional(Type.Union([BeatCurrentSchema, Type.Null()])),
          required_approvals: Type.Optional(Type.Integer({ minimum: 0 })),
          approvers: Type.Optional(Type.Array(Type.String())),
          user: Type.Optional(Type.String({ description: userDescription })),
        }),
        response: { 200: Type.Object({ policy: PolicyOut }) },
      },
    },
    async (req) => {
      const b = req.body;
      const input: PolicyInput = { target: b.target };
      if (b.require_clean_scan !== undefined) input.requireCleanScan = b.require_clean_scan;
      if (b.metric_conditions !== undefined) input.metricConditions = b.metric_conditions;
      if (b.beat_current !== undefined) {
        input.beatCurrent = b.beat_current
          ? { metric: b.beat_current.metric, greaterIsBetter: b.beat_current.greater_is_better }
          : null;
      }
      if (b.required_approvals !== undefined) input.requiredApprovals = b.required_approvals;
      if (b.approvers !== undefined) input.approvers = b.approvers;
      const policy = await governance.setPolicy(req.params.name, input, actingUser(req, b.user));
      return { policy: policyToWire(policy) };
    },
  );

  app.delete(
    `${prefix}/models/:name/policies`,
    {
      schema: {
        tags,
        summary: 'Delete the promotion policy of one target (a missing one is not an error)',
        params: ModelParams,
        querystring: Type.Object({ target: Type.String() }),
        response: { 200: Type.Object({}) },
      },
    },
    async (req) => {
      await governance.deletePolicy(req.params.name, req.query.target, actingUser(req, undefined));
      return {};
    },
  );

  app.get(
    `${prefix}/models/:name/versions/:version/scan`,
    {
      schema: {
        tags,
        summary: "The verdict of the latest scan of a version's files",
        params: VersionParams,
        response: { 200: Type.Object({ scan: ScanOut }) },
      },
    },
    async (req) => ({ scan: scanToWire(await governance.getScan(req.params.name, req.params.version)) }),
  );

  app.post(
    `${prefix}/models/:name/versions/:version/scan`,
    {
      schema: {
        tags,
        summary: "Scan a version's files again and store the verdict",
        params: VersionParams,
        body: Type.Optional(
          Type.Object({ user: Type.Optional(Type.String({ description: userDescription })) }),
        ),
        response: { 200: Type.Object({ scan: ScanOut }) },
      },
    },
    async (req) => {
      const scan = await governance.rescan(
        req.params.name,
        req.params.version,
        actingUser(req, req.body?.user),
      );
      return { scan: scanToWire(scan) };
    },
  );

  app.post(
    `${prefix}/models/:name/versions/:version/approvals`,
    {
      schema: {
        tags,
        summary: 'Request approval to promote a version to a target',
        params: VersionParams,
        body: Type.Object({ target: Type.String(), ...UserBody }),
        response: { 200: Type.Object({ approval: ApprovalOut }) },
      },
    },
    async (req) => {
      const b = req.body;
      const approval = await governance.requestApproval(req.params.name, req.params.version, {
        target: b.target,
        user: actingUser(req, b.user) ?? '',
        ...(b.comment !== undefined ? { comment: b.comment } : {}),
      });
      return { approval: approvalToWire(approval) };
    },
  );

  app.get(
    `${prefix}/models/:name/versions/:version/approvals`,
    {
      schema: {
        tags,
        summary: "A version's approval requests and decisions, oldest first",
        params: VersionParams,
        querystring: Type.Object({ target: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ approvals: Type.Array(ApprovalOut) }) },
      },
    },
    async (req) => {
      const list = await governance.listApprovals(req.params.name, req.params.version, req.query.target);
      return { approvals: list.map(approvalToWire) };
    },
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `${prefix}/approvals/:id/${decision}`,
      {
        schema: {
          tags,
          summary: decision === 'approve' ? 'Approve a request' : 'Reject a request',
          params: Type.Object({ id: SerialIdParam }),
          body: Type.Optional(Type.Object(UserBody)),
          response: { 200: Type.Object({ approval: ApprovalOut }) },
        },
      },
      async (req) => {
        const id = parseApprovalId(req.params.id);
        const input = {
          user: actingUser(req, req.body?.user) ?? '',
          ...(req.body?.comment !== undefined ? { comment: req.body.comment } : {}),
        };
        const approval =
          decision === 'approve' ? await governance.approve(id, input) : await governance.reject(id, input);
        return { approval: approvalToWire(approval) };
      },
    );
  }

  app.get(
    `${prefix}/models/:name/versions/:version/promotion-check`,
    {
      schema: {
        tags,
        summary: 'Whether a version may be promoted to a target now, and the unmet conditions if not',
        params: VersionParams,
        querystring: Type.Object({ target: Type.String() }),
        response: { 200: Type.Object({ allowed: Type.Boolean(), unmet: Type.Array(Type.String()) }) },
      },
    },
    async (req) => governance.checkPromotion(req.params.name, req.params.version, req.query.target),
  );

  app.post(
    `${prefix}/models/:name/versions/:version/promote`,
    {
      schema: {
        tags,
        summary: 'Set the alias or stage through the policy gate (409 INVALID_STATE naming unmet conditions)',
        params: VersionParams,
        body: Type.Object({
          target: Type.String(),
          user: Type.Optional(Type.String({ description: userDescription })),
          archive_existing_versions: Type.Optional(Type.Boolean({ description: 'stage targets only' })),
        }),
        response: { 200: Type.Object({ allowed: Type.Literal(true) }) },
      },
    },
    async (req) => {
      const { name, version } = req.params;
      const target = parseTarget(req.body.target);
      const actor = actingUser(req, req.body.user);
      const options = actor !== undefined ? { actor } : {};
      if (target.kind === 'alias') {
        await registry.setRegisteredModelAlias(name, target.alias, version, options);
      } else {
        await registry.transitionModelVersionStage(
          name,
          version,
          target.stage,
          req.body.archive_existing_versions ?? false,
          options,
        );
      }
      return { allowed: true as const };
    },
  );
}

const registry = `${apiPaths.native}/registry`;
const approvalModel = model('manage', { by: 'approval-id', from: params('id') });

/** Policies and scans follow the registered model's grants; deciding an approval needs MANAGE on its model. */
export const governancePolicies: PolicyTable = {
  [`GET ${registry}/models/:name/policies`]: needs(model('read', modelParam)),
  [`PUT ${registry}/models/:name/policies`]: needs(model('manage', modelParam)),
  [`DELETE ${registry}/models/:name/policies`]: needs(model('manage', modelParam)),
  [`GET ${registry}/models/:name/versions/:version/approvals`]: needs(model('read', modelParam)),
  [`POST ${registry}/models/:name/versions/:version/approvals`]: needs(model('update', modelParam)),
  [`POST ${registry}/approvals/:id/approve`]: needs(approvalModel),
  [`POST ${registry}/approvals/:id/reject`]: needs(approvalModel),
  [`POST ${registry}/models/:name/versions/:version/promote`]: needs(model('update', modelParam)),
  [`GET ${registry}/models/:name/versions/:version/promotion-check`]: needs(model('read', modelParam)),
  [`GET ${registry}/models/:name/versions/:version/scan`]: needs(model('read', modelParam)),
  [`POST ${registry}/models/:name/versions/:version/scan`]: needs(model('update', modelParam)),
};

/** Promotion policies, approvals, promotion and scans of registered model versions. */
export const governanceRoutes: RoutePlugin = {
  name: 'governance',
  policies: nameResources('registry', governancePolicies),
  register(app, services) {
    registerGovernanceRoutes(app, { governance: services.governance, registry: services.registry });
  },
};
