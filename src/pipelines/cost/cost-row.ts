import type { Selectable } from 'kysely';
import type { PipelineStepRunsTable } from '../store/pipeline-tables.js';
import type { StepUsage } from './cost-types.js';

const num = (v: number | string | null): number | undefined => (v === null ? undefined : Number(v));

/** The usage columns of a step run row (migration 0028), as `{usage}` when any is set. */
export function usageOfRow(row: Selectable<PipelineStepRunsTable>): { usage?: StepUsage } {
  const usage: StepUsage = {};
  const wallMs = num(row.wall_ms);
  const cpuMs = num(row.cpu_ms);
  const peak = num(row.peak_rss_bytes);
  const cost = num(row.cost_usd);
  const saved = num(row.saved_usd);
  if (wallMs !== undefined) usage.wallMs = wallMs;
  if (cpuMs !== undefined) usage.cpuMs = cpuMs;
  if (peak !== undefined) usage.peakRssBytes = peak;
  if (row.resource_class !== null) usage.resourceClass = row.resource_class;
  if (cost !== undefined) usage.costUsd = cost;
  if (saved !== undefined) usage.savedUsd = saved;
  return Object.keys(usage).length > 0 ? { usage } : {};
}
