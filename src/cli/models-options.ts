/** Parsing of the `bosun models` flags: promotion targets, metric conditions, counts, filters. */
import type { ComparisonOp, MetricCondition, PolicyInput } from '../registry/index.js';
import { InvalidParameterError } from '../shared/index.js';

/**
 * A promotion target from `--target alias:champion | stage:Production`, or from `--alias A` / `--stage S`.
 * Exactly one form must be given. Only the shape is checked here; the server validates names and stages.
 */
export function parseTarget(options: { target?: string; alias?: string; stage?: string }): string {
  const given = [options.target, options.alias, options.stage].filter((v) => v !== undefined);
  if (given.length !== 1) {
    throw new InvalidParameterError(
      'Give exactly one target: --alias <alias>, --stage <stage> or --target <kind:name>',
    );
  }
  if (options.alias !== undefined) return `alias:${nonEmpty(options.alias, '--alias')}`;
  if (options.stage !== undefined) return `stage:${nonEmpty(options.stage, '--stage')}`;
  const target = options.target ?? '';
  const match = /^(alias|stage):(.+)$/i.exec(target);
  if (match === null) {
    throw new InvalidParameterError(
      `Invalid --target '${target}': expected alias:<alias> or stage:<stage>, e.g. alias:champion or stage:Production`,
    );
  }
  return `${(match[1] ?? '').toLowerCase()}:${match[2] ?? ''}`;
}

function nonEmpty(value: string, flag: string): string {
  if (value.trim() === '') throw new InvalidParameterError(`${flag} may not be empty`);
  return value;
}

const conditionPattern = /^\s*(?:metrics\.)?([^\s<>=!]+)\s*(>=|<=|==|!=|>|<|=)\s*(\S+)\s*$/;

/**
 * `--metric "accuracy>=0.9"` (spaces and a `metrics.` prefix allowed; `=` means `==`).
 * Example: `parseMetricCondition('metrics.loss < 0.2')` → `{ metric: 'loss', op: '<', value: 0.2 }`.
 */
export function parseMetricCondition(text: string): MetricCondition {
  const match = conditionPattern.exec(text);
  const value = match?.[3] !== undefined ? Number(match[3]) : NaN;
  if (match === null || !Number.isFinite(value)) {
    throw new InvalidParameterError(
      `Invalid --metric '${text}': expected METRIC OP NUMBER with OP one of >= > <= < == !=, e.g. "accuracy>=0.9"`,
    );
  }
  const op = (match[2] === '=' ? '==' : match[2]) as ComparisonOp;
  return { metric: match[1] ?? '', op, value };
}

/** A count such as `--approvals 2`: an integer from 0 to 100. */
export function parseCount(text: string, flag: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 100) {
    throw new InvalidParameterError(`Invalid ${flag} '${text}': expected an integer from 0 to 100`);
  }
  return n;
}

export interface PolicySetOptions {
  target?: string;
  requireCleanScan?: boolean;
  metric: string[];
  beatCurrent?: string;
  lowerIsBetter?: boolean;
  approvals?: string;
  approver: string[];
}

/** The policy a `models policy set` command line describes. Absent flags mean "no such condition". */
export function policyFromOptions(options: PolicySetOptions): PolicyInput {
  if (options.lowerIsBetter === true && options.beatCurrent === undefined) {
    throw new InvalidParameterError('--lower-is-better needs --beat-current <metric>');
  }
  const approvers = options.approver.map((a) => nonEmpty(a.trim(), '--approver'));
  const requiredApprovals =
    options.approvals !== undefined
      ? parseCount(options.approvals, '--approvals')
      : approvers.length > 0
        ? 1
        : 0;
  return {
    target: parseTarget({ target: options.target }),
    requireCleanScan: options.requireCleanScan === true,
    metricConditions: options.metric.map(parseMetricCondition),
    beatCurrent:
      options.beatCurrent === undefined
        ? null
        : {
            metric: nonEmpty(options.beatCurrent, '--beat-current'),
            greaterIsBetter: options.lowerIsBetter !== true,
          },
    requiredApprovals,
    approvers,
  };
}

/** MLflow filter text for one model's versions, ANDed with the user's filter when given. */
export function versionFilter(name: string, extra: string | undefined): string {
  const quoted = name.includes("'") ? `"${name.replace(/"/g, '\\"')}"` : `'${name}'`;
  const own = `name = ${quoted}`;
  return extra === undefined || extra.trim() === '' ? own : `${own} AND ${extra}`;
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
