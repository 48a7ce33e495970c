import { lazy, Suspense, type ReactNode } from 'react';
import { getRun, descriptionTag, type Run } from '../../api/tracking';
import { ArtifactBrowser } from '../../components/artifacts/artifact-browser';
import { ChartPanel } from '../../components/charts/chart-panel';
import { KeyValueTable, MetricTable } from '../../components/key-value-tables';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { useSetQuery } from '../../router/use-route';
import { RunDatasets, RunModels } from './run-models';
import { RunOverview } from './run-overview';
import { RunTags } from './run-tags';
import './run.css';

/** The markdown renderer loads only when a run has a description (its own chunk). */
const Markdown = lazy(() => import('../../components/markdown'));

/** Charts drawn on the page at most; the charts page takes any number. */
const chartedMetrics = 6;

/**
 * A run's page, opened by the URL the mlflow client prints (`#/experiments/<id>/runs/<run_id>`): overview,
 * description, params, latest metrics with their charts, tags (editable), datasets, models, artifacts.
 * Its URL query holds the chart settings and the artifact shown (`?artifact=model/MLmodel&log=1`).
 */
export function RunPage({
  experimentId,
  runId,
  query,
}: {
  experimentId: string;
  runId: string;
  query: URLSearchParams;
}): ReactNode {
  const [state, reload] = useAsync((signal) => getRun(runId, signal), [runId]);
  return (
    <section aria-labelledby="run-title" className="run-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={hrefs.experiments()}>Experiments</a> /{' '}
        <a href={hrefs.experiment(experimentId)}>Experiment {experimentId}</a>
      </nav>
      {state.status === 'loading' && <Loading what="run" />}
      {state.status === 'error' && (
        <>
          <h1 id="run-title">Run {runId}</h1>
          <ErrorMessage title="Could not load the run" message={state.message} />
        </>
      )}
      {state.status === 'ok' && <RunDetails run={state.value} query={query} reload={reload} />}
    </section>
  );
}

function RunDetails({
  run,
  query,
  reload,
}: {
  run: Run;
  query: URLSearchParams;
  reload: () => void;
}): ReactNode {
  const setQuery = useSetQuery();
  const { info, data } = run;
  const name = info.runName === '' ? info.runId : info.runName;
  const description = data.tags.find((t) => t.key === descriptionTag)?.value ?? '';
  const metricKeys = [...new Set(data.metrics.map((m) => m.key))].sort();
  return (
    <>
      <div className="page-head">
        <h1 id="run-title">{name}</h1>
        <a href={hrefs.loggedModels(info.experimentId)}>Logged models of the experiment</a>
      </div>
      <RunOverview run={run} />
      <h2 id="description-title">Description</h2>
      {description === '' ? (
        <Empty>No description.</Empty>
      ) : (
        <section aria-labelledby="description-title" className="description">
          <Suspense fallback={<Loading what="description" />}>
            <Markdown source={description} />
          </Suspense>
        </section>
      )}
      <h2 id="params-title">Parameters ({data.params.length})</h2>
      <KeyValueTable labelledBy="params-title" rows={data.params} empty="No parameters logged." />
      <h2 id="metrics-title">Metrics ({data.metrics.length})</h2>
      <MetricTable
        labelledBy="metrics-title"
        rows={data.metrics}
        empty="No metrics logged."
        valueLabel="Latest value"
      />
      <RunTags runId={info.runId} tags={data.tags} changed={reload} />
      <RunDatasets run={run} />
      <RunModels run={run} />
      <h2 id="charts-title">Charts</h2>
      {metricKeys.length === 0 ? (
        <Empty>No metrics to chart.</Empty>
      ) : (
        <section aria-labelledby="charts-title">
          {metricKeys.length > chartedMetrics && (
            <p className="muted">
              The first {chartedMetrics} of {metricKeys.length} metrics;{' '}
              <a href={hrefs.charts([info.runId], metricKeys)}>all of them on the charts page</a>.
            </p>
          )}
          <ChartPanel
            runs={[{ id: info.runId, name }]}
            metricKeys={metricKeys.slice(0, chartedMetrics)}
            query={query}
            setQuery={setQuery}
          />
        </section>
      )}
      <h2 id="artifacts-title">Artifacts</h2>
      <ArtifactBrowser
        source={{ kind: 'run', runId: info.runId }}
        selected={query.get('artifact') ?? undefined}
        onSelect={(path) => setQuery({ artifact: path })}
      />
    </>
  );
}
