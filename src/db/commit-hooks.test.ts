import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from './test-support/test-databases.js';

class Rollback extends Error {}

describe.each(testEngines)('afterCommit on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(engine);
  });
  afterAll(async () => database.dispose());

  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

  it('runs once the transaction has committed, when its writes are visible to others', async () => {
    const { db, afterCommit } = database.handle;
    const seen: string[] = [];
    let visibleThen: unknown[] | undefined;
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('event_consumers')
        .values({ name: 'hooked', position_xact: 0, position_id: 0, updated_at: 1 })
        .execute();
      await afterCommit(trx, () => {
        seen.push('committed');
        // Read on another connection (PostgreSQL) or after the transaction released the only one (SQLite).
        visibleThen = [];
        void db
          .selectFrom('event_consumers')
          .select('name')
          .where('name', '=', 'hooked')
          .execute()
          .then((rows) => (visibleThen = rows));
      });
      await tick();
      seen.push('still inside');
    });
    seen.push('execute resolved');
    await tick();
    await tick();
    expect(seen).toEqual(['still inside', 'committed', 'execute resolved']);
    await expect.poll(() => visibleThen).toEqual([{ name: 'hooked' }]);
  });

  it('never runs when the transaction rolls back, nor on the next transaction of the same connection', async () => {
    const { db, afterCommit } = database.handle;
    let runs = 0;
    await expect(
      db.transaction().execute(async (trx) => {
        await afterCommit(trx, () => runs++);
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    await db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
    });
    await tick();
    expect(runs).toBe(0);
  });

  it('outside a transaction (the write has committed already), runs at once', async () => {
    let runs = 0;
    await database.handle.afterCommit(database.handle.db, () => runs++);
    await tick();
    expect(runs).toBe(1);
  });

  it('keeps the callbacks of concurrent transactions apart', async () => {
    const { db, afterCommit } = database.handle;
    const order: string[] = [];
    let releaseFirst!: () => void;
    const firstMayCommit = new Promise<void>((resolve) => (releaseFirst = resolve));
    const first = db.transaction().execute(async (trx) => {
      await afterCommit(trx, () => order.push('first'));
      await firstMayCommit;
    });
    // On SQLite this waits for the first (one connection); on PostgreSQL it commits while the first is open.
    const second = db.transaction().execute(async (trx) => {
      await afterCommit(trx, () => order.push('second'));
    });
    if (engine === 'postgres') {
      await second;
      expect(order).toEqual(['second']);
    }
    releaseFirst();
    await Promise.all([first, second]);
    expect([...order].sort()).toEqual(['first', 'second']);
  });
});
