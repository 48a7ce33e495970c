import type { ReactNode } from 'react';
import { getLoggedModel, type LoggedModel } from '../../api/logged-models';
import { ArtifactBrowser } from '../../components/artifacts/artifact-browser';
import { formatDateTime } from '../../components/format';
import { KeyValueTable, MetricTable } from '../../components/key-value-tables';
import { ErrorMessage, Loading } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { useSetQuery } from '../../router/use-route';

/**
 * One logged model, `#/experiments/<id>/logged-models/<model_id>`: its facts and source run, params, metrics
 * (with the dataset each was computed on), tags, and its artifacts (the MLmodel file rendered). The artifact
 * shown is in the URL (`?artifact=MLmodel`).
 */
export function LoggedModelPage({
  experimentId,
  modelId,
  query,
}: {
  experimentId: string;
  modelId: string;
  query: URLSearchParams;
}): ReactNode {
  const [state] = useAsync((signal) => getLoggedModel(modelId, signal), [modelId]);
  return (
    <section aria-labelledby="model-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={hrefs.experiments()}>Experiments</a> /{' '}
        <a href={hrefs.experiment(experimentId)}>Experiment {experimentId}</a> /{' '}
        <a href={hrefs.loggedModels(experimentId)}>Logged models</a>
      </nav>
      {state.status === 'loading' && <Loading what="logged model" />}
      {state.status === 'error' && (
        <>
          <h1 id="model-title">Logged model {modelId}</h1>
          <ErrorMessage title="Could not load the logged model" message={state.message} />
        </>
      )}
      {state.status === 'ok' && <ModelDetails model={state.value} query={query} />}
    </section>
  );
}

function ModelDetails({ model, query }: { model: LoggedModel; query: URLSearchParams }): ReactNode {
  const setQuery = useSetQuery();
  const tags = model.tags.filter((t) => !t.key.startsWith('mlflow.'));
  return (
    <>
      <h1 id="model-title">{model.name}</h1>
      <dl className="facts" aria-label="Overview">
        <dt>Model ID</dt>
        <dd className="mono">{model.modelId}</dd>
        <dt>Status</dt>
        <dd>{model.status.replace('LOGGED_MODEL_', '').toLowerCase()}</dd>
        <dt>Created</dt>
        <dd>{model.creationTime > 0 ? formatDateTime(model.creationTime) : '—'}</dd>
        <dt>Source run</dt>
        <dd>
          {model.sourceRunId === undefined ? (
            '—'
          ) : (
            <a href={hrefs.run(model.experimentId, model.sourceRunId)}>{model.sourceRunId}</a>
          )}
        </dd>
        <dt>Model type</dt>
        <dd>{model.modelType ?? '—'}</dd>
        <dt>Artifact URI</dt>
        <dd className="mono">{model.artifactUri}</dd>
      </dl>
      <h2 id="model-params-title">Parameters ({model.params.length})</h2>
      <KeyValueTable rows={model.params} labelledBy="model-params-title" empty="No parameters." />
      <h2 id="model-metrics-title">Metrics ({model.metrics.length})</h2>
      <MetricTable
        labelledBy="model-metrics-title"
        rows={model.metrics}
        empty="No metrics logged on this model."
        withDataset
      />
      <h2 id="model-tags-title">Tags ({tags.length})</h2>
      <KeyValueTable rows={tags} labelledBy="model-tags-title" empty="No tags." />
      <h2 id="model-artifacts-title">Artifacts</h2>
      <ArtifactBrowser
        source={{ kind: 'logged-model', modelId: model.modelId }}
        selected={query.get('artifact') ?? undefined}
        onSelect={(path) => setQuery({ artifact: path })}
      />
    </>
  );
}
