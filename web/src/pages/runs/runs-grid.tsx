import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { Run } from '../../api/tracking';
import { TimeText } from '../../components/time-text';
import { hrefs } from '../../router/routes';
import { attributeColumns, cellText, columnId, nameColumnId, type DataColumn } from './run-columns';

const rowHeight = 34;
const nameWidth = 260;
const attributeWidth = 150;
const dataWidth = 140;

/** One scrollable column after the pinned name column. */
type GridColumn =
  | { kind: 'attribute'; id: (typeof attributeColumns)[number]['id']; label: string }
  | { kind: 'data'; id: string; column: DataColumn };

export interface RunsGridProps {
  experimentId: string;
  runs: readonly Run[];
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
  const { runs, hasMore, loadingMore, onNeedMore } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const gridColumns: GridColumn[] = [
    ...attributeColumns.map((c): GridColumn => ({ kind: 'attribute', id: c.id, label: c.label })),
    ...props.columns.map((column): GridColumn => ({ kind: 'data', id: columnId(column), column })),
  ];
  const rows = useVirtualizer({
    count: runs.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });
  const columns = useVirtualizer({
    horizontal: true,
    count: gridColumns.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => (gridColumns[i]?.kind === 'attribute' ? attributeWidth : dataWidth),
    overscan: 3,
  });
  const virtualRows = rows.getVirtualItems();
  const virtualColumns = columns.getVirtualItems();
  const lastIndex = virtualRows.at(-1)?.index ?? -1;

  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= runs.length - 40) onNeedMore();
  }, [hasMore, loadingMore, lastIndex, runs.length, onNeedMore]);

  // Keyboard: ↑/↓, Page Up/Down, Home/End move between runs (scrolling the grid); Enter opens the run.
  // The row to focus once it is drawn (it may first have to scroll into the rendered range); then cleared, so
  // that later renders never take the focus back from elsewhere.
  const pendingFocus = useRef<number>(undefined);
  const [focusRequest, setFocusRequest] = useState(0);
  useEffect(() => {
    if (pendingFocus.current === undefined) return;
    const link = scroller.current?.querySelector<HTMLAnchorElement>(`[data-row="${pendingFocus.current}"] a`);
    if (link === null || link === undefined) return;
    link.focus({ preventScroll: true });
    pendingFocus.current = undefined;
  });
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (runs.length === 0) return;
    const from = Number((event.target as HTMLElement).closest('[data-row]')?.getAttribute('data-row') ?? -1);
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? rowHeight * 10) / rowHeight) - 2);
    const target = keyTarget(event.key, from, page, runs.length);
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
      aria-rowcount={runs.length + 1}
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
                label={column.kind === 'attribute' ? column.label : column.column.name}
                kindLabel={column.kind === 'data' ? column.column.kind : undefined}
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
          const run = runs[vr.index];
          if (run === undefined) return null;
          const name = run.info.runName === '' ? run.info.runId : run.info.runName;
          return (
            <div
              key={run.info.runId}
              className={run.info.lifecycleStage === 'deleted' ? 'grid-row deleted' : 'grid-row'}
              role="row"
              data-row={vr.index}
              aria-rowindex={vr.index + 2}
              style={{
                width: totalWidth,
                height: rowHeight,
                transform: `translateY(${vr.start + rowHeight}px)`,
              }}
            >
              <div
                className="grid-cell pinned"
                role="rowheader"
                aria-colindex={1}
                style={{ width: nameWidth }}
              >
                <input
                  type="checkbox"
                  className="row-select"
                  aria-label={`Select ${name}`}
                  checked={props.selected.has(run.info.runId)}
                  onChange={(e) => props.onSelect([run.info.runId], e.target.checked)}
                />
                <a href={hrefs.run(run.info.experimentId, run.info.runId)}>{name}</a>
              </div>
              {virtualColumns.map((vc) => {
                const column = gridColumns[vc.index];
                if (column === undefined) return null;
                return (
                  <div
                    key={column.id}
                    className={
                      column.kind === 'data' && column.column.kind === 'metrics'
                        ? 'grid-cell num'
                        : 'grid-cell'
                    }
                    role="gridcell"
                    aria-colindex={vc.index + 2}
                    style={{ width: vc.size, transform: `translateX(${nameWidth + vc.start}px)` }}
                  >
                    {cellContent(run, column)}
                  </div>
                );
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
}

function cellContent(run: Run, column: GridColumn): ReactNode {
  if (column.kind === 'data') return cellText(run, column.column);
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
