import type { ReactNode } from 'react';
import { getRun, type Run, type Tag } from '../../api/tracking';
import { formatDateTime, formatDuration, formatNumber } from '../../components/format';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';

/**
 * A run's page, opened by the URL the mlflow client prints (`#/experiments/<id>/runs/<run_id>`): name, status,
 * times, params, latest metrics and tags. (The artifact browser, charts and the rest of the point 5
 * grow from here, one section component each.)
 */
export function RunPage({ experimentId, runId }: { experimentId: string; runId: string }): ReactNode {
  const [state] = useAsync((signal) => getRun(runId, signal), [runId]);
  return (
    <section aria-labelledby="run-title">
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
      {state.status === 'ok' && <RunDetails run={state.value} />}
    </section>
  );
}

function RunDetails({ run }: { run: Run }): ReactNode {
  const { info, data } = run;
  const name = info.runName === '' ? info.runId : info.runName;
  const userTags = data.tags.filter((t) => !t.key.startsWith('mlflow.'));
  return (
    <>
      <h1 id="run-title">{name}</h1>
      <dl className="facts" aria-label="Overview">
        <dt>Status</dt>
        <dd>
          <span className={`status status-${info.status.toLowerCase()}`}>{info.status}</span>
          {info.lifecycleStage === 'deleted' && <span className="badge">deleted</span>}
        </dd>
        <dt>Run ID</dt>
        <dd className="mono">{info.runId}</dd>
        <dt>Started</dt>
        <dd>{info.startTime > 0 ? formatDateTime(info.startTime) : '—'}</dd>
        <dt>Duration</dt>
        <dd>
          {info.endTime !== null && info.startTime > 0 ? formatDuration(info.endTime - info.startTime) : '—'}
        </dd>
        <dt>User</dt>
        <dd>{info.userId === '' ? '—' : info.userId}</dd>
      </dl>
      <h2 id="params-title">Parameters ({data.params.length})</h2>
      <KeyValueTable labelledBy="params-title" rows={data.params} empty="No parameters logged." />
      <h2 id="metrics-title">Metrics ({data.metrics.length})</h2>
      {data.metrics.length === 0 ? (
        <Empty>No metrics logged.</Empty>
      ) : (
        <table className="data-table kv" aria-labelledby="metrics-title">
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">Latest value</th>
              <th scope="col">Step</th>
            </tr>
          </thead>
          <tbody>
            {[...data.metrics]
              .sort((a, b) => a.key.localeCompare(b.key))
              .map((m) => (
                <tr key={m.key}>
                  <th scope="row">{m.key}</th>
                  <td className="num" title={String(m.value)}>
                    {formatNumber(m.value)}
                  </td>
                  <td className="num">{m.step}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
      <h2 id="tags-title">Tags ({userTags.length})</h2>
      <KeyValueTable labelledBy="tags-title" rows={userTags} empty="No tags." />
    </>
  );
}

function KeyValueTable({
  rows,
  empty,
  labelledBy,
}: {
  rows: Tag[];
  empty: string;
  labelledBy: string;
}): ReactNode {
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <table className="data-table kv" aria-labelledby={labelledBy}>
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {[...rows]
          .sort((a, b) => a.key.localeCompare(b.key))
          .map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.key}</th>
              <td className="value">{row.value}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}
