/**
 * What pipeline steps use and cost (issue 12, point 9): each attempt's wall time, CPU time and peak memory,
 * priced by its resource class; cache hits as savings; roll-ups per pipeline run, pipeline and model version.
 *
 * @example
 * const cost = await pipelines.costs.ofPipeline('train', { from: Date.parse('2026-12-01') });
 */
export { PipelineCosts, type ModelVersionCost, type PipelineCost, type RunCost } from './cost-service.js';
export type { CostRollUp, StepUsage } from './cost-types.js';
export type { AttemptPrice, AttemptUsage } from './attempt-cost.js';
export {
  modelVersionCostToWire,
  pipelineCostToWire,
  rollUpSteps,
  rollUpToWire,
  runCostToWire,
  stepUsageToWire,
} from './cost-wire.js';
