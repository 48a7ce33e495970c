import { InvalidParameterError } from '../../shared/index.js';
import { formatTarget, parseTarget } from './target.js';
import {
  comparisonOps,
  type BeatCurrent,
  type ComparisonOp,
  type MetricCondition,
  type PolicyInput,
} from './types.js';

export const governanceLimits = {
  metricConditions: 50,
  approvers: 100,
  requiredApprovals: 100,
  metricKeyLength: 250,
  userLength: 256,
};

/** A policy with every field present and checked; `target` canonical. */
export interface ValidPolicy {
  target: string;
  requireCleanScan: boolean;
  metricConditions: MetricCondition[];
  beatCurrent: BeatCurrent | null;
  requiredApprovals: number;
  approvers: string[];
}

function metricKey(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidParameterError(`${where}: 'metric' must be a non-empty metric key.`);
  }
  if (value.length > governanceLimits.metricKeyLength) {
    throw new InvalidParameterError(
      `${where}: 'metric' is longer than ${governanceLimits.metricKeyLength} characters.`,
    );
  }
  return value;
}

/**
 * The acting user named in a request. Until authentication lands this is an assertion by the caller, not a
 * proof of identity.
 */
export function parseUser(user: unknown): string {
  if (typeof user !== 'string' || user.trim() === '') {
    throw new InvalidParameterError(
      "A user is required: give 'user' in the request body or the X-Bosun-User header.",
    );
  }
  const trimmed = user.trim();
  if (trimmed.length > governanceLimits.userLength) {
    throw new InvalidParameterError(`User names are at most ${governanceLimits.userLength} characters.`);
  }
  return trimmed;
}

export function validatePolicyInput(input: PolicyInput): ValidPolicy {
  const target = formatTarget(parseTarget(input.target));
  const conditions = input.metricConditions ?? [];
  if (!Array.isArray(conditions) || conditions.length > governanceLimits.metricConditions) {
    throw new InvalidParameterError(
      `'metric_conditions' must be a list of at most ${governanceLimits.metricConditions} conditions.`,
    );
  }
  const metricConditions = conditions.map((c, i): MetricCondition => {
    const where = `metric_conditions[${i}]`;
    const metric = metricKey(c.metric, where);
    if (!comparisonOps.includes(c.op)) {
      throw new InvalidParameterError(`${where}: 'op' must be one of ${comparisonOps.join(' ')}.`);
    }
    if (typeof c.value !== 'number' || !Number.isFinite(c.value)) {
      throw new InvalidParameterError(`${where}: 'value' must be a finite number.`);
    }
    return { metric, op: c.op as ComparisonOp, value: c.value };
  });
  let beatCurrent: BeatCurrent | null = null;
  if (input.beatCurrent) {
    if (typeof input.beatCurrent.greaterIsBetter !== 'boolean') {
      throw new InvalidParameterError("beat_current: 'greater_is_better' must be true or false.");
    }
    beatCurrent = {
      metric: metricKey(input.beatCurrent.metric, 'beat_current'),
      greaterIsBetter: input.beatCurrent.greaterIsBetter,
    };
  }
  const requiredApprovals = input.requiredApprovals ?? 0;
  if (
    !Number.isInteger(requiredApprovals) ||
    requiredApprovals < 0 ||
    requiredApprovals > governanceLimits.requiredApprovals
  ) {
    throw new InvalidParameterError(
      `'required_approvals' must be an integer from 0 to ${governanceLimits.requiredApprovals}.`,
    );
  }
  const approvers = input.approvers ?? [];
  if (!Array.isArray(approvers) || approvers.length > governanceLimits.approvers) {
    throw new InvalidParameterError(
      `'approvers' must be a list of at most ${governanceLimits.approvers} users.`,
    );
  }
  const names = [...new Set(approvers.map(parseUser))];
  if (requiredApprovals > 0 && names.length > 0 && names.length < requiredApprovals) {
    throw new InvalidParameterError(
      `'required_approvals' is ${requiredApprovals} but only ${names.length} approvers are allowed: the policy could never be met.`,
    );
  }
  return {
    target,
    requireCleanScan: input.requireCleanScan ?? false,
    metricConditions,
    beatCurrent,
    requiredApprovals,
    approvers: names,
  };
}
