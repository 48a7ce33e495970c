import type { PromotionCheck, PromotionPolicy } from '../../api/governance';

/** One rule of a promotion policy as the version page lists it: what it asks and whether it holds. */
export interface RuleResult {
  rule: string;
  met: boolean;
  /** The server's sentence for an unmet rule. */
  detail?: string;
}

const opText: Record<string, string> = { '>=': '≥', '<=': '≤', '!=': '≠', '==': '=', '>': '>', '<': '<' };

/**
 * The rules of `policy`, each with the server's unmet sentence when it does not hold. The server answers a
 * promotion check as one sentence per unmet condition, in policy order (scan, metric conditions, beating the
 * current holder, approvals); each sentence is matched back to its rule by the metric it names.
 */
export function ruleResults(policy: PromotionPolicy, check: PromotionCheck): RuleResult[] {
  const remaining = [...check.unmet];
  const take = (test: (sentence: string) => boolean): string | undefined => {
    const index = remaining.findIndex(test);
    if (index === -1) return undefined;
    return remaining.splice(index, 1)[0];
  };
  const results: RuleResult[] = [];
  const metricSentence = (metric: string) => (s: string) =>
    s.startsWith(`metrics.${metric} `) && !/\bbeat\b/.test(s);
  for (const c of policy.metricConditions) {
    const detail = take(metricSentence(c.metric));
    results.push({
      rule: `metrics.${c.metric} ${opText[c.op] ?? c.op} ${c.value}`,
      met: detail === undefined,
      ...(detail ? { detail } : {}),
    });
  }
  if (policy.beatCurrent !== null) {
    const { metric, greaterIsBetter } = policy.beatCurrent;
    const detail = take((s) => s.startsWith(`metrics.${metric} `) && /\bbeat\b/.test(s));
    results.push({
      rule: `beats the current ${policy.target} on ${metric} (${greaterIsBetter ? 'greater' : 'lower'} is better)`,
      met: detail === undefined,
      ...(detail ? { detail } : {}),
    });
  }
  if (policy.requiredApprovals > 0) {
    const details = [
      take((s) => s.startsWith('rejected by ')),
      take((s) => s.endsWith(' required approvals')),
    ].filter((s): s is string => s !== undefined);
    results.push({
      rule: `${policy.requiredApprovals} approval${policy.requiredApprovals === 1 ? '' : 's'}${
        policy.approvers.length > 0 ? ` from ${policy.approvers.join(', ')}` : ''
      }`,
      met: details.length === 0,
      ...(details.length > 0 ? { detail: details.join('; ') } : {}),
    });
  }
  if (policy.requireCleanScan) {
    const detail = take((s) => s.startsWith('scan ') || s === 'the version has not been scanned');
    results.unshift({ rule: 'clean scan', met: detail === undefined, ...(detail ? { detail } : {}) });
  }
  for (const extra of remaining) results.push({ rule: 'other condition', met: false, detail: extra });
  return results;
}
