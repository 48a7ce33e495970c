import type { DatabaseHandle } from '../../db/index.js';
import { InvalidParameterError, NotFoundError } from '../../shared/index.js';
import type { TrackingService } from '../../tracking/index.js';
import type { PipelineStore } from '../store/pipeline-store.js';
import type { PipelineRun, StepRun } from '../store/pipeline-store-types.js';
import { CostStore } from './cost-store.js';
import type { CostRollUp } from './cost-types.js';

/** A pipeline run's cost: the total and each step run (attempts summed, retries included). */
export interface RunCost {
  run: PipelineRun;
  total: CostRollUp;
  steps: StepRun[];
}

/** A pipeline's cost over the runs created in `[from, to)`. */
export interface PipelineCost {
  pipeline: string;
  from: number | undefined;
  to: number | undefined;
  runs: number;
  total: CostRollUp;
}

/** A registered model version's cost: the pipeline run that produced its source run. */
export interface ModelVersionCost {
  sourceRunId: string;
  cost: RunCost;
}

/**
 * Cost roll-ups of pipelines (issue 12, point 9): per pipeline run (every attempt of every step, retries
 * included, and what cache hits saved), per pipeline over a time range, and per registered model version built
 * by a pipeline (its source run is a step's run, tagged `bosun.pipeline.run_id`, or the pipeline run itself).
 *
 * @example
 * const cost = await pipelines.costs.ofRun(runId);
 * console.log(cost.total.costUsd ?? 'unknown', cost.total.savedUsd);
 */
export class PipelineCosts {
  readonly store: CostStore;

  constructor(
    handle: Pick<DatabaseHandle, 'db'>,
    private readonly pipelines: PipelineStore,
    private readonly tracking: TrackingService,
  ) {
    this.store = new CostStore(handle);
  }

  /** 404 for an unknown run. */
  async ofRun(runId: string): Promise<RunCost> {
    const run = await this.pipelines.getRun(runId);
    const [total, steps] = await Promise.all([
      this.store.rollUp({ runIds: [runId] }),
      this.pipelines.listSteps(runId),
    ]);
    const { runs: _runs, ...rollUp } = total;
    return { run, total: rollUp, steps };
  }

  /** 404 for a pipeline never defined; 400 for a range that ends before it starts. */
  async ofPipeline(name: string, range: { from?: number; to?: number } = {}): Promise<PipelineCost> {
    await this.pipelines.getDefinition(name);
    if (range.from !== undefined && range.to !== undefined && range.to < range.from) {
      throw new InvalidParameterError(`The time range ends (${range.to}) before it starts (${range.from})`);
    }
    const { runs, ...total } = await this.store.rollUp({ pipeline: name, ...range });
    return { pipeline: name, from: range.from, to: range.to, runs, total };
  }

  /**
   * The cost of the pipeline run behind an MLflow run (a model version's source run): 404 when the run was not
   * made by a pipeline.
   */
  async ofSourceRun(sourceRunId: string): Promise<ModelVersionCost> {
    const source = await this.tracking.getRun(sourceRunId);
    const tagged = source.data.tags.find((t) => t.key === 'bosun.pipeline.run_id')?.value;
    const runId = tagged ?? sourceRunId;
    try {
      return { sourceRunId, cost: await this.ofRun(runId) };
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      throw new NotFoundError(`Run '${sourceRunId}' was not made by a pipeline: it has no pipeline cost`);
    }
  }
}
