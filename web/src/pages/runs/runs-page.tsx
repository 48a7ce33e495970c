import type { ReactNode } from 'react';
import { getExperiment } from '../../api/tracking';
import { ErrorMessage } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { ExperimentAbout } from './experiment-about';
import { RunsTable } from './runs-table';

/**
 * The runs of one experiment (`#/experiments/<id>`): its name, description and tags, then the runs table
 * (filter, lifecycle, columns, sort, grouping and nesting in the URL; pages of 200 runs as the grid scrolls).
 */
export function RunsPage({
  experimentId,
  query,
}: {
  experimentId: string;
  query: URLSearchParams;
}): ReactNode {
  const [experiment, reloadExperiment] = useAsync(
    (signal) => getExperiment(experimentId, signal),
    [experimentId],
  );
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
      <RunsTable
        experimentIds={[experimentId]}
        query={query}
        csvName={`runs-experiment-${experimentId}.csv`}
        emptyText="No runs in this experiment yet."
      />
    </section>
  );
}
