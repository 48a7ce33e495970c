/**
 * What the run page needs beyond the run itself: editing its tags, its child runs, and the registered versions
 * made from it. MLflow's documented REST routes only.
 */
import type { ModelVersion } from '../../../src/client/registry-types';
import { modelVersionFromWire } from '../../../src/client/registry-wire';
import { readArray } from '../../../src/client/wire';
import { callApi } from './http';
import { searchRuns, type Run } from './tracking';

export type { ModelVersion } from '../../../src/client/registry-types';

/** Sets (adds or overwrites) one tag of a run. */
export async function setRunTag(runId: string, key: string, value: string): Promise<void> {
  await callApi('POST', '/api/2.0/mlflow/runs/set-tag', { run_id: runId, key, value });
}

export async function deleteRunTag(runId: string, key: string): Promise<void> {
  await callApi('POST', '/api/2.0/mlflow/runs/delete-tag', { run_id: runId, key });
}

/** The tag MLflow's client sets on a nested run: the id of its parent. */
export const parentRunTag = 'mlflow.parentRunId';

/** The first `max` runs whose parent is `runId` (in its experiment), by start time. */
export async function childRuns(
  experimentId: string,
  runId: string,
  max: number,
  signal?: AbortSignal,
): Promise<Run[]> {
  const page = await searchRuns(
    {
      experimentIds: [experimentId],
      filter: `tags.\`${parentRunTag}\` = '${runId}'`,
      orderBy: ['attributes.start_time ASC'],
      viewType: 'ACTIVE_ONLY',
      maxResults: max,
    },
    signal,
  );
  return page.items;
}

/** The registered model versions whose source run is `runId`. */
export async function versionsOfRun(runId: string, signal?: AbortSignal): Promise<ModelVersion[]> {
  const q = new URLSearchParams({ filter: `run_id = '${runId}'`, max_results: '100' });
  const answer = await callApi('GET', `/api/2.0/mlflow/model-versions/search?${q}`, undefined, signal);
  return readArray(answer.model_versions ?? [], 'model_versions').map((v, i) =>
    modelVersionFromWire(v, `model_versions[${i}]`),
  );
}

/** The run ids of a page's `runs` query (`a,b,c`), without blanks or repeats. */
export function runIdsOf(query: URLSearchParams): string[] {
  return [
    ...new Set(
      (query.get('runs') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
}
