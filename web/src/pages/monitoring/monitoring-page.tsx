import { useState, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { mayEdit, useWhoAmI } from '../../auth/auth-context';
import { formatDuration, formatNumber } from '../../components/format';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { AlertsTable } from './alerts-table';
import { DriftChart } from './drift-chart';
import { LongWindowView } from './long-window';
import {
  deleteMonitor,
  listAlerts,
  listMonitors,
  listResults,
  listSegments,
  type Monitor,
  type MonitorResult,
} from './monitoring-api';
import { MonitorForm } from './monitor-form';
import { ResultDetails } from './result-details';
import './monitoring.css';

/** Windows drawn and listed for the selected monitor (newest first from the API). */
const maxResults = 200;

const statusText = (s: MonitorResult['status']): string =>
  s === 'insufficient_data' ? 'insufficient data' : s;

/**
 * A registered model's monitoring, `#/models/<name>/monitoring?monitor=<id>&result=<id>`: its monitors
 * (target, preset, window, schedule, columns, last result), the selected monitor's windows over time (drift
 * share chart and table), a selected window's per-column verdict and full report, and the model's alerts.
 * Users who may edit the model create monitors here ("New monitor") and delete them.
 */
export default function MonitoringPage({ name, query }: { name: string; query: URLSearchParams }): ReactNode {
  const who = useWhoAmI();
  const editable = mayEdit(who, 'registered_model', name);
  // Deleting needs MANAGE on the model (the server decides; this only decides what is offered).
  const grant = who?.grants.find((g) => g.resourceType === 'registered_model' && g.resource === name);
  const deletable =
    who !== undefined &&
    (!who.authEnabled ||
      who.user?.isAdmin === true ||
      (grant?.permission ?? who.defaultPermission) === 'MANAGE');
  const [state, reload] = useAsync(
    async (signal) => {
      const [monitors, alerts] = await Promise.all([
        listMonitors(name, signal),
        listAlerts(name, { maxResults: 100 }, signal),
      ]);
      const latest = await Promise.all(monitors.map((m) => listResults(name, m.id, 1, signal)));
      return { monitors, alerts, latest: new Map(monitors.map((m, i) => [m.id, latest[i]?.[0]])) };
    },
    [name],
  );
  const selectedId =
    state.status === 'ok' ? (query.get('monitor') ?? state.value.monitors[0]?.id) : undefined;
  const selected = state.status === 'ok' ? state.value.monitors.find((m) => m.id === selectedId) : undefined;
  return (
    <section aria-labelledby="monitoring-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={hrefs.models()}>Models</a> / <a href={hrefs.model(name)}>{name}</a>
      </nav>
      <h1 id="monitoring-title">Monitoring of {name}</h1>
      {state.status === 'loading' && <Loading what="monitors" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not load the monitors" message={state.message} />
      )}
      {state.status === 'ok' && state.value.monitors.length === 0 && (
        <Empty>
          No monitors for this model.{' '}
          {editable
            ? 'Create one below or through the monitoring API (see docs/monitoring.md).'
            : 'They are created through the monitoring API (see docs/monitoring.md).'}
        </Empty>
      )}
      {state.status === 'ok' && state.value.monitors.length > 0 && (
        <>
          <p className="muted" role="status">
            {state.value.monitors.length} monitor{state.value.monitors.length === 1 ? '' : 's'}
          </p>
          <MonitorsTable
            name={name}
            monitors={state.value.monitors}
            latest={state.value.latest}
            selectedId={selectedId}
          />
        </>
      )}
      {state.status === 'ok' && editable && (
        <details className="new-monitor" open={state.value.monitors.length === 0}>
          <summary id="new-monitor-title">New monitor</summary>
          <MonitorForm
            modelName={name}
            onCreated={(monitor) => {
              window.location.hash = hrefs.monitoring(name, monitor.id);
              reload();
            }}
          />
        </details>
      )}
      {selected !== undefined && (
        <MonitorResults
          key={selected.id}
          name={name}
          monitor={selected}
          resultId={query.get('result')}
          {...(deletable
            ? {
                onDelete: () => {
                  window.location.hash = hrefs.monitoring(name);
                  reload();
                },
              }
            : {})}
        />
      )}
      {state.status === 'ok' && query.get('monitor') !== null && selected === undefined && (
        <ErrorMessage message={`This model has no monitor ${query.get('monitor') ?? ''}.`} />
      )}
      {state.status === 'ok' && (
        <>
          <h2 id="model-alerts-title">Alerts</h2>
          <AlertsTable alerts={state.value.alerts} labelledBy="model-alerts-title" showModel={false} />
        </>
      )}
    </section>
  );
}

