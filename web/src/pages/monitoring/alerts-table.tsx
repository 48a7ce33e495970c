import type { ReactNode } from 'react';
import { TimeText } from '../../components/time-text';
import { Empty } from '../../components/status';
import { hrefs } from '../../router/routes';
import type { Alert } from './monitoring-api';

/** Alerts, newest first: state, model and monitor (linked when `showModel`), condition, message, when. */
export function AlertsTable({
  alerts,
  labelledBy,
  showModel,
}: {
  alerts: Alert[];
  labelledBy: string;
  showModel: boolean;
}): ReactNode {
  if (alerts.length === 0) return <Empty>No alerts.</Empty>;
  return (
    <table className="data-table alerts-table" aria-labelledby={labelledBy}>
      <thead>
        <tr>
          <th scope="col">State</th>
          {showModel && <th scope="col">Model</th>}
          <th scope="col">Monitor</th>
          <th scope="col">Condition</th>
          <th scope="col">Message</th>
          <th scope="col">Fired</th>
          <th scope="col">Resolved</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((a) => (
          <tr key={a.id}>
            <td className={`alert-${a.state}`}>{a.state}</td>
            {showModel && (
              <td>
                <a href={hrefs.monitoring(a.modelName)}>{a.modelName}</a>
              </td>
            )}
            <td>
              <a href={hrefs.monitoring(a.modelName, a.monitorId)}>{a.monitorName}</a>
            </td>
            <td>
              {a.condition}
              {a.segment !== null && <span className="muted"> (segment {a.segment})</span>}
            </td>
            <td>{a.message}</td>
            <td>
              <TimeText ms={a.firedAt} />
            </td>
            <td>{a.resolvedAt === null ? '—' : <TimeText ms={a.resolvedAt} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
