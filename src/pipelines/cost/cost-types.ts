/**
 * What a step run used and cost, summed over its attempts (retries included). A field is absent when it was
 * not measured (an attempt killed with SIGKILL reports no CPU time) or not priced (no resource class: the cost is
 * unknown, never 0).
 */
export interface StepUsage {
  wallMs?: number;
  /** User + system CPU time of the step's process tree. */
  cpuMs?: number;
  /** The largest max RSS of one process of the tree, the highest over attempts. */
  peakRssBytes?: number;
  resourceClass?: string;
  costUsd?: number;
  /** For a cache hit: the cost of the step run whose result it reused. */
  savedUsd?: number;
}

/** Cost and savings of a set of step runs (a pipeline run, a pipeline over a time range, a model version). */
export interface CostRollUp {
  /** Sum of the priced attempts; undefined when none was priced. */
  costUsd: number | undefined;
  savedUsd: number | undefined;
  wallMs: number;
  cpuMs: number;
  peakRssBytes: number | undefined;
  /** Step runs counted, those that ran with no class (cost unknown), and cache hits. */
  steps: number;
  unpricedSteps: number;
  cachedSteps: number;
}
