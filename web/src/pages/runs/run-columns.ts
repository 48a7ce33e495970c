import type { Run } from '../../api/tracking';
import { formatNumber } from '../../components/format';

/** Where a chosen column's value comes from: a param, the latest value of a metric, or a tag. */
export type ColumnKind = 'params' | 'metrics' | 'tags';

/** A column of the runs table besides the fixed ones: `metrics.acc`, `params.lr`, `tags.team`. */
export interface DataColumn {
  kind: ColumnKind;
  name: string;
}

/** The fixed columns, sortable by the run attribute of the same name. */
export const attributeColumns = [
  { id: 'attributes.status', attribute: 'status', label: 'Status' },
  { id: 'attributes.start_time', attribute: 'start_time', label: 'Started' },
] as const;

/** The run-name column's id (pinned left, sortable by `attributes.run_name`). */
export const nameColumnId = 'attributes.run_name';

const kinds: readonly ColumnKind[] = ['params', 'metrics', 'tags'];

/** `metrics.acc` for a column (the id in URLs and in MLflow's filter/order-by grammar without quoting). */
export function columnId(column: DataColumn): string {
  return `${column.kind}.${column.name}`;
}

/** The column an id names, or undefined for anything else. */
export function parseColumnId(id: string): DataColumn | undefined {
  const dot = id.indexOf('.');
  if (dot <= 0) return undefined;
  const kind = kinds.find((k) => k === id.slice(0, dot));
  const name = id.slice(dot + 1);
  return kind === undefined || name === '' ? undefined : { kind, name };
}

/** A key quoted for MLflow's grammar: backticks, a backtick inside doubled. */
export function quoteKey(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** The order-by clause (MLflow's grammar) of sorting by a column id, or undefined for an unknown id. */
export function orderByClause(id: string, descending: boolean): string | undefined {
  const direction = descending ? 'DESC' : 'ASC';
  if (id === nameColumnId) return `attributes.run_name ${direction}`;
  const attribute = attributeColumns.find((c) => c.id === id);
  if (attribute !== undefined) return `attributes.${attribute.attribute} ${direction}`;
  const column = parseColumnId(id);
  return column === undefined ? undefined : `${column.kind}.${quoteKey(column.name)} ${direction}`;
}

/** The text a cell shows for a run: a param or tag as is, a metric formatted ('' when the run has no such key). */
export function cellText(run: Run, column: DataColumn): string {
  return cellValue(run, column, formatNumber);
}

/** A cell's raw value: a metric's full-precision number (NaN, Infinity as text), a param or tag ('' if none). */
export function rawValue(run: Run, column: DataColumn): string {
  return cellValue(run, column, String);
}

function cellValue(run: Run, column: DataColumn, metricText: (value: number) => string): string {
  switch (column.kind) {
    case 'params':
      return run.data.params.find((p) => p.key === column.name)?.value ?? '';
    case 'tags':
      return run.data.tags.find((t) => t.key === column.name)?.value ?? '';
    case 'metrics': {
      const metric = run.data.metrics.find((m) => m.key === column.name);
      return metric === undefined ? '' : metricText(metric.value);
    }
  }
}

/** Every param, metric and (non-system) tag key among the runs, metrics first, each kind sorted by name. */
export function availableColumns(runs: readonly Run[]): DataColumn[] {
  const seen: Record<ColumnKind, Set<string>> = { params: new Set(), metrics: new Set(), tags: new Set() };
  for (const run of runs) {
    for (const m of run.data.metrics) seen.metrics.add(m.key);
    for (const p of run.data.params) seen.params.add(p.key);
    for (const t of run.data.tags) if (!t.key.startsWith('mlflow.')) seen.tags.add(t.key);
  }
  const order: ColumnKind[] = ['metrics', 'params', 'tags'];
  return order.flatMap((kind) => [...seen[kind]].sort().map((name) => ({ kind, name })));
}

/** The columns shown when the URL chooses none: the metrics and params of the loaded runs (at most 24). */
export function defaultColumns(available: readonly DataColumn[]): DataColumn[] {
  return available.filter((c) => c.kind !== 'tags').slice(0, 24);
}
