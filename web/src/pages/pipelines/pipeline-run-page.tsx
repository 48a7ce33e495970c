import { useState, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { mayEdit, useWhoAmI } from '../../auth/auth-context';
import { formatDuration } from '../../components/format';
import { ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { ApprovalPanel } from './approval-panel';
import { DagView } from './dag-view';
import { readPipelineDocument } from './pipeline-document';
import { getDefinition, getRun, runAction, type RunDetails, type StepRun } from './pipelines-api';
import { StatusText } from './status-text';
import { StepLogs } from './step-logs';
import { stepDuration, summarizeSteps } from './step-status';
import { usePolling } from './use-polling';
import { formatUsd } from './pipeline-cost';
import { CostText } from './pipeline-cost-summary';
import './pipelines.css';

/** How often a running run is read again. */
const refreshMs = 1500;

const stillMoving = (d: RunDetails): boolean =>
  d.run.status === 'running' || d.steps.some((s) => s.state === 'running');

/**
 * A pipeline run, `#/pipeline-runs/<run_id>?step=<name>&item=<n>`: its state, parameters and error, the DAG
 * drawn live (each step's state by colour, icon and word, duration, fan-out counts, retries, cache hits), every
 * step run with its MLflow run, the selected step's logs following the process, and cancel or resume when the
 * run allows it and the user may (the server's refusal shown in place). Refreshes while the run is running.
 */
export default function PipelineRunPage({
  runId,
  query,
}: {
  runId: string;
  query: URLSearchParams;
}): ReactNode {
  const { state, refreshError, reload } = usePolling(
    (signal) => getRun(runId, signal),
    (d) => (stillMoving(d) ? refreshMs : undefined),
    [runId],
  );
  return (
    <section aria-labelledby="pipeline-run-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={hrefs.pipelines()}>Pipelines</a>
        {state.status === 'ok' && (
          <>
            {' / '}
            <a href={hrefs.pipeline(state.value.run.pipeline)}>{state.value.run.pipeline}</a>
            {' / '}
            <a href={hrefs.pipelineRuns({ pipeline: state.value.run.pipeline })}>runs</a>
          </>
        )}
      </nav>
      <h1 id="pipeline-run-title">
        Pipeline run <span className="mono">{runId}</span>
      </h1>
      {state.status === 'loading' && <Loading what="pipeline run" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not load the pipeline run" message={state.message} />
      )}
      {refreshError !== undefined && <ErrorMessage title="Could not refresh" message={refreshError} />}
      {state.status === 'ok' && <RunDetailsView details={state.value} query={query} reload={reload} />}
    </section>
  );
}

function RunDetailsView({
  details,
  query,
  reload,
}: {
  details: RunDetails;
  query: URLSearchParams;
  reload: () => void;
}): ReactNode {
  const { run, version, steps } = details;
  const [definition] = useAsync(
    (signal) => getDefinition(run.pipeline, version, signal),
    [run.pipeline, version],
  );
  const now = Date.now();
  const summaries = summarizeSteps(steps, now);
  const itemText = query.get('item');
  const selectedStep = query.get('step') ?? undefined;
  const selected =
    selectedStep === undefined
      ? undefined
      : steps.find(
          (s) => s.step === selectedStep && (itemText === null ? true : String(s.itemIndex) === itemText),
        );
  const params = Object.entries(run.params);
  return (
    <>
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <StatusText state={run.status} />
          {run.cancelRequested && run.status === 'running' && <span className="muted"> (cancelling)</span>}
        </dd>
        <dt>Pipeline</dt>
        <dd>
          <a href={hrefs.pipeline(run.pipeline, version)}>
            {run.pipeline} version {version}
          </a>
        </dd>
        <dt>Started</dt>
        <dd>
          <TimeText ms={run.createdAt} /> by {run.createdBy}
        </dd>
        <dt>Duration</dt>
        <dd>
          {formatDuration(Math.max(0, (run.endedAt ?? now) - run.createdAt))}
          {run.endedAt === null && ' so far'}
        </dd>
        {details.cost !== null && (
          <>
            <dt>Cost</dt>
            <dd data-testid="run-cost">
              <CostText total={details.cost} />
            </dd>
          </>
        )}
        {run.resumes > 0 && (
          <>
            <dt>Resumed</dt>
            <dd>{run.resumes}×</dd>
          </>
        )}
        <dt>MLflow run</dt>
        <dd>
          <a href={hrefs.run(run.experimentId, run.runId)}>{run.runId}</a>
        </dd>
        {params.length > 0 && (
          <>
            <dt>Parameters</dt>
            <dd className="mono">{params.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}</dd>
          </>
        )}
      </dl>
      {run.error !== null && <ErrorMessage title="The run failed" message={run.error} />}
      <RunActions details={details} reload={reload} />
      <ApprovalPanel details={details} reload={reload} />
      <h2>Steps</h2>
      {definition.status === 'error' && (
        <ErrorMessage title="Could not load the pipeline's steps" message={definition.message} />
      )}
      {definition.status === 'ok' && (
        <DagView
          steps={readPipelineDocument(definition.value.document).steps}
          summaries={summaries}
          selected={selectedStep}
          onSelect={(step) => {
            const first = steps.find((s) => s.step === step);
            window.location.hash = hrefs.pipelineRun(run.runId, step, first?.itemIndex ?? null);
          }}
          label={`The steps of run ${run.runId}: ${[...summaries.values()]
            .map((s) => `${s.name} ${s.state}`)
            .join(', ')}`}
        />
      )}
      <StepRunsTable details={details} selected={selected} now={now} />
      {selected !== undefined && (
        <StepLogs
          key={`${selected.step}[${selected.itemIndex ?? ''}]`}
          runId={run.runId}
          step={selected.step}
          itemIndex={selected.itemIndex}
        />
      )}
      {selectedStep !== undefined && selected === undefined && (
        <ErrorMessage
          message={`This run has no step ${selectedStep}${itemText === null ? '' : `[${itemText}]`}.`}
        />
      )}
    </>
  );
}

/** Cancel (a running run) and resume (a failed or cancelled one), offered to users who may run the pipeline. */
function RunActions({ details, reload }: { details: RunDetails; reload: () => void }): ReactNode {
  const who = useWhoAmI();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const { run } = details;
  if (!mayEdit(who, 'experiment', run.experimentId)) return null;
  const canCancel = run.status === 'running' && !run.cancelRequested;
  const canResume = run.status === 'failed' || run.status === 'cancelled';
  if (!canCancel && !canResume && error === undefined) return null;
  const act = async (action: 'cancel' | 'resume'): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await runAction(run.runId, action);
      reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="toolbar run-actions">
      {canCancel && (
        <button type="button" className="danger" disabled={busy} onClick={() => void act('cancel')}>
          Cancel run
        </button>
      )}
      {canResume && (
        <button type="button" disabled={busy} onClick={() => void act('resume')}>
          Resume from failed steps
        </button>
      )}
      {error !== undefined && <ErrorMessage title="Refused" message={error} />}
    </div>
  );
}

