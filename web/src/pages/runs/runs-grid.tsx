import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { Run } from '../../api/tracking';
import { formatNumber } from '../../components/format';
import { TimeText } from '../../components/time-text';
import { hrefs } from '../../router/routes';
import { attributeColumns, cellText, columnId, nameColumnId, type DataColumn } from './run-columns';
import { rowKey, type Aggregate, type DisplayRow } from './run-rows';

const rowHeight = 34;
const nameWidth = 260;
const attributeWidth = 150;
const dataWidth = 140;

/** One scrollable column after the pinned name column. */
type GridColumn =
  | { kind: 'attribute'; id: (typeof attributeColumns)[number]['id']; label: string }
  | { kind: 'experiment'; id: 'experiment'; label: string }
  | { kind: 'data'; id: string; column: DataColumn };

export interface RunsGridProps {
  /** Every loaded run (the header's "select every loaded run"). */
  runs: readonly Run[];
  /** What is drawn: runs, group headers, parents (see run-rows.ts). */
  rows: readonly DisplayRow[];
  /** Expands or collapses a group or a parent (by its row key). */
  onToggle: (key: string) => void;
  /** Set when the table shows several experiments: their names by id, for the Experiment column. */
  experimentNames?: ReadonlyMap<string, string> | undefined;
  columns: readonly DataColumn[];
  hasMore: boolean;
  loadingMore: boolean;
  onNeedMore: () => void;
  sort: { columnId: string; descending: boolean } | undefined;
  onSort: (columnId: string, descending: boolean) => void;
  /** The ids of the selected runs (for the bulk actions). */
  selected: ReadonlySet<string>;
  onSelect: (runIds: readonly string[], on: boolean) => void;
}

/**
 * The runs as a grid virtualised both ways (@tanstack/react-virtual): only the rows and columns in view are in
 * the DOM, so 100,000 loaded runs × hundreds of columns scroll like 30. The run name stays pinned on the left;
 * the header row stays on top. Clicking a header sorts on the server (the parent sends order_by).
 */
