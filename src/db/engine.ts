import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Which SQL engine sits behind a handle. Only files in `db/` look at it. */
export type Engine = 'sqlite' | 'postgres';

/**
 * An open database: the Kysely instance every store uses, plus the few facts that differ per engine.
 * Example: `const handle = await openDatabase('sqlite:///tmp/bosun.db'); await migrateToLatest(handle);`
 */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  /** Column type of an auto-incrementing integer primary key on this engine. */
  readonly autoIncrementType: 'integer' | 'serial';
  /** Human-readable location for logs, without credentials. */
  readonly description: string;
  close(): Promise<void>;
}
