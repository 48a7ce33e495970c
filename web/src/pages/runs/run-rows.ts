import type { Run } from '../../api/tracking';
import { rawValue, type DataColumn } from './run-columns';

/** The tag MLflow sets on a nested run: its parent's run id. */
export const parentRunTag = 'mlflow.parentRunId';

/** Min, max and mean of a metric over the runs of a group that logged it (`count` of them). */
export interface Aggregate {
  count: number;
  min: number;
  max: number;
  mean: number;
}

/**
 * One row the grid draws: a run (at depth 1 under its parent when nested), a group's header (grouping by a
 * param or tag), or a parent run that is not among the loaded runs but whose children are.
 */
export type DisplayRow =
  | {
      kind: 'run';
      run: Run;
      depth: 0 | 1;
      /** The loaded children of this run (nested view), and whether they are shown. */
      children: number;
      expanded: boolean;
    }
  | {
      kind: 'group';
      /** The group's value of the group column ('' for runs without it). */
      value: string;
      runIds: string[];
      expanded: boolean;
      /** Aggregates of each metric column, by metric name. */
      aggregates: Map<string, Aggregate>;
    }
  | { kind: 'missing-parent'; parentId: string; experimentId: string; children: number; expanded: boolean };

/** The stable key of a row (React keys, collapsed sets): `run:<id>`, `group:<value>`, `parent:<id>`. */
export function rowKey(row: DisplayRow): string {
  switch (row.kind) {
    case 'run':
      return `run:${row.run.info.runId}`;
    case 'group':
      return `group:${row.value}`;
    case 'missing-parent':
      return `parent:${row.parentId}`;
  }
}

/** The parent run id of a nested run, or undefined for a top-level run. */
export function parentOf(run: Run): string | undefined {
  const value = run.data.tags.find((t) => t.key === parentRunTag)?.value;
  return value === undefined || value === '' || value === run.info.runId ? undefined : value;
}

/** Count, min, max and mean of each metric among `metrics` over `runs` (runs without the metric left out). */
export function aggregateMetrics(runs: readonly Run[], metrics: readonly string[]): Map<string, Aggregate> {
  const result = new Map<string, Aggregate>();
  for (const name of metrics) {
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const run of runs) {
      const value = run.data.metrics.find((m) => m.key === name)?.value;
      if (value === undefined || Number.isNaN(value)) continue;
      count += 1;
      sum += value;
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    if (count > 0) result.set(name, { count, min, max, mean: sum / count });
  }
  return result;
}

/**
 * The rows of the table. Grouped (`group` set): one header per distinct value of the group column, in the
 * order the (server-sorted) runs first show it, each followed by its runs unless collapsed. Otherwise, when
 * `nested`: each run whose parent is loaded goes right under it (shown once the parent is expanded); children
 * of a parent that is not loaded go under a placeholder row for it. `collapsed` / `expanded` hold row keys.
 */
export function displayRows(
  runs: readonly Run[],
  options: {
    group: DataColumn | undefined;
    nested: boolean;
    metricColumns: readonly string[];
    /** Group keys the reader collapsed (groups start expanded). */
    collapsed: ReadonlySet<string>;
    /** Parent keys the reader expanded (parents start collapsed, as in MLflow's UI). */
    expanded: ReadonlySet<string>;
  },
): DisplayRow[] {
  if (options.group !== undefined) {
    const column = options.group;
    const groups = new Map<string, Run[]>();
    for (const run of runs) {
      const value = rawValue(run, column);
      const members = groups.get(value);
      if (members === undefined) groups.set(value, [run]);
      else members.push(run);
    }
    return [...groups].flatMap(([value, members]): DisplayRow[] => {
      const expanded = !options.collapsed.has(`group:${value}`);
      const header: DisplayRow = {
        kind: 'group',
        value,
        runIds: members.map((r) => r.info.runId),
        expanded,
        aggregates: aggregateMetrics(members, options.metricColumns),
      };
      if (!expanded) return [header];
      return [
        header,
        ...members.map((run): DisplayRow => ({ kind: 'run', run, depth: 0, children: 0, expanded: false })),
      ];
    });
  }
  if (!options.nested) {
    return runs.map((run) => ({ kind: 'run', run, depth: 0, children: 0, expanded: false }));
  }
  const loaded = new Set(runs.map((r) => r.info.runId));
  const childrenOf = new Map<string, Run[]>();
  for (const run of runs) {
    const parent = parentOf(run);
    if (parent === undefined) continue;
    const list = childrenOf.get(parent);
    if (list === undefined) childrenOf.set(parent, [run]);
    else list.push(run);
  }
  const rows: DisplayRow[] = [];
  const placed = new Set<string>();
  const childRows = (parentId: string, open: boolean): DisplayRow[] =>
    open
      ? (childrenOf.get(parentId) ?? []).map((run) => ({
          kind: 'run',
          run,
          depth: 1,
          children: 0,
          expanded: false,
        }))
      : [];
  for (const run of runs) {
    const parent = parentOf(run);
    const id = run.info.runId;
    if (parent !== undefined && loaded.has(parent)) continue; // drawn under its parent
    if (parent !== undefined) {
      // Its parent is not loaded: a placeholder row for the parent, once, where its first child would be.
      if (placed.has(parent)) continue;
      placed.add(parent);
      const open = options.expanded.has(`parent:${parent}`);
      rows.push({
        kind: 'missing-parent',
        parentId: parent,
        experimentId: run.info.experimentId,
        children: childrenOf.get(parent)?.length ?? 0,
        expanded: open,
      });
      rows.push(...childRows(parent, open));
      continue;
    }
    const children = childrenOf.get(id)?.length ?? 0;
    const open = children > 0 && options.expanded.has(`run:${id}`);
    rows.push({ kind: 'run', run, depth: 0, children, expanded: open });
    rows.push(...childRows(id, open));
  }
  return rows;
}

/** The runs of the rows in the table's order, children of collapsed parents and groups included (CSV export). */
export function runsInOrder(runs: readonly Run[], rows: readonly DisplayRow[]): Run[] {
  const byId = new Map(runs.map((r) => [r.info.runId, r]));
  const seen = new Set<string>();
  const ordered: Run[] = [];
  const add = (run: Run | undefined): void => {
    if (run === undefined || seen.has(run.info.runId)) return;
    seen.add(run.info.runId);
    ordered.push(run);
  };
  const childrenOf = new Map<string, Run[]>();
  for (const run of runs) {
    const parent = parentOf(run);
    if (parent !== undefined) childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), run]);
  }
  for (const row of rows) {
    if (row.kind === 'run') add(row.run);
    else if (row.kind === 'group') for (const id of row.runIds) add(byId.get(id));
    // Children of a collapsed parent: right after it.
    if (row.kind !== 'group' && !row.expanded) {
      const parentId = row.kind === 'run' ? row.run.info.runId : row.parentId;
      for (const child of childrenOf.get(parentId) ?? []) add(child);
    }
  }
  for (const run of runs) add(run);
  return ordered;
}
