/** Lineage of the model registry: where a version came from, and what came from a run or a dataset. */
import type { Metric, Tag } from '../../tracking/index.js';

/** A model version named by model and version number. */
export interface ModelVersionRef {
  name: string;
  version: string;
}

/** The code that produced a run, from MLflow's `mlflow.source.*` run tags (absent tags are null). */
export interface CodeVersion {
  gitCommit: string | null;
  gitBranch: string | null;
  repoUrl: string | null;
  sourceName: string | null;
  sourceType: string | null;
}

/** A dataset a run used, with the context it was used in (`mlflow.data.context`: train, eval...). */
export interface LineageDataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  context: string | null;
}

export interface RunLineage {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: string;
  startTime: number;
  endTime: number | null;
  params: Tag[];
  /** The latest value of each metric. */
  metrics: Metric[];
  code: CodeVersion;
  datasets: LineageDataset[];
}

export interface LoggedModelLineage {
  modelId: string;
  /** The experiment the logged model belongs to (what its readers need permission on). */
  experimentId: string;
  name: string;
  artifactUri: string;
  params: Tag[];
}

/** Everything a model version traces back to. `run` is null for a version with no (or a purged) source run. */
export interface ModelVersionLineage {
  modelVersion: ModelVersionRef & {
    source: string;
    storageLocation: string;
    currentStage: string;
    runId: string | null;
    modelId: string | null;
  };
  run: RunLineage | null;
  loggedModel: LoggedModelLineage | null;
}

export interface DatasetRef {
  name: string;
  /** Absent: every digest of the named dataset. */
  digest?: string;
}

export interface DatasetLineage {
  runs: { runId: string; experimentId: string }[];
  modelVersions: ModelVersionRef[];
}

/**
 * Lineage queries over tracking and the registry, read-only. Each call runs a fixed number of queries.
 *
 * Example: `const l = await lineage.modelVersion('churn', '3'); l.run?.datasets[0]?.digest;`
 *          `(await lineage.run(runId)).map((v) => `${v.name}/${v.version}`);`
 */
export interface LineageService {
  /** Throws NotFoundError for an unknown model or version. */
  modelVersion(name: string, version: string): Promise<ModelVersionLineage>;
  /** Versions whose run is `runId` or whose logged model came from it. NotFoundError for an unknown run. */
  run(runId: string): Promise<ModelVersionRef[]>;
  /** Runs that used the dataset, and the versions that came from those runs. */
  dataset(ref: DatasetRef): Promise<DatasetLineage>;
}