function MonitorsTable({
  name,
  monitors,
  latest,
  selectedId,
}: {
  name: string;
  monitors: Monitor[];
  latest: Map<string, MonitorResult | undefined>;
  selectedId: string | undefined;
}): ReactNode {
  return (
    <table className="data-table" aria-label="Monitors">
      <thead>
        <tr>
          <th scope="col">Monitor</th>
          <th scope="col">Watches</th>
          <th scope="col">Preset</th>
          <th scope="col">Window</th>
          <th scope="col">Schedule</th>
          <th scope="col">Columns</th>
          <th scope="col">Last run</th>
          <th scope="col">Last result</th>
        </tr>
      </thead>
      <tbody>
        {monitors.map((m) => {
          const last = latest.get(m.id);
          return (
            <tr key={m.id} className={m.id === selectedId ? 'selected' : undefined}>
              <th scope="row">
                <a
                  href={hrefs.monitoring(name, m.id)}
                  aria-current={m.id === selectedId ? 'true' : undefined}
                >
                  {m.name}
                </a>
              </th>
              <td>{m.alias !== null ? `@${m.alias}` : `version ${m.version ?? '—'}`}</td>
              <td>{m.preset}</td>
              <td>{formatDuration(m.windowMs)}</td>
              <td>{m.scheduleMs === null ? 'on demand' : `every ${formatDuration(m.scheduleMs)}`}</td>
              <td>
                {m.columns === null ? 'all' : m.columns.join(', ')}
                {m.segmentBy !== null && <span className="muted"> · by {m.segmentBy}</span>}
              </td>
              <td>{m.lastRunAt === null ? 'never' : <TimeText ms={m.lastRunAt} />}</td>
              <td className={last === undefined ? '' : `result-${last.status}`}>
                {last === undefined
                  ? '—'
                  : `${statusText(last.status)}${last.drift === null ? '' : ` (drift share ${formatNumber(last.drift.driftShare)})`}`}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Deletes a monitor after the user confirms; the server's refusal is shown in place. */
function DeleteMonitor({
  name,
  monitor,
  onDeleted,
}: {
  name: string;
  monitor: Monitor;
  onDeleted: () => void;
}): ReactNode {
  const [error, setError] = useState<string>();
  const onClick = (): void => {
    if (!window.confirm(`Delete monitor “${monitor.name}” with its results and alerts?`)) return;
    setError(undefined);
    deleteMonitor(name, monitor.id).then(onDeleted, (err: unknown) => setError(errorMessage(err)));
  };
  return (
    <>
      <button type="button" className="danger" onClick={onClick}>
        Delete monitor
      </button>
      {error !== undefined && <ErrorMessage title="Refused" message={error} />}
    </>
  );
}

function MonitorResults({
  name,
  monitor,
  resultId,
  onDelete,
}: {
  name: string;
  monitor: Monitor;
  resultId: string | null;
  /** Offered to users who may edit the model. */
  onDelete?: () => void;
}): ReactNode {
  // With segment_by: the whole windows (undefined) or one segment's series.
  const [segment, setSegment] = useState<string>();
  const [segments] = useAsync(
    (signal) => (monitor.segmentBy === null ? Promise.resolve([]) : listSegments(name, monitor.id, signal)),
    [name, monitor.id, monitor.segmentBy],
  );
  const [state] = useAsync(
    (signal) => listResults(name, monitor.id, maxResults, signal, segment),
    [name, monitor.id, segment],
  );
  const selected =
    state.status === 'ok' ? (state.value.find((r) => r.id === resultId) ?? state.value[0]) : undefined;
  return (
    <section aria-labelledby="results-title">
      <div className="page-head">
        <h2 id="results-title">Results of {monitor.name}</h2>
        {onDelete !== undefined && <DeleteMonitor name={name} monitor={monitor} onDeleted={onDelete} />}
      </div>
      {monitor.segmentBy !== null && (
        <div className="toolbar segment-selector">
          <label htmlFor="segment-select">Segment ({monitor.segmentBy})</label>
          <select
            id="segment-select"
            value={segment ?? ''}
            onChange={(e) => setSegment(e.target.value === '' ? undefined : e.target.value)}
          >
            <option value="">whole window</option>
            {segments.status === 'ok' &&
              segments.value.map((s) => (
                <option key={s.segment} value={s.segment}>
                  {s.segment} ({s.windows} window{s.windows === 1 ? '' : 's'})
                </option>
              ))}
          </select>
        </div>
      )}
      {state.status === 'loading' && <Loading what="results" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not load the results" message={state.message} />
      )}
      {state.status === 'ok' && state.value.length === 0 && <Empty>This monitor has not run yet.</Empty>}
      {state.status === 'ok' && state.value.length > 0 && (
        <>
          <DriftChart results={state.value} />
          <table className="data-table" aria-label="Windows">
            <thead>
              <tr>
                <th scope="col">Window end</th>
                <th scope="col">Rows</th>
                <th scope="col">Labelled</th>
                <th scope="col">Drifted columns</th>
                <th scope="col">Drift share</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {state.value.map((r) => (
                <tr key={r.id} className={r.id === selected?.id ? 'selected' : undefined}>
                  <th scope="row">
                    <a
                      href={hrefs.monitoring(name, monitor.id, r.id)}
                      aria-current={r.id === selected?.id ? 'true' : undefined}
                    >
                      <TimeText ms={r.windowEnd} />
                    </a>
                  </th>
                  <td className="num">{r.rows}</td>
                  <td className="num">{r.labelledRows}</td>
                  <td className="num">
                    {r.drift === null ? '—' : `${r.drift.driftedColumns} of ${r.drift.testedColumns}`}
                  </td>
                  <td className="num">{r.drift === null ? '—' : formatNumber(r.drift.driftShare)}</td>
                  <td className={`result-${r.status}`}>{statusText(r.status)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {selected !== undefined && <ResultDetails modelName={name} result={selected} />}
          {segment === undefined && <LongWindowView modelName={name} monitorId={monitor.id} />}
        </>
      )}
    </section>
  );
}
