import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { formatNumber } from '../../components/format';
import { Empty, ErrorMessage } from '../../components/status';
import { useSetQuery } from '../../router/use-route';
import { lifecycleViews } from '../experiments/experiment-query';
import { BulkActions } from './bulk-actions';
import { ColumnPicker } from './column-picker';
import { FilterBox } from './filter-box';
import { filterKeys } from './filter-completion';
import { availableColumns, columnId, defaultColumns, type DataColumn } from './run-columns';
import { displayRows, runsInOrder } from './run-rows';
import { downloadText, runsCsv } from './runs-csv';
import { RunsGrid } from './runs-grid';
import { orderByOf, parseRunsQuery, runsQueryKeys, sortParam } from './runs-query';
import { useRunPages } from './use-run-pages';
import './runs-table.css';

/** No row expanded or collapsed (one object, so that the memoised rows stay). */
const noRows: ReadonlySet<string> = new Set();

/** The most runs "Load all" fetches for a grouping's aggregates (pages of 200 through the search API). */
export const groupLoadCap = 10_000;

/**
 * The runs table of one or several experiments: filter (MLflow's grammar, the server's error shown under the
 * box), lifecycle, columns, sort, grouping (by a param or tag, with min/max/mean of each metric column) and
 * nesting (child runs under their parent), all in the URL; pages of 200 runs loaded as the grid scrolls; bulk
 * actions on the selected runs and a CSV export of the rows as shown.
 * Example: `<RunsTable experimentIds={['1', '2']} query={query} csvName="runs.csv" experimentNames={names} />`.
 */