const stepName = (s: StepRun): string => `${s.step}${s.itemIndex === null ? '' : `[${s.itemIndex}]`}`;

function StepRunsTable({
  details,
  selected,
  now,
}: {
  details: RunDetails;
  selected: StepRun | undefined;
  now: number;
}): ReactNode {
  const { run, steps } = details;
  return (
    <table className="data-table" aria-label="Step runs">
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">State</th>
          <th scope="col">Attempt</th>
          <th scope="col">Started</th>
          <th scope="col">Duration</th>
          <th scope="col">Cache</th>
          <th scope="col">Exit code</th>
          <th scope="col">Reason</th>
          <th scope="col">Class</th>
          <th scope="col">Cost</th>
          <th scope="col">Saved</th>
          <th scope="col">MLflow run</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((s) => {
          const isSelected = s === selected;
          const duration = stepDuration(s, now);
          return (
            <tr key={stepName(s)} className={isSelected ? 'selected' : undefined} data-step={stepName(s)}>
              <th scope="row">
                <a
                  href={hrefs.pipelineRun(run.runId, s.step, s.itemIndex)}
                  aria-current={isSelected ? 'true' : undefined}
                  title={`Logs of ${stepName(s)}`}
                >
                  {stepName(s)}
                </a>
                {s.phase === 'exit' && <span className="badge">on exit</span>}
              </th>
              <td>
                <StatusText state={s.state} />
              </td>
              <td className="num">
                {s.attempt}
                {s.failureAttempts + s.preemptionAttempts > 0 && (
                  <span className="muted">
                    {' '}
                    ({s.failureAttempts} failed, {s.preemptionAttempts} preempted)
                  </span>
                )}
              </td>
              <td>{s.startedAt === null ? '—' : <TimeText ms={s.startedAt} />}</td>
              <td className="num">{duration === undefined ? '—' : formatDuration(duration)}</td>
              <td>
                {s.state === 'cached' ? (
                  <span
                    className="cache-hit"
                    title={s.cachedFrom === null ? undefined : `from ${s.cachedFrom}`}
                  >
                    ⚡ cache hit
                  </span>
                ) : (
                  '—'
                )}
              </td>
              <td className="num">{s.exitCode ?? '—'}</td>
              <td>{s.reason ?? ''}</td>
              <td>{s.cost.resourceClass ?? '—'}</td>
              <td className="num">
                {s.cost.wallMs === null && s.state !== 'cached' ? '—' : formatUsd(s.cost.costUsd)}
              </td>
              <td className="num">{s.cost.savedUsd === null ? '—' : formatUsd(s.cost.savedUsd)}</td>
              <td>
                {s.mlflowRunId === null ? (
                  '—'
                ) : (
                  <a href={hrefs.run(run.experimentId, s.mlflowRunId)} className="mono">
                    {s.mlflowRunId.slice(0, 12)}
                  </a>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
