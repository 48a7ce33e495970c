import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { getExperiment } from '../../api/tracking';
import { Empty, ErrorMessage } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { useSetQuery } from '../../router/use-route';
import { lifecycleViews } from '../experiments/experiment-query';
import { BulkActions } from './bulk-actions';
import { ColumnPicker } from './column-picker';
import { ExperimentAbout } from './experiment-about';
import { FilterBox } from './filter-box';
import { filterKeys } from './filter-completion';
import { availableColumns, columnId, defaultColumns, type DataColumn } from './run-columns';
import { RunsGrid } from './runs-grid';
import { downloadText, runsCsv } from './runs-csv';
import { orderByOf, parseRunsQuery, runsQueryKeys, sortParam } from './runs-query';
import { useRunPages } from './use-run-pages';

/**
 * The runs of one experiment (`#/experiments/<id>`): filter (MLflow's grammar, the server's error shown
 * under the box), lifecycle, columns and sort, all in the URL; pages of 200 runs loaded as the grid scrolls.
 */
export function RunsPage({
  experimentId,
  query,
}: {
  experimentId: string;
  query: URLSearchParams;
}): ReactNode {
  const setQuery = useSetQuery();
  const state = parseRunsQuery(query);
  const [experiment, reloadExperiment] = useAsync(
    (signal) => getExperiment(experimentId, signal),
    [experimentId],
  );
  const orderBy = orderByOf(state);
  const pages = useRunPages({
    experimentIds: [experimentId],
    filter: state.filter,
    orderBy,
    viewType: lifecycleViews[state.lifecycle],
  });
  const [selection, setSelection] = useState<{ key: string; ids: ReadonlySet<string> }>({
    key: '',
    ids: new Set(),
  });
  // A selection belongs to one query: a new filter, sort or lifecycle starts with none.
  const selectionKey = JSON.stringify([state.filter, orderBy, state.lifecycle]);
  const selected = selection.key === selectionKey ? selection.ids : new Set<string>();
  const onSelect = (runIds: readonly string[], on: boolean): void => {
    const next = new Set(selected);
    for (const id of runIds) {
      if (on) next.add(id);
      else next.delete(id);
    }
    setSelection({ key: selectionKey, ids: next });
  };
  const [draft, setDraft] = useState(state.filter);
  useEffect(() => setDraft(state.filter), [state.filter]);

  const loaded = useMemo(() => availableColumns(pages.runs), [pages.runs]);
  // The keys of the last runs seen stay offered while a filter matches nothing (or is refused).
  const lastKnown = useRef<DataColumn[]>([]);
  if (loaded.length > 0) lastKnown.current = loaded;
  const available = loaded.length > 0 ? loaded : lastKnown.current;
  const columns: DataColumn[] = state.columns ?? defaultColumns(available);

  const onFilter = (event: FormEvent): void => {
    event.preventDefault();
    setQuery({ [runsQueryKeys.filter]: draft.trim() });
  };
  const title = experiment.status === 'ok' ? experiment.value.name : `Experiment ${experimentId}`;

  return (
    <section aria-labelledby="runs-title" className="runs-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={hrefs.experiments()}>Experiments</a>
      </nav>
      <h1 id="runs-title">{title}</h1>
      {experiment.status === 'error' && (
        <ErrorMessage title="Could not load the experiment" message={experiment.message} />
      )}
      {experiment.status === 'ok' && (
        <ExperimentAbout experiment={experiment.value} onChanged={reloadExperiment} />
      )}
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
          onClick={() => downloadText(runsCsv(pages.runs, columns), `runs-experiment-${experimentId}.csv`)}
        >
          Export CSV ({pages.runs.length} loaded)
        </button>
        <ColumnPicker
          available={available}
          chosen={columns}
          onChange={(next) => setQuery({ [runsQueryKeys.columns]: next.map(columnId).join('\n') || '\n' })}
        />
      </div>
      {selected.size > 0 && (
        <BulkActions
          selected={[...selected]}
          onDone={() => {
            setSelection({ key: selectionKey, ids: new Set() });
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
      {!pages.loading && pages.error === undefined && pages.runs.length === 0 && (
        <Empty>
          {state.filter === '' ? 'No runs in this experiment yet.' : 'No run matches this filter.'}
        </Empty>
      )}
      {pages.runs.length > 0 && (
        <RunsGrid
          experimentId={experimentId}
          runs={pages.runs}
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
    </section>
  );
}
