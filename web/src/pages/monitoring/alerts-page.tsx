import type { ReactNode } from 'react';
import { ErrorMessage, Loading } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { routeHref } from '../../router/routes';
import { AlertsTable } from './alerts-table';
import { listAlerts } from './monitoring-api';
import './monitoring.css';

const maxAlerts = 500;
const states = ['all', 'firing', 'resolved'] as const;
type StateFilter = (typeof states)[number];

/**
 * Every alert of the models the user may read (`#/alerts`, `?state=firing|resolved`), newest first, each
 * linking to its model's monitoring page.
 */
export default function AlertsPage({ query }: { query: URLSearchParams }): ReactNode {
  const raw = query.get('state');
  const filter: StateFilter = raw === 'firing' || raw === 'resolved' ? raw : 'all';
  const [state] = useAsync(
    (signal) =>
      listAlerts(
        undefined,
        { maxResults: maxAlerts, ...(filter === 'all' ? {} : { state: filter }) },
        signal,
      ),
    [filter],
  );
  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Monitoring alerts</h1>
      <nav aria-label="Alert state" className="tabs">
        {states.map((s) => (
          <a
            key={s}
            href={routeHref({ page: 'alerts', query: new URLSearchParams(s === 'all' ? {} : { state: s }) })}
            aria-current={s === filter ? 'page' : undefined}
          >
            {s === 'all' ? 'All' : s === 'firing' ? 'Firing' : 'Resolved'}
          </a>
        ))}
      </nav>
      {state.status === 'loading' && <Loading what="alerts" />}
      {state.status === 'error' && <ErrorMessage title="Could not load the alerts" message={state.message} />}
      {state.status === 'ok' && (
        <>
          <p className="muted" role="status">
            {state.value.length} alert{state.value.length === 1 ? '' : 's'}
            {state.value.length > 0 && ` (${state.value.filter((a) => a.state === 'firing').length} firing)`}
          </p>
          <AlertsTable alerts={state.value} labelledBy="alerts-title" showModel />
        </>
      )}
    </section>
  );
}
