import type { ReactNode } from 'react';
import { searchLoggedModels } from '../../api/logged-models';
import { getExperiment } from '../../api/tracking';
import { formatDateTime } from '../../components/format';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';

/** Models listed (newest first); the rest are reached by "Show more". */
const pageSize = 100;

/**
 * The logged models (MLflow 3) of an experiment, `#/experiments/<id>/logged-models`: name, id, status, when,
 * the run that logged it and its metrics, newest first, paged through the search API.
 */
export function LoggedModelsPage({ experimentId }: { experimentId: string }): ReactNode {
  const [state] = useAsync(
    async (signal) => {
      const [experiment, models] = await Promise.all([
        getExperiment(experimentId, signal),
        searchLoggedModels([experimentId], { maxResults: pageSize }, signal),
      ]);
      return { experiment, models };
    },
    [experimentId],
  );
  return (
    <section aria-labelledby="logged-models-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={hrefs.experiments()}>Experiments</a> /{' '}
        <a href={hrefs.experiment(experimentId)}>
          {state.status === 'ok' ? state.value.experiment.name : `Experiment ${experimentId}`}
        </a>
      </nav>
      <h1 id="logged-models-title">Logged models</h1>
      {state.status === 'loading' && <Loading what="logged models" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not load the logged models" message={state.message} />
      )}
      {state.status === 'ok' && state.value.models.items.length === 0 && (
        <Empty>No logged models in this experiment (MLflow 3 logs one with each log_model).</Empty>
      )}
      {state.status === 'ok' && state.value.models.items.length > 0 && (
        <>
          <p className="muted" role="status">
            {state.value.models.items.length} model{state.value.models.items.length === 1 ? '' : 's'}
            {state.value.models.nextPageToken !== undefined &&
              ` (the newest ${pageSize}; more on the server)`}
          </p>
          <table className="data-table" aria-labelledby="logged-models-title">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Model ID</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Source run</th>
                <th scope="col">Metrics</th>
              </tr>
            </thead>
            <tbody>
              {state.value.models.items.map((m) => (
                <tr key={m.modelId}>
                  <th scope="row">
                    <a href={hrefs.loggedModel(m.experimentId, m.modelId)}>{m.name}</a>
                  </th>
                  <td className="mono">{m.modelId}</td>
                  <td>{m.status.replace('LOGGED_MODEL_', '').toLowerCase()}</td>
                  <td>{m.creationTime > 0 ? formatDateTime(m.creationTime) : '—'}</td>
                  <td>
                    {m.sourceRunId === undefined ? (
                      '—'
                    ) : (
                      <a href={hrefs.run(m.experimentId, m.sourceRunId)} className="mono">
                        {m.sourceRunId.slice(0, 12)}
                      </a>
                    )}
                  </td>
                  <td className="num">{m.metrics.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
