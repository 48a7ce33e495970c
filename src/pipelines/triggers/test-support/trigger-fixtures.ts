import type { Kysely } from 'kysely';
import type { Database, DatabaseHandle } from '../../../db/index.js';
import { EventConsumerRunner, EventOutbox, type NewEvent } from '../../../events/index.js';
import { platformEventTypes, type PlatformEvents } from '../../../platform/platform-catalogue.js';

type PlatformEventType = keyof PlatformEvents & string;
import { PipelineStore } from '../../store/pipeline-store.js';
import { triggerConsumer } from '../trigger-consumer.js';
import { TriggerService } from '../trigger-service.js';
import type { TriggerContextSource } from '../trigger-context.js';
import type { TriggerStarter } from '../trigger-types.js';

/** The `evaluate` pipeline the trigger tests start: a model name and an integer version, and a threshold. */
export const evaluateSpec = {
  apiVersion: 'bosun.dev/v1',
  kind: 'Pipeline',
  name: 'evaluate',
  params: {
    model_name: { type: 'string' },
    version: { type: 'int' },
    threshold: { type: 'float', default: 0.8 },
  },
  steps: { score: { command: ['true'] } },
};

/** A starter that records what it was asked to start and answers `<prefix>-<n>` as the run id. */
export function recordingStarter(prefix = 'run'): TriggerStarter & { calls: Record<string, unknown>[] } {
  const calls: Record<string, unknown>[] = [];
  return {
    calls,
    start(input) {
      calls.push(input.params);
      return Promise.resolve(`${prefix}-${calls.length}`);
    },
  };
}

/** Trigger service, outbox and a runner with the trigger consumer over one test database. */
export async function triggerFixture(
  handle: DatabaseHandle,
  starter: TriggerStarter,
  owner = 'test',
  context?: TriggerContextSource,
): Promise<{
  triggers: TriggerService;
  runner: EventConsumerRunner;
  store: PipelineStore;
  /** Appends one platform event in its own transaction. */
  append(event: NewEvent<PlatformEventType>): Promise<void>;
}> {
  const store = new PipelineStore(handle);
  await store.define({
    name: 'evaluate',
    spec: evaluateSpec,
    digest: 'evaluate-v1',
    codeDir: undefined,
    experimentId: '0',
    createdBy: 'alice',
    now: 1,
  });
  const triggers = new TriggerService({
    handle,
    definitions: store,
    starter,
    now: () => Date.now(),
    owner,
    ...(context !== undefined ? { context } : {}),
  });
  const outbox = new EventOutbox({ handle, types: platformEventTypes });
  const runner = new EventConsumerRunner({ handle, consumers: [triggerConsumer(triggers)] });
  // The consumer starts at the end of the outbox: place it before the test's events.
  await runner.drain();
  return {
    triggers,
    runner,
    store,
    async append(event) {
      await handle.db.transaction().execute((trx: Kysely<Database>) => outbox.append(trx, event));
    },
  };
}
