import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';

/** Run ids: sortable so that tie-breaks by run_uuid are predictable (r3 < r4). */
export const R = {
  r1: 'a1000000000000000000000000000001',
  r2: 'b2000000000000000000000000000002',
  r3: 'c3000000000000000000000000000003',
  r4: 'c4000000000000000000000000000004',
  r5: 'e5000000000000000000000000000005',
  r6: 'f6000000000000000000000000000006',
} as const;
export type RunName = keyof typeof R;

/** Maps run ids back to r1..r6 so that assertions read as names. */
export function names(rows: { run_uuid: string }[]): string[] {
  const byId = new Map<string, string>(Object.entries(R).map(([k, v]) => [v, k]));
  return rows.map((r) => byId.get(r.run_uuid) ?? r.run_uuid);
}

interface RunSpec {
  id: string;
  experiment: number;
  name: string;
  user: string;
  status: string;
  start: number;
  end: number | null;
  deleted?: boolean;
  metrics?: Record<string, number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

const runs: RunSpec[] = [
  {
    id: R.r1,
    experiment: 1,
    name: 'alpha',
    user: 'alice',
    status: 'FINISHED',
    start: 1000,
    end: 2000,
    metrics: { acc: 0.9, loss: 0.5 },
    params: { lr: '0.01', model: 'GPT-4' },
    tags: { 'mlflow.user': 'alice', team: 'Vision', 'mlflow.runName': 'alpha' },
  },
  {
    id: R.r2,
    experiment: 1,
    name: 'beta',
    user: 'bob',
    status: 'RUNNING',
    start: 3000,
    end: null,
    metrics: { acc: 0.7, loss: NaN },
    params: { lr: '0.1', model: 'gpt-3' },
    tags: { team: 'vision' },
  },
  {
    id: R.r3,
    experiment: 1,
    name: 'Gamma',
    user: 'alice',
    status: 'FAILED',
    start: 2000,
    end: 2500,
    metrics: { acc: NaN },
    params: { model: 'GPT%x' },
  },
  {
    id: R.r4,
    experiment: 1,
    name: 'delta',
    user: 'carol',
    status: 'FINISHED',
    start: 2000,
    end: 4000,
    params: { glob: 'a*b?[c]' },
  },
  {
    id: R.r5,
    experiment: 1,
    name: 'eps',
    user: 'alice',
    status: 'FINISHED',
    start: 5000,
    end: 6000,
    deleted: true,
    metrics: { acc: 0.99 },
  },
  {
    id: R.r6,
    experiment: 2,
    name: 'zeta',
    user: 'dave',
    status: 'FINISHED',
    start: 4000,
    end: 4100,
    metrics: { acc: 0.8 },
  },
];

/** NaN is stored as value 0 with is_nan = 1 (SQLite has no NaN), so filters must look at is_nan. */
function metricRow(
  run: string,
  experiment: number,
  key: string,
  value: number,
  timestamp: number,
  step: number,
) {
  const isNan = Number.isNaN(value);
  return {
    run_uuid: run,
    experiment_id: experiment,
    key,
    value: isNan ? 0 : value,
    is_nan: isNan ? 1 : 0,
    timestamp,
    step,
  };
}

export async function seedSearchFixtures(db: Kysely<Database>): Promise<void> {
  await db
    .insertInto('experiments')
    .values([
      {
        experiment_id: 1,
        name: 'exp-one',
        artifact_location: 'a/1',
        lifecycle_stage: 'active',
        creation_time: 100,
        last_update_time: 500,
      },
      {
        experiment_id: 2,
        name: 'Exp-Two',
        artifact_location: 'a/2',
        lifecycle_stage: 'active',
        creation_time: 200,
        last_update_time: 300,
      },
      {
        experiment_id: 3,
        name: 'old',
        artifact_location: 'a/3',
        lifecycle_stage: 'deleted',
        creation_time: 300,
        last_update_time: 300,
      },
    ])
    .execute();
  await db
    .updateTable('experiments')
    .set({ creation_time: 1_000_000, last_update_time: 1_000_000 })
    .where('experiment_id', '=', 0)
    .execute();
  await db
    .insertInto('experiment_tags')
    .values([
      { experiment_id: 1, key: 'team', value: 'vision' },
      { experiment_id: 3, key: 'team', value: 'vision' },
    ])
    .execute();

  for (const r of runs) {
    await db
      .insertInto('runs')
      .values({
        run_uuid: r.id,
        experiment_id: r.experiment,
        name: r.name,
        user_id: r.user,
        status: r.status,
        start_time: r.start,
        end_time: r.end,
        lifecycle_stage: r.deleted ? 'deleted' : 'active',
        artifact_uri: `mlflow-artifacts:/${r.experiment}/${r.id}/artifacts`,
        deleted_time: r.deleted ? 7000 : null,
      })
      .execute();
    const metrics = Object.entries(r.metrics ?? {}).map(([k, v]) =>
      metricRow(r.id, r.experiment, k, v, 10, 1),
    );
    if (metrics.length) await db.insertInto('latest_metrics').values(metrics).execute();
    const params = Object.entries(r.params ?? {}).map(([key, value]) => ({ run_uuid: r.id, key, value }));
    if (params.length) await db.insertInto('params').values(params).execute();
    const tags = Object.entries(r.tags ?? {}).map(([key, value]) => ({ run_uuid: r.id, key, value }));
    if (tags.length) await db.insertInto('tags').values(tags).execute();
  }

  await db
    .insertInto('datasets')
    .values([
      {
        dataset_uuid: 'ds1',
        experiment_id: 1,
        name: 'train-set',
        digest: 'd1',
        source_type: 'local',
        source: '{}',
        schema: null,
        profile: null,
      },
      {
        dataset_uuid: 'ds2',
        experiment_id: 1,
        name: 'eval-set',
        digest: 'd2',
        source_type: 'local',
        source: '{}',
        schema: null,
        profile: null,
      },
    ])
    .execute();
  await db
    .insertInto('run_inputs')
    .values([
      {
        run_uuid: R.r1,
        dataset_uuid: 'ds1',
        tags: JSON.stringify([{ key: 'mlflow.data.context', value: 'train' }]),
      },
      {
        run_uuid: R.r2,
        dataset_uuid: 'ds2',
        tags: JSON.stringify([{ key: 'mlflow.data.context', value: 'eval' }]),
      },
      { run_uuid: R.r3, dataset_uuid: 'ds1', tags: '[]' },
    ])
    .execute();

  const model = (
    id: string,
    experiment: number,
    name: string,
    creation: number,
    source: string | null,
    status: string,
    deleted = false,
  ) => ({
    model_id: id,
    experiment_id: experiment,
    name,
    artifact_location: `a/${id}`,
    creation_time: creation,
    last_updated_time: creation + 1,
    source_run_id: source,
    status,
    status_message: null,
    model_type: name === 'model-a' ? 'sklearn' : null,
    lifecycle_stage: deleted ? 'deleted' : 'active',
  });
  await db
    .insertInto('logged_models')
    .values([
      model('m-1', 1, 'model-a', 100, R.r1, 'LOGGED_MODEL_READY'),
      model('m-2', 1, 'model-b', 200, R.r2, 'LOGGED_MODEL_PENDING'),
      model('m-3', 1, 'model-c', 300, R.r1, 'LOGGED_MODEL_READY', true),
      model('m-4', 2, 'Model-D', 50, R.r1, 'LOGGED_MODEL_READY'),
    ])
    .execute();
  const lmMetric = (
    model_id: string,
    key: string,
    value: number,
    timestamp: number,
    step: number,
    dataset_name: string | null = null,
  ) => ({
    model_id,
    key,
    value: Number.isNaN(value) ? 0 : value,
    is_nan: Number.isNaN(value) ? 1 : 0,
    timestamp,
    step,
    run_id: null,
    dataset_name,
    dataset_digest: null,
  });
  await db
    .insertInto('logged_model_metrics')
    .values([
      lmMetric('m-1', 'acc', 0.5, 1, 0),
      lmMetric('m-1', 'acc', 0.95, 2, 1),
      lmMetric('m-2', 'acc', 0.8, 5, 0),
      lmMetric('m-2', 'acc', 0.1, 4, 0, 'other-set'),
      lmMetric('m-3', 'acc', 0.99, 1, 0),
    ])
    .execute();
  await db
    .insertInto('logged_model_params')
    .values([
      { model_id: 'm-1', key: 'alpha', value: '0.5' },
      { model_id: 'm-2', key: 'alpha', value: '0.7' },
    ])
    .execute();
  await db
    .insertInto('logged_model_tags')
    .values([{ model_id: 'm-1', key: 'stage', value: 'candidate' }])
    .execute();
}
