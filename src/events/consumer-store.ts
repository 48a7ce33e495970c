import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { ConsumerState, EventPosition } from './event-types.js';
import { outboxDialectOf } from './outbox-dialect.js';

type Db = Kysely<Database>;

function positionOf(row: { position_xact: number; position_id: number }): EventPosition {
  return { xact: Number(row.position_xact), id: Number(row.position_id) };
}

/**
 * SQL for `event_consumers`, one row per consumer holding the position of the last event it handled. Callers
 * check names, choose positions and hold the transactions; this file only reads and writes rows.
 *
 * Example: `const position = await consumerStore.claim(trx, 'webhooks');`
 */
export const consumerStore = {
  async exists(db: Db, name: string): Promise<boolean> {
    const row = await db
      .selectFrom('event_consumers')
      .select('name')
      .where('name', '=', name)
      .executeTakeFirst();
    return row !== undefined;
  },

  /** Inserts the consumer's row at `position`; a row that exists already (another process made it) is kept. */
  async insertIfAbsent(db: Db, name: string, position: EventPosition, now: number): Promise<void> {
    await db
      .insertInto('event_consumers')
      .values({ name, position_xact: position.xact, position_id: position.id, updated_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  },

  /** The consumer's position as last committed, without claiming anything; undefined if it has no row. */
  async position(db: Db, name: string): Promise<EventPosition | undefined> {
    const row = await db
      .selectFrom('event_consumers')
      .select(['position_xact', 'position_id'])
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? positionOf(row) : undefined;
  },

  /**
   * Claims the consumer's row for the transaction `trx` and answers its position (see `OutboxDialect.claim`);
   * undefined when another process holds it (PostgreSQL) or when it does not exist.
   */
  async claim(trx: Db, name: string): Promise<EventPosition | undefined> {
    const query = trx
      .selectFrom('event_consumers')
      .select(['position_xact', 'position_id'])
      .where('name', '=', name);
    const row = await outboxDialectOf(trx).claim(query).executeTakeFirst();
    return row ? positionOf(row) : undefined;
  },

  /** Moves the consumer to `position`; answers whether it had a row to move. */
  async setPosition(db: Db, name: string, position: EventPosition, now: number): Promise<boolean> {
    const result = await db
      .updateTable('event_consumers')
      .set({ position_xact: position.xact, position_id: position.id, updated_at: now })
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  /** Every consumer with its position and the number of committed events after it, by name. */
  async listWithPending(db: Db): Promise<ConsumerState[]> {
    const rows = await db
      .selectFrom('event_consumers as c')
      .select((eb) => [
        'c.name',
        'c.position_xact',
        'c.position_id',
        'c.updated_at',
        eb
          .selectFrom('event_outbox as e')
          .select((inner) => inner.fn.countAll<number | string>().as('n'))
          .where((inner) =>
            inner(
              inner.refTuple('e.xact_id', 'e.id'),
              '>',
              inner.refTuple('c.position_xact', 'c.position_id'),
            ),
          )
          .as('pending'),
      ])
      .orderBy('c.name')
      .execute();
    return rows.map((r) => ({
      name: r.name,
      position: positionOf(r),
      updatedAt: Number(r.updated_at),
      pending: Number(r.pending ?? 0),
    }));
  },
};