export function RunsGrid(props: RunsGridProps): ReactNode {
  const { runs, rows: displayRows, hasMore, loadingMore, onNeedMore } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const gridColumns: GridColumn[] = [
    ...(props.experimentNames === undefined
      ? []
      : [{ kind: 'experiment', id: 'experiment', label: 'Experiment' } as const]),
    ...attributeColumns.map((c): GridColumn => ({ kind: 'attribute', id: c.id, label: c.label })),
    ...props.columns.map((column): GridColumn => ({ kind: 'data', id: columnId(column), column })),
  ];
  const rows = useVirtualizer({
    count: displayRows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });
  const columns = useVirtualizer({
    horizontal: true,
    count: gridColumns.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => (gridColumns[i]?.kind === 'data' ? dataWidth : attributeWidth),
    overscan: 3,
  });
  const virtualRows = rows.getVirtualItems();
  const virtualColumns = columns.getVirtualItems();
  const lastIndex = virtualRows.at(-1)?.index ?? -1;

  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= displayRows.length - 40) onNeedMore();
  }, [hasMore, loadingMore, lastIndex, displayRows.length, onNeedMore]);

  // Keyboard: ↑/↓, Page Up/Down, Home/End move between rows (scrolling the grid); Enter opens the run (or
  // expands/collapses a group or parent), Space selects the run (or the group's runs).
  // The row to focus once it is drawn (it may first have to scroll into the rendered range); then cleared, so
  // that later renders never take the focus back from elsewhere.
  const pendingFocus = useRef<number>(undefined);
  const [focusRequest, setFocusRequest] = useState(0);
  useEffect(() => {
    if (pendingFocus.current === undefined) return;
    const link = scroller.current?.querySelector<HTMLElement>(
      `[data-row="${pendingFocus.current}"] .row-focus`,
    );
    if (link === null || link === undefined) return;
    link.focus({ preventScroll: true });
    pendingFocus.current = undefined;
  });
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (displayRows.length === 0) return;
    const from = Number((event.target as HTMLElement).closest('[data-row]')?.getAttribute('data-row') ?? -1);
    if (event.key === ' ' && (event.target as HTMLElement).classList.contains('row-focus')) {
      const row = displayRows[from];
      if (row === undefined || row.kind === 'missing-parent') return;
      event.preventDefault();
      const ids = row.kind === 'run' ? [row.run.info.runId] : row.runIds;
      props.onSelect(ids, !ids.every((id) => props.selected.has(id)));
      return;
    }
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? rowHeight * 10) / rowHeight) - 2);
    const target = keyTarget(event.key, from, page, displayRows.length);
    if (target === undefined) return;
    event.preventDefault();
    rows.scrollToIndex(target, { align: 'auto' });
    pendingFocus.current = target;
    setFocusRequest(focusRequest + 1);
  };

  const totalWidth = nameWidth + columns.getTotalSize();
  return (
    <div
      ref={scroller}
      className="grid-scroller"
      role="grid"
      aria-label="Runs"
      aria-rowcount={displayRows.length + 1}
      aria-colcount={gridColumns.length + 1}
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      <div className="grid-canvas" style={{ width: totalWidth, height: rows.getTotalSize() + rowHeight }}>
        <div
          className="grid-row grid-head"
          role="row"
          aria-rowindex={1}
          style={{ width: totalWidth, height: rowHeight }}
        >
          <HeaderCell
            select={{
              checked: runs.length > 0 && runs.every((r) => props.selected.has(r.info.runId)),
              onChange: (on) =>
                props.onSelect(
                  runs.map((r) => r.info.runId),
                  on,
                ),
            }}
            id={nameColumnId}
            label="Run name"
            colIndex={1}
            left={0}
            width={nameWidth}
            pinned
            sort={props.sort}
            onSort={props.onSort}
          />
          {virtualColumns.map((vc) => {
            const column = gridColumns[vc.index];
            if (column === undefined) return null;
            return (
              <HeaderCell
                key={column.id}
                id={column.id}
                label={column.kind === 'data' ? column.column.name : column.label}
                kindLabel={column.kind === 'data' ? column.column.kind : undefined}
                sortable={column.kind !== 'experiment'}
                colIndex={vc.index + 2}
                left={nameWidth + vc.start}
                width={vc.size}
                sort={props.sort}
                onSort={props.onSort}
              />
            );
          })}
        </div>
        {virtualRows.map((vr) => {
          const row = displayRows[vr.index];
          if (row === undefined) return null;
          return (
            <BodyRow
              key={rowKey(row)}
              row={row}
              index={vr.index}
              top={vr.start + rowHeight}
              width={totalWidth}
              gridColumns={gridColumns}
              virtualColumns={virtualColumns}
              experimentNames={props.experimentNames}
              selected={props.selected}
              onSelect={props.onSelect}
              onToggle={props.onToggle}
            />
          );
        })}
      </div>
    </div>
  );
}

