import { PostgresAdapter, sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { Database, RunsTable } from '../db/index.js';
import { chunks, decodeMetricValue, toRunInfo } from './row-mappers.js';
import type { Dataset, DatasetInput, Run, Tag } from './types.js';

type Db = Kysely<Database>;

/**
 * How one engine folds the rows of a subquery into one JSON array column: each row becomes a JSON array of
 * `items`, in `order`; no rows give `[]`. PostgreSQL: `json_agg(json_build_array(...) ORDER BY ...)`, which the
 * driver hands back parsed; SQLite: `json_group_array(json_array(...) ORDER BY ...)`, handed back as text. Both
 * write a double so that it reads back as the same double, and a bigint as an integer.
 */
interface RunLoadDialect {
  jsonRows(items: RawBuilder<unknown>[], order: RawBuilder<unknown>[]): RawBuilder<unknown>;
}

const postgres: RunLoadDialect = {
  jsonRows: (items, order) =>
    sql`coalesce(json_agg(json_build_array(${sql.join(items)}) order by ${sql.join(order)}), '[]')`,
};

const sqlite: RunLoadDialect = {
  jsonRows: (items, order) =>
    sql`json_group_array(json_array(${sql.join(items)}) order by ${sql.join(order)})`,
};

function dialectOf(db: Db): RunLoadDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? postgres : sqlite;
}

const ref = (name: string): RawBuilder<unknown> => sql.ref(name);

/**
 * The JSON columns of a loaded run, each a list of rows in the order a run's answer gives them: params, tags
 * and latest metrics by key (the database's collation, as MLflow's server orders them), dataset inputs by
 * dataset name then digest, model inputs in the order first logged, model outputs by model id.
 */
function childColumns(d: RunLoadDialect) {
  const run = ref('r.run_uuid');
  const list = (items: string[], order: string[], from: RawBuilder<unknown>, owner: string) =>
    sql`(select ${d.jsonRows(items.map(ref), order.map(ref))} from ${from} where ${ref(owner)} = ${run})`;
  return [
    list(['p.key', 'p.value'], ['p.key'], sql`params p`, 'p.run_uuid').as('params_json'),
    list(['t.key', 't.value'], ['t.key'], sql`tags t`, 't.run_uuid').as('tags_json'),
    list(
      ['m.key', 'm.value', 'm.is_nan', 'm.timestamp', 'm.step'],
      ['m.key'],
      sql`latest_metrics m`,
      'm.run_uuid',
    ).as('metrics_json'),
    list(
      ['ri.tags', 'ds.name', 'ds.digest', 'ds.source_type', 'ds.source', 'ds.schema', 'ds.profile'],
      ['ds.name', 'ds.digest'],
      sql`run_inputs ri join datasets ds on ds.dataset_uuid = ri.dataset_uuid`,
      'ri.run_uuid',
    ).as('inputs_json'),
    list(['mi.model_id'], ['mi.position', 'mi.model_id'], sql`run_model_inputs mi`, 'mi.run_uuid').as(
      'model_inputs_json',
    ),
    list(['o.model_id', 'o.step'], ['o.model_id'], sql`run_outputs o`, 'o.run_uuid').as('outputs_json'),
  ];
}

/**
 * Loads whole runs (info, params, tags, latest metrics, dataset and model inputs, model outputs) in the order of
 * `runIds`, skipping ids that name no run, with one query per 5,000 ids: each run's lists come back as JSON
 * columns of its row, so a page of a search costs one round trip to the database whatever its size.
 *
 * Example: `const [run] = await loadRuns(db, [runId]);`.
 */
export async function loadRuns(db: Db, runIds: readonly string[]): Promise<Run[]> {
  if (runIds.length === 0) return [];
  const columns = childColumns(dialectOf(db));
  const runs = new Map<string, Run>();
  for (const slice of chunks([...new Set(runIds)])) {
    const rows = await db
      .selectFrom('runs as r')
      .selectAll('r')
      .select(columns)
      .where('r.run_uuid', 'in', slice)
      .execute();
    for (const row of rows) runs.set(row.run_uuid, toRun(row));
  }
  return runIds.flatMap((id) => {
    const run = runs.get(id);
    return run ? [run] : [];
  });
}

/**
 * The columns that make a whole run of a `runs` row aliased `r`, for a query that selects `r.*` next to them
 * (a search page that loads its runs in the same statement: see `RunPageQuery.runColumns`); `toLoadedRun` reads
 * such a row.
 */
export function loadedRunColumns(db: Db) {
  return childColumns(dialectOf(db));
}

/** A row holding a `runs` row and the `loadedRunColumns` as the run it describes. */
export function toLoadedRun(row: Record<string, unknown>): Run {
  // the row comes from a query that selects `r.*` and the loaded columns (see loadedRunColumns)
  return toRun(row as LoadedRow);
}

type LoadedRow = Selectable<RunsTable> & {
  params_json: unknown;
  tags_json: unknown;
  metrics_json: unknown;
  inputs_json: unknown;
  model_inputs_json: unknown;
  outputs_json: unknown;
};

function toRun(row: LoadedRow): Run {
  const keyValues = (column: unknown, what: string): Tag[] =>
    jsonRows(column, what).map((r) => ({ key: text(r[0], what), value: text(r[1], what) }));
  return {
    info: toRunInfo(row),
    data: {
      metrics: jsonRows(row.metrics_json, 'metrics').map((r) => ({
        key: text(r[0], 'metrics'),
        value: decodeMetricValue(num(r[1], 'metrics'), num(r[2], 'metrics')),
        timestamp: num(r[3], 'metrics'),
        step: num(r[4], 'metrics'),
      })),
      params: keyValues(row.params_json, 'params'),
      tags: keyValues(row.tags_json, 'tags'),
    },
    inputs: {
      datasetInputs: jsonRows(row.inputs_json, 'inputs').map(toDatasetInput),
      modelInputs: jsonRows(row.model_inputs_json, 'model inputs').map((r) => ({
        modelId: text(r[0], 'model inputs'),
      })),
    },
    outputs: {
      modelOutputs: jsonRows(row.outputs_json, 'outputs').map((r) => ({
        modelId: text(r[0], 'outputs'),
        step: num(r[1], 'outputs'),
      })),
    },
  };
}

function toDatasetInput(r: unknown[]): DatasetInput {
  const dataset: Dataset = {
    name: text(r[1], 'inputs'),
    digest: text(r[2], 'inputs'),
    sourceType: text(r[3], 'inputs'),
    source: text(r[4], 'inputs'),
  };
  const schema = r[5] ?? null;
  const profile = r[6] ?? null;
  if (schema !== null) dataset.schema = text(schema, 'inputs');
  if (profile !== null) dataset.profile = text(profile, 'inputs');
  return { dataset, tags: JSON.parse(text(r[0], 'inputs')) as Tag[] };
}

/** A JSON list column as its rows (PostgreSQL's driver parses `json`; SQLite hands back text). */
function jsonRows(column: unknown, what: string): unknown[][] {
  const parsed: unknown = typeof column === 'string' ? JSON.parse(column) : column;
  if (!Array.isArray(parsed) || !parsed.every((r) => Array.isArray(r))) {
    throw new Error(`run ${what}: expected a JSON list of rows`);
  }
  return parsed as unknown[][];
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`run ${what}: expected text, got ${typeof value}`);
  return value;
}

/** A number from JSON; PostgreSQL writes a non-finite double as a string ("Infinity", "NaN"). */
function num(value: unknown, what: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  throw new Error(`run ${what}: expected a number, got ${typeof value}`);
}
