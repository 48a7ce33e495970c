import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';

/** A small deterministic generator, so a failure names the same data on every run. */
function generator(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/** One generated run, as written to the tables. */
export interface PagingRun {
  id: string;
  experiment: number;
  name: string;
  user: string;
  status: string;
  start: number;
  end: number | null;
  deleted: boolean;
  m: number | undefined;
  p: string | undefined;
  t: string | undefined;
}

const metricValues = [undefined, Number.NaN, -1.5, 0, 0, 0.25, 0.5, 1, 2, 1e300, Infinity, -Infinity, -0.75];
const stringValues = [undefined, 'a', 'b', 'b', 'B', 'Z', 'é', 'a b', ''];

/** Runs in three experiments with ties everywhere, NaN, infinities, missing keys, NULL end times, deleted runs. */
export function makeRuns(count: number, seed: number, prefix: string): PagingRun[] {
  const next = generator(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${Math.floor(next() * 0xffffff)
      .toString(16)
      .padStart(6, '0')}${String(i).padStart(5, '0')}`,
    experiment: 1 + (i % 3),
    name: pick(['alpha', 'beta', 'Gamma', 'beta']),
    user: pick(['ann', 'bob']),
    status: pick(['FINISHED', 'FAILED', 'RUNNING']),
    start: 1000 + Math.floor(next() * 30) * 10,
    end: next() < 0.3 ? null : 5000 + Math.floor(next() * 5),
    deleted: next() < 0.1,
    m: pick(metricValues),
    p: pick(stringValues),
    t: pick(stringValues),
  }));
}

export async function insertRuns(db: Kysely<Database>, runs: PagingRun[]): Promise<void> {
  await db
    .insertInto('runs')
    .values(
      runs.map((r) => ({
        run_uuid: r.id,
        experiment_id: r.experiment,
        name: r.name,
        user_id: r.user,
        status: r.status,
        start_time: r.start,
        end_time: r.end,
        lifecycle_stage: r.deleted ? 'deleted' : 'active',
        artifact_uri: `a/${r.experiment}/${r.id}`,
        deleted_time: r.deleted ? 5 : null,
      })),
    )
    .execute();
  const metrics = runs.flatMap((r) =>
    r.m === undefined
      ? []
      : [
          {
            run_uuid: r.id,
            experiment_id: r.experiment,
            key: 'm',
            value: Number.isNaN(r.m) ? 0 : r.m,
            is_nan: Number.isNaN(r.m) ? 1 : 0,
            timestamp: 1,
            step: 0,
          },
        ],
  );
  if (metrics.length > 0) await db.insertInto('latest_metrics').values(metrics).execute();
  const params = runs.flatMap((r) => (r.p === undefined ? [] : [{ run_uuid: r.id, key: 'p', value: r.p }]));
  if (params.length > 0) await db.insertInto('params').values(params).execute();
  const tags = runs.flatMap((r) => (r.t === undefined ? [] : [{ run_uuid: r.id, key: 't', value: r.t }]));
  if (tags.length > 0) await db.insertInto('tags').values(tags).execute();
}
