import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { EventConsumerRunner } from '../consumer-runner.js';
import { EventConsumers } from '../event-consumers.js';
import { isBefore } from '../event-types.js';
import { lastCommittedPosition, lastReadablePosition } from '../outbox-reads.js';

export { lastCommittedPosition };

const deadlineMs = 30_000;
const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

/**
 * Waits until consumers may read every event committed so far. On PostgreSQL an event becomes readable once
 * every transaction that was writing when it committed has ended, in any database of the cluster (other test
 * files run alongside), so this may take a moment; on SQLite it is immediate.
 */
export async function untilReadable(db: Kysely<Database>): Promise<void> {
  const target = await lastCommittedPosition(db);
  const deadline = Date.now() + deadlineMs;
  while (isBefore(await lastReadablePosition(db), target)) {
    if (Date.now() > deadline) throw new Error('events did not become readable in 30 s');
    await pause();
  }
}

/**
 * Runs `runner`'s rounds until each named consumer has reached the last event committed so far; returns how
 * many events were handled meanwhile.
 */
export async function catchUp(
  runner: EventConsumerRunner,
  db: Kysely<Database>,
  names: readonly string[],
): Promise<number> {
  const target = await lastCommittedPosition(db);
  const positions = new EventConsumers(db);
  const deadline = Date.now() + deadlineMs;
  let handled = 0;
  for (;;) {
    handled += await runner.drain();
    const at = await Promise.all(names.map((name) => positions.position(db, name)));
    if (at.every((p) => p !== undefined && !isBefore(p, target))) return handled;
    if (Date.now() > deadline) throw new Error(`consumers ${names.join(', ')} did not catch up in 30 s`);
    await pause();
  }
}
