import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseHandle } from './engine.js';
import type { Database } from './schema.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** bigint columns hold epoch milliseconds and steps; they fit in a double, so parse them as numbers. */
function typeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
  return pg.types.getTypeParser(oid, format as 'text');
}

export function openPostgres(uri: string, poolSize = 10): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: uri, max: poolSize, types: { getTypeParser: typeParser } });
  // An idle connection closed by the server (restart, pg_terminate_backend) emits 'error' on the pool; pg has
  // already dropped that client, and the next query opens a new one. Unhandled, the event would kill the process.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const url = new URL(uri);
  return {
    db,
    engine: 'postgres',
    autoIncrementType: 'serial',
    description: `postgresql://${url.host}${url.pathname}`,
    close: () => db.destroy(),
  };
}
