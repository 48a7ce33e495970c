import { Fragment, type ReactNode } from 'react';
import { getExperiment, type Experiment } from '../../api/tracking';
import { Empty, ErrorMessage } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { RunsTable } from './runs-table';
import { parseExperimentIds } from './runs-query';

/** The most experiments one table shows (their names are fetched one by one; the search takes them all). */
export const maxTableExperiments = 50;

/**
 * The runs of several experiments in one table (`#/runs?experiments=1,2`, opened from the experiments page's
 * selection): the same table as one experiment's (filter, sort, columns, grouping, nesting, bulk actions, CSV),
 * one `runs/search` over all the experiment ids, and an Experiment column.
 */
export function MultiRunsPage({ query }: { query: URLSearchParams }): ReactNode {
  const ids = parseExperimentIds(query);
  const shown = ids.slice(0, maxTableExperiments);
  const [experiments] = useAsync(
    (signal) => Promise.all(shown.map((id) => getExperiment(id, signal))),
    [shown.join(',')],
  );
  const names = new Map<string, string>(shown.map((id): [string, string] => [id, `Experiment ${id}`]));
  if (experiments.status === 'ok') for (const e of experiments.value) names.set(e.experimentId, e.name);
  return (
    <section aria-labelledby="runs-title" className="runs-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={hrefs.experiments()}>Experiments</a>
      </nav>
      <h1 id="runs-title">
        Runs of {shown.length} experiment{shown.length === 1 ? '' : 's'}
      </h1>
      {shown.length === 0 ? (
        <Empty>
          No experiments chosen. Select experiments on the <a href={hrefs.experiments()}>experiments page</a>{' '}
          and open their runs, or add <code>?experiments=ID,ID</code> to the URL.
        </Empty>
      ) : (
        <>
          {ids.length > shown.length && (
            <p className="muted">
              The first {maxTableExperiments} of {ids.length} experiments are shown.
            </p>
          )}
          {experiments.status === 'error' && (
            <ErrorMessage title="Could not load the experiments" message={experiments.message} />
          )}
          <p className="experiment-list">
            {experiments.status === 'ok'
              ? experiments.value.map((e: Experiment, i) => (
                  <Fragment key={e.experimentId}>
                    {i > 0 && ', '}
                    <a href={hrefs.experiment(e.experimentId)}>{e.name}</a>
                  </Fragment>
                ))
              : shown.map((id) => names.get(id)).join(', ')}
          </p>
          <RunsTable
            experimentIds={shown}
            query={query}
            csvName={`runs-experiments-${shown.join('-')}.csv`}
            experimentNames={names}
            emptyText="No runs in these experiments yet."
          />
        </>
      )}
    </section>
  );
}
