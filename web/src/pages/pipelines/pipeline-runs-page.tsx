import type { ReactNode } from 'react';
import { formatDuration } from '../../components/format';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { listDefinitions, listRuns, runStatuses, type RunStatus } from './pipelines-api';
import { StatusText } from './status-text';
import { usePolling } from './use-polling';
import './pipelines.css';

const maxResults = 200;
const isStatus = (s: string | null): s is RunStatus => runStatuses.some((x) => x === s);

/**
 * Pipeline runs, newest first, `#/pipeline-runs?pipeline=<name>&status=<status>`: state, pipeline, when it
 * started, how long it took, who or what started it. Refreshes while a listed run is running.
 */
export default function PipelineRunsPage({ query }: { query: URLSearchParams }): ReactNode {
  const pipeline = query.get('pipeline') ?? undefined;
  const statusText = query.get('status');
  const status = isStatus(statusText) ? statusText : undefined;
  const [definitions] = useAsync((signal) => listDefinitions(signal), []);
  const { state, refreshError } = usePolling(
    (signal) =>
      listRuns(
        {
          maxResults,
          ...(pipeline !== undefined ? { pipeline } : {}),
          ...(status !== undefined ? { status } : {}),
        },
        signal,
      ),
    (runs) => (runs.some((r) => r.status === 'running') ? 3000 : undefined),
    [pipeline, status],
  );
  const setFilter = (next: { pipeline?: string | undefined; status?: string | undefined }): void => {
    const p = 'pipeline' in next ? next.pipeline : pipeline;
    const s = 'status' in next ? next.status : status;
    window.location.hash = hrefs.pipelineRuns({
      ...(p !== undefined && p !== '' ? { pipeline: p } : {}),
      ...(s !== undefined && s !== '' ? { status: s } : {}),
    });
  };
  const now = Date.now();
  return (
    <section aria-labelledby="pipeline-runs-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={hrefs.pipelines()}>Pipelines</a>
      </nav>
      <h1 id="pipeline-runs-title">Pipeline runs</h1>
      <div className="toolbar">
        <label className="inline-label" htmlFor="pipeline-filter">
          Pipeline
        </label>
        <select
          id="pipeline-filter"
          value={pipeline ?? ''}
          onChange={(e) => setFilter({ pipeline: e.target.value })}
        >
          <option value="">all</option>
          {definitions.status === 'ok' &&
            definitions.value.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
              </option>
            ))}
          {pipeline !== undefined &&
            definitions.status === 'ok' &&
            !definitions.value.some((d) => d.name === pipeline) && (
              <option value={pipeline}>{pipeline}</option>
            )}
        </select>
        <label className="inline-label" htmlFor="state-filter">
          State
        </label>
        <select
          id="state-filter"
          value={status ?? ''}
          onChange={(e) => setFilter({ status: e.target.value })}
        >
          <option value="">all</option>
          {runStatuses.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      {statusText !== null && statusText !== '' && status === undefined && (
        <ErrorMessage message={`Unknown state '${statusText}': choose ${runStatuses.join(', ')}.`} />
      )}
      {state.status === 'loading' && <Loading what="pipeline runs" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not load the pipeline runs" message={state.message} />
      )}
      {refreshError !== undefined && <ErrorMessage title="Could not refresh" message={refreshError} />}
      {state.status === 'ok' && state.value.length === 0 && <Empty>No pipeline runs match.</Empty>}
      {state.status === 'ok' && state.value.length > 0 && (
        <>
          <p className="muted" role="status">
            {state.value.length === maxResults ? `The newest ${maxResults}` : state.value.length} run
            {state.value.length === 1 ? '' : 's'}
          </p>
          <table className="data-table" aria-label="Pipeline runs">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Pipeline</th>
                <th scope="col">State</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Started by</th>
                <th scope="col">Resumed</th>
              </tr>
            </thead>
            <tbody>
              {state.value.map((r) => (
                <tr key={r.runId}>
                  <th scope="row">
                    <a href={hrefs.pipelineRun(r.runId)} className="mono">
                      {r.runId.slice(0, 12)}
                    </a>
                  </th>
                  <td>
                    <a href={hrefs.pipeline(r.pipeline)}>{r.pipeline}</a>
                  </td>
                  <td>
                    <StatusText state={r.status} />
                    {r.cancelRequested && r.status === 'running' && (
                      <span className="muted"> (cancelling)</span>
                    )}
                  </td>
                  <td>
                    <TimeText ms={r.createdAt} />
                  </td>
                  <td className="num">{formatDuration(Math.max(0, (r.endedAt ?? now) - r.createdAt))}</td>
                  <td>{r.createdBy}</td>
                  <td className="num">{r.resumes === 0 ? '—' : `${r.resumes}×`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
