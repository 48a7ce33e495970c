import { Kysely, PostgresDialect, type Driver, type PostgresDialectConfig } from 'kysely';
import pg from 'pg';
import { CommitHooks, withCommitHooks } from './commit-hooks.js';
import type { DatabaseHandle } from './engine.js';
import type { Database } from './schema.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** bigint columns hold epoch milliseconds and steps; they fit in a double, so parse them as numbers. */
function typeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
  return pg.types.getTypeParser(oid, format as 'text');
}

/** Kysely's PostgreSQL dialect, with commit hooks (see commit-hooks.ts). */
class BosunPostgresDialect extends PostgresDialect {
  constructor(
    config: PostgresDialectConfig,
    private readonly hooks: CommitHooks,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return withCommitHooks(super.createDriver(), this.hooks);
  }
}

export function openPostgres(uri: string, poolSize = 10): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: uri, max: poolSize, types: { getTypeParser: typeParser } });
  // An idle connection closed by the server (restart, pg_terminate_backend) emits 'error' on the pool; pg has
  // already dropped that client, and the next query opens a new one. Unhandled, the event would kill the process.
  pool.on('error', () => undefined);
  const hooks = new CommitHooks();
  const db = new Kysely<Database>({ dialect: new BosunPostgresDialect({ pool }, hooks) });
  const url = new URL(uri);
  return {
    db,
    engine: 'postgres',
    autoIncrementType: 'serial',
    afterCommit: (trx, fn) => hooks.afterCommit(trx, fn),
    description: `postgresql://${url.host}${url.pathname}`,
    close: () => db.destroy(),
  };
}
