/**
 * Several runs by id, for the compare and charts pages: two requests for runs of one experiment instead of one
 * request per run. MLflow's documented REST routes only.
 */
import { getRun, searchRuns, type Run } from './tracking';

/** Runs asked at most by one compare or charts page (the bulk history API's limit is the same). */
export const maxComparedRuns = 100;

/** Run ids that a search filter can quote as they are (every id a server makes: hex, MLflow's and Bosun's). */
const quotable = /^[A-Za-z0-9_-]{1,64}$/;

/** Requests at once for the runs the search did not find (the browser's connections per server). */
const requestsAtOnce = 6;

/**
 * Several runs by id (at most {@link maxComparedRuns}), in the order asked. The first run is read with
 * `runs/get`; the others with one `runs/search` in its experiment (`attributes.run_id IN (…)`, deleted runs
 * too), and those it does not find (another experiment) with `runs/get`, a few at a time. An unknown id fails the
 * whole call with the server's message, as `runs/get` gives it.
 * Example: `const runs = await getRuns(['9f1c…', '4ab2…'], signal)`.
 */
export async function getRuns(runIds: string[], signal?: AbortSignal): Promise<Run[]> {
  const ids = runIds.slice(0, maxComparedRuns);
  const [firstId, ...others] = ids;
  if (firstId === undefined) return [];
  const first = await getRun(firstId, signal);
  const found = new Map<string, Run>([[firstId, first]]);
  const searched = others.filter((id) => quotable.test(id));
  if (searched.length > 0) {
    const page = await searchRuns(
      {
        experimentIds: [first.info.experimentId],
        filter: `attributes.run_id IN (${searched.map((id) => `'${id}'`).join(', ')})`,
        viewType: 'ALL',
        maxResults: searched.length,
      },
      signal,
    );
    for (const run of page.items) found.set(run.info.runId, run);
  }
  const missing = ids.filter((id) => !found.has(id));
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < missing.length) {
      const id = missing[next++] ?? '';
      found.set(id, await getRun(id, signal));
    }
  };
  await Promise.all(Array.from({ length: Math.min(requestsAtOnce, missing.length) }, reader));
  return ids.map((id) => {
    const run = found.get(id);
    if (run === undefined) throw new Error(`run ${id} was read but not kept`);
    return run;
  });
}