function BodyRow(props: {
  row: DisplayRow;
  index: number;
  top: number;
  width: number;
  gridColumns: readonly GridColumn[];
  virtualColumns: readonly { index: number; start: number; size: number }[];
  experimentNames: ReadonlyMap<string, string> | undefined;
  selected: ReadonlySet<string>;
  onSelect: RunsGridProps['onSelect'];
  onToggle: RunsGridProps['onToggle'];
}): ReactNode {
  const { row } = props;
  const deleted = row.kind === 'run' && row.run.info.lifecycleStage === 'deleted';
  const className = ['grid-row', deleted ? 'deleted' : '', row.kind === 'run' ? '' : 'grid-group-row']
    .filter((c) => c !== '')
    .join(' ');
  return (
    <div
      className={className}
      role="row"
      data-row={props.index}
      aria-rowindex={props.index + 2}
      style={{ width: props.width, height: rowHeight, transform: `translateY(${props.top}px)` }}
    >
      <div className="grid-cell pinned" role="rowheader" aria-colindex={1} style={{ width: nameWidth }}>
        <NameCell row={row} selected={props.selected} onSelect={props.onSelect} onToggle={props.onToggle} />
      </div>
      {props.virtualColumns.map((vc) => {
        const column = props.gridColumns[vc.index];
        if (column === undefined) return null;
        const numeric = column.kind === 'data' && column.column.kind === 'metrics';
        return (
          <div
            key={column.id}
            className={numeric ? 'grid-cell num' : 'grid-cell'}
            role="gridcell"
            aria-colindex={vc.index + 2}
            style={{ width: vc.size, transform: `translateX(${nameWidth + vc.start}px)` }}
          >
            {row.kind === 'run'
              ? cellContent(row.run, column, props.experimentNames)
              : row.kind === 'group' && column.kind === 'data' && column.column.kind === 'metrics'
                ? aggregateContent(row.aggregates.get(column.column.name))
                : null}
          </div>
        );
      })}
    </div>
  );
}

/** The pinned cell: a run's box, toggle (parents) and link; a group's or missing parent's toggle and label. */
function NameCell({
  row,
  selected,
  onSelect,
  onToggle,
}: {
  row: DisplayRow;
  selected: ReadonlySet<string>;
  onSelect: RunsGridProps['onSelect'];
  onToggle: RunsGridProps['onToggle'];
}): ReactNode {
  const key = rowKey(row);
  switch (row.kind) {
    case 'run': {
      const run = row.run;
      const name = run.info.runName === '' ? run.info.runId : run.info.runName;
      return (
        <>
          {row.depth === 1 && <span className="nest-indent" aria-hidden="true" />}
          <input
            type="checkbox"
            className="row-select"
            aria-label={`Select ${name}`}
            checked={selected.has(run.info.runId)}
            onChange={(e) => onSelect([run.info.runId], e.target.checked)}
          />
          {row.children > 0 && (
            <button
              type="button"
              className="row-toggle"
              aria-expanded={row.expanded}
              aria-label={`${row.expanded ? 'Hide' : 'Show'} ${childRuns(row.children)} of ${name}`}
              data-count={row.children}
              onClick={() => onToggle(key)}
            />
          )}
          <a className="row-focus" href={hrefs.run(run.info.experimentId, run.info.runId)}>
            {name}
          </a>
        </>
      );
    }
    case 'group': {
      const label = row.value === '' ? '(no value)' : row.value;
      const count = `${row.runIds.length} run${row.runIds.length === 1 ? '' : 's'}`;
      return (
        <>
          <input
            type="checkbox"
            className="row-select"
            aria-label={`Select the ${count} of group ${label}`}
            checked={row.runIds.every((id) => selected.has(id))}
            onChange={(e) => onSelect(row.runIds, e.target.checked)}
          />
          <button
            type="button"
            className="row-focus group-toggle"
            aria-expanded={row.expanded}
            aria-label={`${label} (${count})`}
            onClick={() => onToggle(key)}
          >
            <span className="group-value">{label}</span> <span className="group-count">({count})</span>
          </button>
        </>
      );
    }
    case 'missing-parent':
      return (
        <>
          <button
            type="button"
            className="row-toggle"
            aria-expanded={row.expanded}
            aria-label={`${row.expanded ? 'Hide' : 'Show'} ${childRuns(row.children)} of parent run ${row.parentId}`}
            data-count={row.children}
            onClick={() => onToggle(key)}
          />
          <a className="row-focus missing-parent" href={hrefs.run(row.experimentId, row.parentId)}>
            Parent run {row.parentId.slice(0, 8)}… (not loaded)
          </a>
        </>
      );
  }
}

const childRuns = (n: number): string => `${n} child run${n === 1 ? '' : 's'}`;

