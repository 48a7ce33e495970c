import type { ReactNode } from 'react';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { listTriggers, type PipelineTrigger, type TriggerFiring } from './triggers-api';

const kindNames: Record<string, string> = {
  registry_event: 'registry event',
  monitoring_alert: 'monitoring alert',
  webhook: 'webhook',
};

/** A trigger's filter in one line: `event_types=model_version.created · model_name=churn`. */
function filterText(filter: Record<string, unknown>): string {
  const parts = Object.entries(filter).map(
    ([k, v]) =>
      `${k}=${Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
  );
  return parts.length === 0 ? '—' : parts.join(' · ');
}

/**
 * The triggers section of a pipeline's page: what starts its runs (registry events, monitoring alerts, webhook
 * calls from CI), each with its most recent firings and the runs they started (or why they did not).
 */
export function PipelineTriggers({ pipeline }: { pipeline: string }): ReactNode {
  const [state] = useAsync((signal) => listTriggers(pipeline, signal), [pipeline]);
  return (
    <section aria-labelledby="pipeline-triggers-title">
      <h2 id="pipeline-triggers-title">Triggers</h2>
      {state.status === 'loading' && <Loading what="triggers" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not load the triggers" message={state.message} />
      )}
      {state.status === 'ok' && state.value.length === 0 && (
        <Empty>No trigger starts this pipeline (see `bosun pipeline trigger create`).</Empty>
      )}
      {state.status === 'ok' && state.value.length > 0 && (
        <>
          <TriggersTable triggers={state.value.map((t) => t.trigger)} />
          <FiringsTable
            firings={state.value.flatMap((t) => t.firings).sort((a, b) => b.createdAt - a.createdAt)}
          />
        </>
      )}
    </section>
  );
}

function TriggersTable({ triggers }: { triggers: PipelineTrigger[] }): ReactNode {
  return (
    <table className="data-table" aria-label="Triggers">
      <thead>
        <tr>
          <th scope="col">Trigger</th>
          <th scope="col">On</th>
          <th scope="col">Filter</th>
          <th scope="col">Parameters</th>
          <th scope="col">Enabled</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {triggers.map((t) => (
          <tr key={t.name}>
            <th scope="row">{t.name}</th>
            <td>{kindNames[t.kind] ?? t.kind}</td>
            <td className="mono">{filterText(t.filter)}</td>
            <td className="mono">{Object.keys(t.params).length === 0 ? '—' : JSON.stringify(t.params)}</td>
            <td>{t.enabled ? 'yes' : 'no'}</td>
            <td>
              <TimeText ms={t.createdAt} /> by {t.createdBy}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function FiringsTable({ firings }: { firings: TriggerFiring[] }): ReactNode {
  if (firings.length === 0) return <Empty>No trigger has fired yet.</Empty>;
  return (
    <table className="data-table" aria-label="Recent firings">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Trigger</th>
          <th scope="col">Event</th>
          <th scope="col">State</th>
          <th scope="col">Run</th>
        </tr>
      </thead>
      <tbody>
        {firings.map((f) => (
          <tr key={`${f.trigger}/${f.eventKey}`}>
            <td>
              <TimeText ms={f.createdAt} />
            </td>
            <td>{f.trigger}</td>
            <td className="mono">{f.eventKey}</td>
            <td>{f.state}</td>
            <td>
              {f.runId !== null ? (
                <a href={hrefs.pipelineRun(f.runId)}>{f.runId.slice(0, 12)}</a>
              ) : (
                <span className="muted">{f.error ?? '—'}</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
