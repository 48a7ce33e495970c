/**
 * Changes to many runs at once, for the runs table's bulk actions. MLflow's API has no bulk call: one request
 * per run, a few at a time; the first refusal stops the rest and is reported with the server's message.
 */
import { callApi } from './http';

const mlflow = '/api/2.0/mlflow';
const parallel = 4;

async function eachRun(runIds: readonly string[], call: (runId: string) => Promise<unknown>): Promise<void> {
  const queue = [...runIds];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) await call(id);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, worker));
}

/** Soft-deletes the runs (restorable). */
export function deleteRuns(runIds: readonly string[]): Promise<void> {
  return eachRun(runIds, (run_id) => callApi('POST', `${mlflow}/runs/delete`, { run_id }));
}

export function restoreRuns(runIds: readonly string[]): Promise<void> {
  return eachRun(runIds, (run_id) => callApi('POST', `${mlflow}/runs/restore`, { run_id }));
}

/** Sets one tag on every run. */
export function tagRuns(runIds: readonly string[], key: string, value: string): Promise<void> {
  return eachRun(runIds, (run_id) => callApi('POST', `${mlflow}/runs/set-tag`, { run_id, key, value }));
}
