import type {
  DatasetLineage,
  DatasetRef,
  LineageDataset,
  ModelVersionLineage,
  ModelVersionRef,
  RunLineage,
} from './registry-types.js';
import type { HttpTransport } from './http.js';
import {
  malformed,
  metricFromWire,
  readArray,
  readInteger,
  readObject,
  readOptionalString,
  readString,
  tagsFromWire,
} from './wire.js';

type Json = Record<string, unknown>;
const api = '/api/bosun/v1/lineage';
const seg = encodeURIComponent;

function nullableString(o: Json, key: string, where: string): string | null {
  return readOptionalString(o, key, where) ?? null;
}

function refsFromWire(value: unknown, where: string): ModelVersionRef[] {
  return readArray(value, where).map((item, i) => {
    const o = readObject(item, `${where}[${i}]`);
    return {
      name: readString(o, 'name', `${where}[${i}]`),
      version: readString(o, 'version', `${where}[${i}]`),
    };
  });
}

function runFromWire(value: unknown): RunLineage {
  const where = 'lineage.run';
  const o = readObject(value, where);
  const code = readObject(o.code ?? {}, `${where}.code`);
  const endTime = o.end_time;
  return {
    runId: readString(o, 'run_id', where),
    experimentId: readString(o, 'experiment_id', where),
    runName: readOptionalString(o, 'run_name', where) ?? '',
    userId: readOptionalString(o, 'user_id', where) ?? '',
    status: readOptionalString(o, 'status', where) ?? '',
    startTime: readInteger(o, 'start_time', where, 0),
    endTime: endTime === null || endTime === undefined ? null : readInteger(o, 'end_time', where),
    params: tagsFromWire(o.params, `${where}.params`),
    metrics: readArray(o.metrics, `${where}.metrics`).map((m, i) =>
      metricFromWire(m, `${where}.metrics[${i}]`),
    ),
    code: {
      gitCommit: nullableString(code, 'git_commit', `${where}.code`),
      gitBranch: nullableString(code, 'git_branch', `${where}.code`),
      repoUrl: nullableString(code, 'repo_url', `${where}.code`),
      sourceName: nullableString(code, 'source_name', `${where}.code`),
      sourceType: nullableString(code, 'source_type', `${where}.code`),
    },
    datasets: readArray(o.datasets, `${where}.datasets`).map((d, i): LineageDataset => {
      const dw = `${where}.datasets[${i}]`;
      const dobj = readObject(d, dw);
      return {
        name: readString(dobj, 'name', dw),
        digest: readString(dobj, 'digest', dw),
        sourceType: readOptionalString(dobj, 'source_type', dw) ?? '',
        source: readOptionalString(dobj, 'source', dw) ?? '',
        context: nullableString(dobj, 'context', dw),
      };
    }),
  };
}

export function lineageFromWire(value: unknown): ModelVersionLineage {
  const o = readObject(value, 'lineage');
  const mv = readObject(o.model_version, 'lineage.model_version');
  const w = 'lineage.model_version';
  const lm = o.logged_model;
  let loggedModel: ModelVersionLineage['loggedModel'] = null;
  if (lm !== null && lm !== undefined) {
    const lo = readObject(lm, 'lineage.logged_model');
    loggedModel = {
      modelId: readString(lo, 'model_id', 'lineage.logged_model'),
      experimentId: readOptionalString(lo, 'experiment_id', 'lineage.logged_model') ?? '',
      name: readOptionalString(lo, 'name', 'lineage.logged_model') ?? '',
      artifactUri: readOptionalString(lo, 'artifact_uri', 'lineage.logged_model') ?? '',
      params: tagsFromWire(lo.params, 'lineage.logged_model.params'),
    };
  }
  if (o.run !== null && o.run !== undefined && typeof o.run !== 'object') throw malformed('lineage.run');
  return {
    modelVersion: {
      name: readString(mv, 'name', w),
      version: readString(mv, 'version', w),
      source: readOptionalString(mv, 'source', w) ?? '',
      storageLocation: readOptionalString(mv, 'storage_location', w) ?? '',
      currentStage: readOptionalString(mv, 'current_stage', w) ?? 'None',
      runId: nullableString(mv, 'run_id', w),
      modelId: nullableString(mv, 'model_id', w),
    },
    run: o.run === null || o.run === undefined ? null : runFromWire(o.run),
    loggedModel,
  };
}

/**
 * Lineage (Bosun's native API): where a model version came from, and what came from a run or a dataset.
 * Reached as `client.lineage`.
 *
 * Example: `const l = await client.lineage.modelVersion('churn', '3'); l.run?.code.gitCommit;`
 */
export class LineageClient {
  constructor(private readonly http: HttpTransport) {}

  async modelVersion(name: string, version: string): Promise<ModelVersionLineage> {
    const answer = await this.http.get(`${api}/models/${seg(name)}/versions/${seg(version)}`);
    return lineageFromWire(answer.lineage);
  }

  async run(runId: string): Promise<ModelVersionRef[]> {
    const answer = await this.http.get(`${api}/runs/${seg(runId)}`);
    return refsFromWire(answer.model_versions, 'model_versions');
  }

  async dataset(ref: DatasetRef): Promise<DatasetLineage> {
    const answer = await this.http.get(`${api}/datasets`, { name: ref.name, digest: ref.digest });
    return {
      runs: readArray(answer.runs, 'runs').map((r, i) => {
        const o = readObject(r, `runs[${i}]`);
        return {
          runId: readString(o, 'run_id', `runs[${i}]`),
          experimentId: readString(o, 'experiment_id', `runs[${i}]`),
        };
      }),
      modelVersions: refsFromWire(answer.model_versions, 'model_versions'),
    };
  }
}
