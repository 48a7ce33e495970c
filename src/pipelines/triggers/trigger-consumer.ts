import type { EventConsumer } from '../../events/index.js';
import { registryEventTypes } from '../../registry/events/index.js';
import { alertEventStates } from './event-fields.js';
import type { TriggerService } from './trigger-service.js';

/** The trigger consumer's row in `event_consumers`. */
export const triggerConsumerName = 'pipeline-triggers';

/**
 * The event consumer that fires pipeline triggers: for each registry event and monitor alert, in the round's
 * transaction, it records the firings of the triggers the event matches (trigger-service.ts); `onRecorded` is
 * told after the round commits with new pending firings (the server's trigger loop then starts them). It starts
 * at the end of the outbox the first time: events recorded before triggers existed fire nothing.
 * Example: `new EventConsumerRunner({ handle, consumers: [triggerConsumer(triggers, () => triggers.wake())] })`.
 */
export function triggerConsumer(
  triggers: Pick<TriggerService, 'recordEvents'>,
  onRecorded?: () => void,
): EventConsumer {
  return {
    name: triggerConsumerName,
    start: 'end',
    types: [...registryEventTypes, ...Object.keys(alertEventStates)],
    async handle(trx, events, round) {
      const pending = await triggers.recordEvents(trx, events);
      if (pending > 0 && onRecorded !== undefined) await round.afterCommit(onRecorded);
    },
  };
}
