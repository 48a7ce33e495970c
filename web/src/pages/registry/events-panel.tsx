import type { ReactNode } from 'react';
import {
  listDeliveries,
  listRegistryEvents,
  listWebhooks,
  type RegistryEvent,
  type Webhook,
  type WebhookDelivery,
} from '../../api/governance';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';

/** A short reading of an event's payload: the stage or alias it moved, or why a promotion was refused. */
function eventSummary(event: RegistryEvent): string {
  const p = event.payload;
  const parts: string[] = [];
  for (const key of ['alias', 'from_stage', 'to_stage', 'stage', 'target', 'status', 'decision']) {
    const value = p[key];
    if (typeof value === 'string' || typeof value === 'number') parts.push(`${key}: ${value}`);
  }
  if (Array.isArray(p.unmet)) parts.push(`unmet: ${p.unmet.map(String).join('; ')}`);
  return parts.join(' · ');
}

/**
 * The registry events of a version, newest first, and (for users who manage webhooks) the webhook deliveries
 * of those events: status and attempts.
 */
export function EventsPanel({
  name,
  version,
  showDeliveries,
  changes = 0,
}: {
  name: string;
  version: string;
  showDeliveries: boolean;
  /** Changes when something on the page made events: the list loads again. */
  changes?: number;
}): ReactNode {
  const [state] = useAsync(
    async (signal) => {
      const events = await listRegistryEvents(name, version, signal);
      let deliveries: { webhook: Webhook; delivery: WebhookDelivery }[] = [];
      if (showDeliveries) {
        const ids = new Set(events.map((e) => e.id));
        const webhooks = await listWebhooks(name, signal);
        const lists = await Promise.all(webhooks.map((w) => listDeliveries(w.id, signal)));
        deliveries = webhooks.flatMap((webhook, i) =>
          (lists[i] ?? []).filter((d) => ids.has(d.eventId)).map((delivery) => ({ webhook, delivery })),
        );
      }
      return { events, deliveries };
    },
    [name, version, showDeliveries, changes],
  );
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Registry events</h2>
      {state.status === 'loading' && <Loading what="events" />}
      {state.status === 'error' && <ErrorMessage title="Could not load events" message={state.message} />}
      {state.status === 'ok' &&
        (state.value.events.length === 0 ? (
          <Empty>No events for this version.</Empty>
        ) : (
          <table className="data-table" aria-labelledby="events-title">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">By</th>
                <th scope="col">When</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {state.value.events.map((e) => (
                <tr key={e.id}>
                  <td className="mono">{e.type}</td>
                  <td>{e.actor ?? '—'}</td>
                  <td>
                    <TimeText ms={e.createdAt} />
                  </td>
                  <td>{eventSummary(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {showDeliveries && state.status === 'ok' && (
        <>
          <h3 id="deliveries-title">Webhook deliveries ({state.value.deliveries.length})</h3>
          {state.value.deliveries.length === 0 ? (
            <Empty>No webhook delivery for these events.</Empty>
          ) : (
            <table className="data-table" aria-labelledby="deliveries-title">
              <thead>
                <tr>
                  <th scope="col">Webhook</th>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last answer</th>
                </tr>
              </thead>
              <tbody>
                {state.value.deliveries.map(({ webhook, delivery }) => (
                  <tr key={`${webhook.id}-${delivery.id}`}>
                    <td className="mono">{webhook.url}</td>
                    <td className="mono">{delivery.eventType}</td>
                    <td>{delivery.status}</td>
                    <td className="num">{delivery.attempts}</td>
                    <td>
                      {delivery.lastStatusCode !== undefined ? `HTTP ${delivery.lastStatusCode}` : ''}
                      {delivery.lastError !== undefined ? ` ${delivery.lastError}` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
