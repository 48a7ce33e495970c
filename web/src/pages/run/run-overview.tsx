import type { ReactNode } from 'react';
import { childRuns, parentRunTag } from '../../api/run-details';
import type { Run } from '../../api/tracking';
import { formatDateTime, formatDuration } from '../../components/format';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';

/** Children listed on the page; more are reachable through the runs table's filter. */
const childLimit = 50;

const tagOf = (run: Run, key: string): string | undefined => run.data.tags.find((t) => t.key === key)?.value;

/** The run's facts: status, times, duration, user, source, git commit, parent and children. */
export function RunOverview({ run }: { run: Run }): ReactNode {
  const { info } = run;
  const parent = tagOf(run, parentRunTag);
  const source = tagOf(run, 'mlflow.source.name');
  const sourceType = tagOf(run, 'mlflow.source.type');
  const commit = tagOf(run, 'mlflow.source.git.commit');
  const branch = tagOf(run, 'mlflow.source.git.branch');
  const ended = info.endTime !== null && info.endTime > 0;
  return (
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
      <dt>Ended</dt>
      <dd>{ended && info.endTime !== null ? formatDateTime(info.endTime) : '—'}</dd>
      <dt>Duration</dt>
      <dd>
        {info.endTime !== null && info.endTime > 0 && info.startTime > 0
          ? formatDuration(info.endTime - info.startTime)
          : '—'}
      </dd>
      <dt>User</dt>
      <dd>{info.userId === '' ? '—' : info.userId}</dd>
      <dt>Source</dt>
      <dd>
        {source === undefined ? '—' : <span className="mono">{source}</span>}
        {sourceType !== undefined && <span className="muted"> ({sourceType})</span>}
      </dd>
      <dt>Git commit</dt>
      <dd>
        {commit === undefined ? (
          '—'
        ) : (
          <span className="mono" title={commit}>
            {commit.slice(0, 12)}
          </span>
        )}
        {branch !== undefined && <span className="muted"> on {branch}</span>}
      </dd>
      <dt>Parent run</dt>
      <dd>{parent === undefined ? '—' : <a href={hrefs.run(info.experimentId, parent)}>{parent}</a>}</dd>
      <dt>Child runs</dt>
      <dd>
        <Children experimentId={info.experimentId} runId={info.runId} />
      </dd>
    </dl>
  );
}

function Children({ experimentId, runId }: { experimentId: string; runId: string }): ReactNode {
  const [state] = useAsync(
    (signal) => childRuns(experimentId, runId, childLimit, signal),
    [experimentId, runId],
  );
  if (state.status === 'loading') return <span className="muted">…</span>;
  if (state.status === 'error') return <span className="error-inline">{state.message}</span>;
  if (state.value.length === 0) return <>—</>;
  return (
    <span className="child-runs">
      {state.value.map((child, i) => (
        <span key={child.info.runId}>
          {i > 0 && ', '}
          <a href={hrefs.run(child.info.experimentId, child.info.runId)}>
            {child.info.runName === '' ? child.info.runId : child.info.runName}
          </a>
        </span>
      ))}
      {state.value.length === childLimit && <span className="muted"> (first {childLimit})</span>}
    </span>
  );
}
