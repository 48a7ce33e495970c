import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import {
  createExperiment,
  deleteExperiment,
  renameExperiment,
  restoreExperiment,
  searchExperiments,
  type Experiment,
} from '../../api/tracking';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { useSetQuery } from '../../router/use-route';
import { experimentSearchFilter, lifecycleViews, parseLifecycle } from './experiment-query';

const pageSize = 100;

/**
 * The experiments list: search by name (URL `?q=`), lifecycle (`?lifecycle=active|deleted|all`), create,
 * rename, delete and restore. Pages through the search API 100 at a time ("Load more"). Experiments selected
 * with their boxes open together in one runs table (`#/runs?experiments=1,2`).
 */
export function ExperimentsPage({ query }: { query: URLSearchParams }): ReactNode {
  const setQuery = useSetQuery();
  const search = query.get('q') ?? '';
  const lifecycle = parseLifecycle(query.get('lifecycle'));
  const [draft, setDraft] = useState(search);
  const [extra, setExtra] = useState<{ items: Experiment[]; token: string | undefined; key: string }>();
  const [actionError, setActionError] = useState<string>();
  // The experiments chosen for one runs table (#/runs?experiments=1,2), in the order they were chosen.
  const [chosen, setChosen] = useState<readonly string[]>([]);
  const choose = (id: string, on: boolean): void =>
    setChosen((ids) => (on ? [...ids.filter((i) => i !== id), id] : ids.filter((i) => i !== id)));
  const key = `${search}\u0000${lifecycle}`;
  const [state, reload] = useAsync(
    (signal) =>
      searchExperiments(
        {
          filter: experimentSearchFilter(search),
          viewType: lifecycleViews[lifecycle],
          maxResults: pageSize,
          orderBy: ['last_update_time DESC'],
        },
        signal,
      ),
    [search, lifecycle],
  );

  const refresh = (): void => {
    setExtra(undefined);
    reload();
  };
  const act = async (action: () => Promise<unknown>): Promise<void> => {
    setActionError(undefined);
    try {
      await action();
      refresh();
    } catch (err) {
      setActionError(errorMessage(err));
    }
  };

  const more = extra?.key === key ? extra : undefined;
  const items = state.status === 'ok' ? [...state.value.items, ...(more?.items ?? [])] : [];
  const nextToken =
    more !== undefined ? more.token : state.status === 'ok' ? state.value.nextPageToken : undefined;
  const loadMore = async (): Promise<void> => {
    if (nextToken === undefined) return;
    try {
      const next = await searchExperiments({
        filter: experimentSearchFilter(search),
        viewType: lifecycleViews[lifecycle],
        maxResults: pageSize,
        orderBy: ['last_update_time DESC'],
        pageToken: nextToken,
      });
      setExtra({ items: [...(more?.items ?? []), ...next.items], token: next.nextPageToken, key });
    } catch (err) {
      setActionError(errorMessage(err));
    }
  };

  const onSearch = (event: FormEvent): void => {
    event.preventDefault();
    setQuery({ q: draft.trim() });
  };

  return (
    <section aria-labelledby="experiments-title">
      <div className="page-head">
        <h1 id="experiments-title">Experiments</h1>
        <CreateExperiment onCreated={refresh} />
      </div>
      <div className="toolbar">
        <form role="search" onSubmit={onSearch} className="inline-form">
          <label htmlFor="experiment-search">Search by name</label>
          <input
            id="experiment-search"
            type="search"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder="name contains…"
          />
          <button type="submit">Search</button>
        </form>
        <label className="inline-label">
          Show
          <select
            value={lifecycle}
            onChange={(e) => setQuery({ lifecycle: e.target.value === 'active' ? '' : e.target.value })}
          >
            <option value="active">active</option>
            <option value="deleted">deleted</option>
            <option value="all">all</option>
          </select>
        </label>
      </div>
      {chosen.length > 0 && (
        <div className="bulk-bar" role="region" aria-label="Selected experiments">
          <strong>
            {chosen.length} experiment{chosen.length === 1 ? '' : 's'} selected
          </strong>
          <a href={hrefs.experimentsRuns(chosen)}>Open their runs in one table</a>
          <button type="button" onClick={() => setChosen([])}>
            Clear selection
          </button>
        </div>
      )}
      {actionError !== undefined && <ErrorMessage message={actionError} />}
      {state.status === 'loading' && <Loading what="experiments" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not list experiments" message={state.message} />
      )}
      {state.status === 'ok' && items.length === 0 && (
        <Empty>
          {search === ''
            ? 'No experiments yet: create one above, or log a run with the mlflow client.'
            : `No experiment's name contains “${search}”.`}
        </Empty>
      )}
      {items.length > 0 && (
        <table className="data-table" aria-label="Experiments">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">ID</th>
              <th scope="col">Last updated</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((experiment) => (
              <ExperimentRow
                key={experiment.experimentId}
                experiment={experiment}
                act={act}
                chosen={chosen.includes(experiment.experimentId)}
                onChoose={(on) => choose(experiment.experimentId, on)}
              />
            ))}
          </tbody>
        </table>
      )}
      {nextToken !== undefined && (
        <button type="button" onClick={() => void loadMore()}>
          Load more experiments
        </button>
      )}
    </section>
  );
}