/** A group's aggregate of a metric column: the mean, then min and max ("–" when no run of the group has it). */
function aggregateContent(aggregate: Aggregate | undefined): ReactNode {
  if (aggregate === undefined) return <span className="aggregate muted">–</span>;
  const text = `mean ${formatNumber(aggregate.mean)} · min ${formatNumber(aggregate.min)} · max ${formatNumber(aggregate.max)}`;
  return (
    <span className="aggregate" title={`${text} (${aggregate.count} runs)`}>
      <span className="aggregate-mean">mean {formatNumber(aggregate.mean)}</span>
      <span className="aggregate-range">
        {formatNumber(aggregate.min)} – {formatNumber(aggregate.max)}
      </span>
    </span>
  );
}

function cellContent(
  run: Run,
  column: GridColumn,
  experimentNames: ReadonlyMap<string, string> | undefined,
): ReactNode {
  if (column.kind === 'data') return cellText(run, column.column);
  if (column.kind === 'experiment') {
    const name = experimentNames?.get(run.info.experimentId) ?? run.info.experimentId;
    return (
      <a href={hrefs.experiment(run.info.experimentId)} tabIndex={-1}>
        {name}
      </a>
    );
  }
  switch (column.id) {
    case 'attributes.status':
      return <span className={`status status-${run.info.status.toLowerCase()}`}>{run.info.status}</span>;
    case 'attributes.start_time':
      return <TimeText ms={run.info.startTime} />;
  }
}

function HeaderCell(props: {
  id: string;
  label: string;
  kindLabel?: string | undefined;
  colIndex: number;
  left: number;
  width: number;
  pinned?: boolean;
  /** False for a column the server cannot sort by (the experiment): a plain label. */
  sortable?: boolean;
  /** The pinned header's "select every loaded run" box. */
  select?: { checked: boolean; onChange: (on: boolean) => void };
  sort: RunsGridProps['sort'];
  onSort: RunsGridProps['onSort'];
}): ReactNode {
  const active = props.sort?.columnId === props.id;
  const descending = active && props.sort?.descending === true;
  const ariaSort = active ? (descending ? 'descending' : 'ascending') : 'none';
  return (
    <div
      className={props.pinned === true ? 'grid-cell grid-header pinned' : 'grid-cell grid-header'}
      role="columnheader"
      aria-colindex={props.colIndex}
      aria-sort={ariaSort}
      style={
        props.pinned === true
          ? { width: props.width }
          : { width: props.width, transform: `translateX(${props.left}px)` }
      }
    >
      {props.select !== undefined && (
        <input
          type="checkbox"
          className="row-select"
          aria-label="Select every loaded run"
          checked={props.select.checked}
          onChange={(e) => props.select?.onChange(e.target.checked)}
        />
      )}
      {props.sortable === false ? (
        <span className="sort-button">
          <span className="column-name">{props.label}</span>
        </span>
      ) : (
        <button
          type="button"
          className="sort-button"
          title={`Sort by ${props.kindLabel === undefined ? '' : `${props.kindLabel}.`}${props.label}`}
          onClick={() => props.onSort(props.id, active ? !descending : true)}
        >
          {/* First, so that it floats right of the (ellipsised) name. */}
          <span aria-hidden="true" className="sort-mark">
            {active ? (descending ? '▼' : '▲') : ''}
          </span>
          {props.kindLabel !== undefined && (
            <>
              <span className="column-kind">{props.kindLabel.replace(/s$/, '')}</span>{' '}
            </>
          )}
          <span className="column-name">{props.label}</span>
        </button>
      )}
    </div>
  );
}

/** The row a navigation key moves to from row `from` (-1: none yet), or undefined for other keys. */
function keyTarget(key: string, from: number, page: number, count: number): number | undefined {
  const clamp = (i: number): number => Math.min(count - 1, Math.max(0, i));
  switch (key) {
    case 'ArrowDown':
      return clamp(from + 1);
    case 'ArrowUp':
      return clamp(from - 1);
    case 'PageDown':
      return clamp(from + page);
    case 'PageUp':
      return clamp(from - page);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return undefined;
  }
}