export function RunsTable({
  experimentIds,
  query,
  csvName,
  experimentNames,
  emptyText,
}: {
  experimentIds: readonly string[];
  query: URLSearchParams;
  csvName: string;
  /** Set for a table of several experiments: adds the Experiment column (names by id) and CSV field. */
  experimentNames?: ReadonlyMap<string, string> | undefined;
  /** What an unfiltered empty table says. */
  emptyText: string;
}): ReactNode {
  const setQuery = useSetQuery();
  const state = parseRunsQuery(query);
  const orderBy = orderByOf(state);
  const pages = useRunPages({
    experimentIds: [...experimentIds],
    filter: state.filter,
    orderBy,
    viewType: lifecycleViews[state.lifecycle],
  });
  // A selection, the expanded/collapsed rows and "load all" belong to one query: a new filter, sort or
  // lifecycle starts with none.
  const queryKey = JSON.stringify([experimentIds, state.filter, orderBy, state.lifecycle]);
  const [selection, setSelection] = useState<{ key: string; ids: ReadonlySet<string> }>({
    key: '',
    ids: new Set(),
  });
  const selected = selection.key === queryKey ? selection.ids : new Set<string>();
  const onSelect = (runIds: readonly string[], on: boolean): void => {
    const next = new Set(selected);
    for (const id of runIds) {
      if (on) next.add(id);
      else next.delete(id);
    }
    setSelection({ key: queryKey, ids: next });
  };
  const [toggled, setToggled] = useState<{ key: string; rows: ReadonlySet<string> }>({
    key: '',
    rows: new Set(),
  });
  const toggledRows = toggled.key === queryKey ? toggled.rows : noRows;
  const onToggle = (rowKey: string): void => {
    const next = new Set(toggledRows);
    if (!next.delete(rowKey)) next.add(rowKey);
    setToggled({ key: queryKey, rows: next });
  };
  const [loadAllKey, setLoadAllKey] = useState<string>();
  const loadingAll = loadAllKey === queryKey && state.group !== undefined;
  const { hasMore, loading, loadingMore, loadMore } = pages;
  const loadedCount = pages.runs.length;
  useEffect(() => {
    if (loadingAll && hasMore && !loading && !loadingMore && loadedCount < groupLoadCap) loadMore();
  }, [loadingAll, hasMore, loading, loadingMore, loadedCount, loadMore]);

  const [draft, setDraft] = useState(state.filter);
  useEffect(() => setDraft(state.filter), [state.filter]);

  const loaded = useMemo(() => availableColumns(pages.runs), [pages.runs]);
  // The keys of the last runs seen stay offered while a filter matches nothing (or is refused).
  const lastKnown = useRef<DataColumn[]>([]);
  if (loaded.length > 0) lastKnown.current = loaded;
  const available = loaded.length > 0 ? loaded : lastKnown.current;
  const columns: DataColumn[] = state.columns ?? defaultColumns(available);
  const metricNames = columns.filter((c) => c.kind === 'metrics').map((c) => c.name);
  const shapeKey = JSON.stringify([state.group ?? null, state.nested, metricNames]);
  const rows = useMemo(
    () =>
      displayRows(pages.runs, {
        group: state.group,
        nested: state.nested,
        metricColumns: metricNames,
        collapsed: toggledRows,
        expanded: toggledRows,
      }),
    // The grouping, nesting and metric columns change with shapeKey (new objects on every render).
    [pages.runs, shapeKey, toggledRows],
  );
  const groupOptions = available.filter((c) => c.kind !== 'metrics');
  const groupId = state.group === undefined ? '' : columnId(state.group);
  if (state.group !== undefined && !groupOptions.some((c) => columnId(c) === groupId)) {
    groupOptions.push(state.group);
  }
  const withExperiment = experimentNames !== undefined;

  const onFilter = (event: FormEvent): void => {
    event.preventDefault();
    setQuery({ [runsQueryKeys.filter]: draft.trim() });
  };

  return (
    <>
      <div className="toolbar">
        <form role="search" className="filter-form" onSubmit={onFilter}>
          <label htmlFor="run-filter">Filter</label>
          <FilterBox
            value={draft}
            onChange={setDraft}
            keys={filterKeys(available)}
            invalid={pages.error !== undefined && state.filter !== ''}
            describedBy={pages.error !== undefined ? 'run-filter-error' : undefined}
          />
          <button type="submit">Apply</button>
        </form>
        <label className="inline-label">
          Show
          <select
            value={state.lifecycle}
            onChange={(e) =>
              setQuery({ [runsQueryKeys.lifecycle]: e.target.value === 'active' ? '' : e.target.value })
            }
          >
            <option value="active">active runs</option>
            <option value="deleted">deleted runs</option>
            <option value="all">all runs</option>
          </select>
        </label>
        <button
          type="button"
          disabled={pages.runs.length === 0}
          onClick={() =>
            downloadText(runsCsv(runsInOrder(pages.runs, rows), columns, { withExperiment }), csvName)
          }
        >
          Export CSV ({pages.runs.length} loaded)
        </button>
        <ColumnPicker
          available={available}
          chosen={columns}
          onChange={(next) => setQuery({ [runsQueryKeys.columns]: next.map(columnId).join('\n') || '\n' })}
        />
      </div>
      <div className="toolbar" role="group" aria-label="Grouping and nesting">
        <label className="inline-label">
          Group by
          <select value={groupId} onChange={(e) => setQuery({ [runsQueryKeys.group]: e.target.value })}>
            <option value="">nothing</option>
            {groupOptions.map((c) => (
              <option key={columnId(c)} value={columnId(c)}>
                {c.kind === 'params' ? 'param' : 'tag'} {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-label">
          <input
            type="checkbox"
            checked={state.nested}
            disabled={state.group !== undefined}
            onChange={(e) => setQuery({ [runsQueryKeys.flat]: e.target.checked ? '' : '1' })}
          />
          Nest child runs
        </label>
      </div>
      {selected.size > 0 && (
        <BulkActions
          selected={[...selected]}
          onDone={() => {
            setSelection({ key: queryKey, ids: new Set() });
            pages.reload();
          }}
        />
      )}
      {pages.error !== undefined && (
        <div id="run-filter-error">
          <ErrorMessage title="The server refused the search" message={pages.error} />
        </div>
      )}
      <p className="muted" role="status" aria-live="polite">
        {pages.loading
          ? 'Loading runs…'
          : `${pages.runs.length} run${pages.runs.length === 1 ? '' : 's'} ${pages.hasMore ? 'loaded, more on the server (scroll to load)' : 'in all'}`}
      </p>
      {state.group !== undefined && !pages.loading && pages.runs.length > 0 && (
        <p className="group-note" aria-live="polite">
          {`${rows.filter((r) => r.kind === 'group').length} groups by ${state.group.kind === 'params' ? 'param' : 'tag'} ${state.group.name}; aggregates over the ${formatNumber(pages.runs.length)} loaded runs`}
          {pages.hasMore ? ' (more on the server).' : ' (every matching run).'}{' '}
          {pages.hasMore && pages.runs.length < groupLoadCap && (
            <button type="button" disabled={loadingAll} onClick={() => setLoadAllKey(queryKey)}>
              {loadingAll
                ? 'Loading all runs…'
                : `Load all matching runs (up to ${formatNumber(groupLoadCap)})`}
            </button>
          )}
        </p>
      )}
      {!pages.loading && pages.error === undefined && pages.runs.length === 0 && (
        <Empty>{state.filter === '' ? emptyText : 'No run matches this filter.'}</Empty>
      )}
      {pages.runs.length > 0 && (
        <RunsGrid
          runs={pages.runs}
          rows={rows}
          onToggle={onToggle}
          experimentNames={experimentNames}
          columns={columns}
          hasMore={pages.hasMore}
          loadingMore={pages.loadingMore}
          onNeedMore={pages.loadMore}
          sort={state.sort}
          onSort={(id, descending) => setQuery({ [runsQueryKeys.sort]: sortParam(id, descending) })}
          selected={selected}
          onSelect={onSelect}
        />
      )}
    </>
  );
}