function ExperimentRow({
  experiment,
  act,
  chosen,
  onChoose,
}: {
  experiment: Experiment;
  act: (action: () => Promise<unknown>) => Promise<void>;
  /** Whether the experiment is selected for the several-experiments runs table. */
  chosen: boolean;
  onChoose: (on: boolean) => void;
}): ReactNode {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(experiment.name);
  const deleted = experiment.lifecycleStage === 'deleted';
  const onRename = (event: FormEvent): void => {
    event.preventDefault();
    void act(() => renameExperiment(experiment.experimentId, name.trim())).then(() => setRenaming(false));
  };
  return (
    <tr className={deleted ? 'deleted' : undefined}>
      <td>
        <input
          type="checkbox"
          className="row-select"
          aria-label={`Select ${experiment.name}`}
          checked={chosen}
          onChange={(e) => onChoose(e.target.checked)}
        />
        {renaming ? (
          <form onSubmit={onRename} className="inline-form">
            <label className="visually-hidden" htmlFor={`rename-${experiment.experimentId}`}>
              New name of {experiment.name}
            </label>
            <input
              id={`rename-${experiment.experimentId}`}
              value={name}
              onChange={(e) => setName(e.target.value)}
              autoFocus
            />
            <button type="submit">Save</button>
            <button type="button" onClick={() => setRenaming(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <a href={hrefs.experiment(experiment.experimentId)}>{experiment.name}</a>
        )}
        {deleted && <span className="badge">deleted</span>}
      </td>
      <td className="mono">{experiment.experimentId}</td>
      <td>
        <TimeText ms={experiment.lastUpdateTime} />
      </td>
      <td>
        <TimeText ms={experiment.creationTime} />
      </td>
      <td className="actions">
        {deleted ? (
          <button type="button" onClick={() => void act(() => restoreExperiment(experiment.experimentId))}>
            Restore<span className="visually-hidden"> {experiment.name}</span>
          </button>
        ) : (
          <>
            <button type="button" onClick={() => setRenaming(true)} disabled={renaming}>
              Rename<span className="visually-hidden"> {experiment.name}</span>
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                if (
                  window.confirm(`Delete experiment “${experiment.name}” and its runs? It can be restored.`)
                ) {
                  void act(() => deleteExperiment(experiment.experimentId));
                }
              }}
            >
              Delete<span className="visually-hidden"> {experiment.name}</span>
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

function CreateExperiment({ onCreated }: { onCreated: () => void }): ReactNode {
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await createExperiment(name.trim());
      setName('');
      onCreated();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline-form" onSubmit={(e) => void onSubmit(e)} aria-label="Create experiment">
      <label htmlFor="new-experiment">New experiment</label>
      <input id="new-experiment" value={name} onChange={(e) => setName(e.target.value)} required />
      <button type="submit" disabled={busy || name.trim() === ''}>
        Create
      </button>
      {error !== undefined && <ErrorMessage message={error} />}
    </form>
  );
}
