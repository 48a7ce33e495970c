import { parseLifecycle, type Lifecycle } from '../experiments/experiment-query';
import { nameColumnId, orderByClause, parseColumnId, type DataColumn } from './run-columns';

/**
 * The runs table's state, all of it in the URL (`#/experiments/1?filter=...&sort=-metrics.acc&cols=...`):
 * the filter (MLflow's grammar, sent as is), the sort (a column id, `-` first for descending), the chosen
 * columns (`cols`, column ids joined by newlines; absent = the defaults), the lifecycle, the grouping
 * (`group=params.model`: a param or tag column) and whether nested runs are drawn flat (`flat=1`).
 */
export interface RunsQuery {
  filter: string;
  sort: { columnId: string; descending: boolean } | undefined;
  columns: DataColumn[] | undefined;
  lifecycle: Lifecycle;
  /** The param or tag whose values group the rows (with aggregate metrics), or undefined. */
  group: DataColumn | undefined;
  /** True: child runs are drawn under their parent (the default); false with `flat=1`. */
  nested: boolean;
}

/** The URL key of each part of the state. */
export const runsQueryKeys = {
  filter: 'filter',
  sort: 'sort',
  columns: 'cols',
  lifecycle: 'lifecycle',
  group: 'group',
  flat: 'flat',
  experiments: 'experiments',
} as const;

/** A group column from the URL: a param or a tag (metrics are what groups aggregate, not what they split by). */
function parseGroup(value: string | null): DataColumn | undefined {
  const column = value === null ? undefined : parseColumnId(value);
  return column === undefined || column.kind === 'metrics' ? undefined : column;
}

/**
 * The experiment ids of the several-experiments table (`#/runs?experiments=1,2`): distinct, in the URL's
 * order, blanks dropped.
 */
export function parseExperimentIds(query: URLSearchParams): string[] {
  const ids = (query.get(runsQueryKeys.experiments) ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  return [...new Set(ids)];
}

export function parseRunsQuery(query: URLSearchParams): RunsQuery {
  const sortValue = query.get(runsQueryKeys.sort) ?? '';
  const descending = sortValue.startsWith('-');
  const sortId = descending ? sortValue.slice(1) : sortValue;
  const colsValue = query.get(runsQueryKeys.columns);
  return {
    filter: query.get(runsQueryKeys.filter) ?? '',
    sort:
      sortId !== '' && orderByClause(sortId, descending) !== undefined
        ? { columnId: sortId, descending }
        : undefined,
    columns:
      colsValue === null
        ? undefined
        : colsValue
            .split('\n')
            .map(parseColumnId)
            .filter((c): c is DataColumn => c !== undefined),
    lifecycle: parseLifecycle(query.get(runsQueryKeys.lifecycle)),
    group: parseGroup(query.get(runsQueryKeys.group)),
    nested: query.get(runsQueryKeys.flat) !== '1',
  };
}

/** The URL value of a sort. */
export function sortParam(columnId: string, descending: boolean): string {
  return `${descending ? '-' : ''}${columnId}`;
}

/** The order-by list sent to the search API (the server adds start_time DESC and run id as tie-breakers). */
export function orderByOf(query: RunsQuery): string[] {
  if (query.sort === undefined) return [];
  const clause = orderByClause(query.sort.columnId, query.sort.descending);
  return clause === undefined ? [] : [clause];
}

export { nameColumnId };
