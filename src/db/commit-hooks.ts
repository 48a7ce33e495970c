import type { DatabaseConnection, Driver, Kysely, TransactionSettings } from 'kysely';

/**
 * Callbacks to run once a transaction has committed, kept per connection: a transaction owns its connection
 * from BEGIN to COMMIT or ROLLBACK, so the connection identifies it. The drivers of both engines call
 * `begun`, `committed` and `rolledBack` (see `withCommitHooks`); `afterCommit` registers a callback from
 * inside a transaction. Used to wake event consumers as soon as the events they wait for are visible.
 */
export class CommitHooks {
  private readonly pending = new WeakMap<DatabaseConnection, (() => void)[]>();

  /**
   * Runs `fn` after the transaction `db` commits (never if it rolls back). Outside a transaction the write
   * has already committed, so `fn` runs at once (a microtask). `fn` must not throw; it runs after COMMIT
   * returned, before the transaction's `execute()` resolves, and should only schedule work.
   */
  async afterCommit<DB>(db: Kysely<DB>, fn: () => void): Promise<void> {
    if (!db.isTransaction) {
      queueMicrotask(fn);
      return;
    }
    // A transaction's executor hands out the one connection the transaction runs on.
    await db.getExecutor().provideConnection(async (connection) => {
      const list = this.pending.get(connection) ?? [];
      list.push(fn);
      this.pending.set(connection, list);
    });
  }

  begun(connection: DatabaseConnection): void {
    // Left over by a transaction whose end the driver never reported (a broken connection): dropped.
    this.pending.delete(connection);
  }

  committed(connection: DatabaseConnection): void {
    const list = this.pending.get(connection);
    this.pending.delete(connection);
    for (const fn of list ?? []) {
      try {
        fn();
      } catch {
        // A callback only schedules work; its failure must not turn a commit into an error.
      }
    }
  }

  rolledBack(connection: DatabaseConnection): void {
    this.pending.delete(connection);
  }
}

/**
 * Wraps a Kysely driver so that `hooks` learn when each transaction begins, commits and rolls back. Savepoint
 * calls pass through (a callback registered inside a savepoint that is rolled back still runs if the outer
 * transaction commits; callbacks only wake work that re-reads the database, so that is harmless).
 */
export function withCommitHooks(driver: Driver, hooks: CommitHooks): Driver {
  const wrapped: Driver = {
    init: () => driver.init(),
    acquireConnection: () => driver.acquireConnection(),
    async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
      hooks.begun(connection);
      await driver.beginTransaction(connection, settings);
    },
    async commitTransaction(connection: DatabaseConnection) {
      try {
        await driver.commitTransaction(connection);
      } catch (err) {
        hooks.rolledBack(connection);
        throw err;
      }
      hooks.committed(connection);
    },
    async rollbackTransaction(connection: DatabaseConnection) {
      hooks.rolledBack(connection);
      await driver.rollbackTransaction(connection);
    },
    releaseConnection: (connection) => driver.releaseConnection(connection),
    destroy: () => driver.destroy(),
  };
  if (driver.savepoint) wrapped.savepoint = driver.savepoint.bind(driver);
  if (driver.rollbackToSavepoint) wrapped.rollbackToSavepoint = driver.rollbackToSavepoint.bind(driver);
  if (driver.releaseSavepoint) wrapped.releaseSavepoint = driver.releaseSavepoint.bind(driver);
  return wrapped;
}
