import pg from 'pg';
import { sql } from 'kysely';
import type { DatabaseHandle } from '../../db/index.js';

/** A step attempt was queued (server → workers) or ended (worker → server). */
export type WorkerSignal = 'bosun_step_queued' | 'bosun_step_done';

/**
 * PostgreSQL LISTEN/NOTIFY between the server and the workers, so that a queued step is taken and a finished one
 * noticed at once rather than at the next poll. Only a shortcut: both sides still poll, so a lost notification (a
 * dropped connection, a restart) only costs a poll interval.
 */
export class WorkerSignals {
  #client: pg.Client | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly channel: WorkerSignal,
    private readonly onSignal: () => void,
  ) {}

  /** Starts listening (in the background; a failure retries every few seconds). */
  listen(): void {
    if (this.#closed || this.#client !== undefined) return;
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: 'bosun-signals',
    });
    this.#client = client;
    const again = () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      void client.end().catch(() => undefined);
      if (this.#closed) return;
      this.#retry = setTimeout(() => this.listen(), 3000);
      this.#retry.unref();
    };
    client.on('error', again);
    client.on('end', again);
    client.on('notification', () => this.onSignal());
    client
      .connect()
      .then(() => client.query(`LISTEN ${this.channel}`))
      .catch(again);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}

/** Sends a signal through the database's pool (never fails the caller: polling covers a lost one). */
export async function notify(db: DatabaseHandle['db'], channel: WorkerSignal): Promise<void> {
  await sql`select pg_notify(${channel}, '')`.execute(db).catch(() => undefined);
}
