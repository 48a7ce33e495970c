import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import { trackingQueries } from '../../tracking/index.js';
import { modelVersionStore, type ModelVersionRow } from '../model-version-store.js';
import { registeredModelStore } from '../registered-model-store.js';
import type { PromotionTarget } from '../registry-context.js';
import { findingEffect, type ScanFinding } from '../scanning/index.js';
import { approvalStore, type ApprovalRow } from './approval-store.js';
import { scanStore } from './scan-store.js';
import { targetHolderStore } from './target-holder-store.js';
import type { ComparisonOp, PromotionPolicy, ScanRecord } from './types.js';

type Db = Kysely<Database>;

/** The version under evaluation and the target it would receive. */
export interface EvaluationSubject {
  registeredModelId: number;
  version: ModelVersionRow;
  target: PromotionTarget;
  targetText: string;
}

function compare(actual: number, op: ComparisonOp, bar: number): boolean {
  switch (op) {
    case '>=':
      return actual >= bar;
    case '>':
      return actual > bar;
    case '<=':
      return actual <= bar;
    case '<':
      return actual < bar;
    case '==':
      return actual === bar;
    case '!=':
      return actual !== bar;
  }
}

/** `os.system`, `keras-lambda in model.keras`... the findings with that effect, named once each. */
function offenders(findings: readonly ScanFinding[], effect: 'unsafe' | 'suspicious'): string {
  const names = [
    ...new Set(
      findings
        .filter((f) => findingEffect(f) === effect)
        .map((f) =>
          f.module !== undefined && f.name !== undefined ? `${f.module}.${f.name}` : `${f.kind} in ${f.file}`,
        ),
    ),
  ];
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

export function scanCondition(scan: ScanRecord | undefined): string | undefined {
  if (!scan) return 'the version has not been scanned';
  switch (scan.status) {
    case 'clean':
      return undefined;
    case 'suspicious':
      return `scan is suspicious (not on the scanner's allow list: ${offenders(scan.findings, 'suspicious') || 'unknown content'})`;
    case 'unsafe':
      return `scan is unsafe (${offenders(scan.findings, 'unsafe') || 'dangerous content'})`;
    case 'failed':
      return `scan failed (${scan.error ?? 'unknown error'})`;
  }
}

/** Latest metric values of a run (tracking's named query); NaN stays NaN (and then satisfies no condition). */
async function runMetrics(
  db: Db,
  runId: string | null,
  keys: readonly string[],
): Promise<Map<string, number>> {
  if (runId === null) return new Map();
  return trackingQueries.latestMetricValues(db, runId, keys);
}

/** The version holding the target now, other than the candidate: the alias's version, or the highest in the stage. */
async function currentHolder(db: Db, subject: EvaluationSubject): Promise<ModelVersionRow | undefined> {
  const id = subject.registeredModelId;
  const candidate = subject.version.version;
  const holder =
    subject.target.kind === 'alias'
      ? await registeredModelStore.findAlias(db, id, subject.target.alias)
      : await targetHolderStore.highestInStage(db, id, subject.target.stage, candidate);
  if (holder === undefined || holder === candidate) return undefined;
  return modelVersionStore.find(db, { registeredModelId: id, version: holder });
}

/** Counts distinct allowed deciders by their latest decision; the requester's own decisions never count. */
function tallyApprovals(
  rows: readonly ApprovalRow[],
  approvers: readonly string[],
): { approvedBy: string[]; rejectedBy: string[] } {
  const latest = new Map<string, ApprovalRow>();
  for (const row of rows) {
    if (row.status === 'requested' || row.decided_by === null) continue;
    if (row.decided_by === row.requested_by) continue;
    if (approvers.length > 0 && !approvers.includes(row.decided_by)) continue;
    const seen = latest.get(row.decided_by);
    const newer =
      !seen ||
      Number(row.decided_at) > Number(seen.decided_at) ||
      (Number(row.decided_at) === Number(seen.decided_at) && Number(row.id) > Number(seen.id));
    if (newer) latest.set(row.decided_by, row);
  }
  const approvedBy: string[] = [];
  const rejectedBy: string[] = [];
  for (const [user, row] of latest) (row.status === 'approved' ? approvedBy : rejectedBy).push(user);
  return { approvedBy: approvedBy.sort(), rejectedBy: rejectedBy.sort() };
}

/**
 * Every condition of `policy` the subject does not meet, as one sentence each, in policy order: scan, metric
 * conditions, beating the current holder, approvals. Empty: allowed. Reads through `db` (the change's
 * transaction when called from the gate).
 */
export async function unmetConditions(
  db: Db,
  policy: PromotionPolicy,
  subject: EvaluationSubject,
): Promise<string[]> {
  const unmet: string[] = [];
  const key = { registeredModelId: subject.registeredModelId, version: subject.version.version };
  if (policy.requireCleanScan) {
    const problem = scanCondition(await scanStore.find(db, key));
    if (problem) unmet.push(problem);
  }

  const runId = subject.version.run_id;
  const wanted = policy.metricConditions.map((c) => c.metric);
  if (policy.beatCurrent) wanted.push(policy.beatCurrent.metric);
  const metrics = await runMetrics(db, runId, wanted);
  for (const c of policy.metricConditions) {
    const actual = metrics.get(c.metric);
    if (runId === null) unmet.push(`metrics.${c.metric} ${c.op} ${c.value}: the version has no source run`);
    else if (actual === undefined) {
      unmet.push(`metrics.${c.metric} ${c.op} ${c.value}: run ${runId} has no metric '${c.metric}'`);
    } else if (!compare(actual, c.op, c.value)) {
      unmet.push(`metrics.${c.metric} = ${actual} does not satisfy ${c.op} ${c.value}`);
    }
  }

  if (policy.beatCurrent) {
    const { metric, greaterIsBetter } = policy.beatCurrent;
    const holder = await currentHolder(db, subject);
    if (holder) {
      const theirs = (await runMetrics(db, holder.run_id, [metric])).get(metric);
      const ours = metrics.get(metric);
      const against = `version ${holder.version} (current holder of ${subject.targetText})`;
      if (theirs !== undefined && !Number.isNaN(theirs)) {
        if (ours === undefined) {
          unmet.push(
            `metrics.${metric} is missing on this version's source run, so it cannot beat ${against}`,
          );
        } else if (!(greaterIsBetter ? ours > theirs : ours < theirs)) {
          unmet.push(
            `metrics.${metric} = ${ours} does not beat ${against} with ${theirs} (${greaterIsBetter ? 'greater' : 'lower'} is better)`,
          );
        }
      }
    }
  }

  if (policy.requiredApprovals > 0) {
    const rows = await approvalStore.listForVersion(db, key, policy.target);
    const { approvedBy, rejectedBy } = tallyApprovals(rows, policy.approvers);
    if (rejectedBy.length > 0) unmet.push(`rejected by ${rejectedBy.join(', ')}`);
    if (approvedBy.length < policy.requiredApprovals) {
      unmet.push(`${approvedBy.length} of ${policy.requiredApprovals} required approvals`);
    }
  }
  return unmet;
}
