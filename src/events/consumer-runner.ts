import type { Kysely } from 'kysely';
import type { Database, DatabaseHandle } from '../db/index.js';
import { type Clock, systemClock } from '../shared/index.js';
import { EventConsumers, checkConsumerName, type ConsumerStart } from './event-consumers.js';
import { isBefore, type EventPosition, type OutboxEvent } from './event-types.js';
import { lastCommittedPosition, lastReadablePosition, readEventsAfter } from './outbox-reads.js';

/** What a consumer may do besides writing in the round's transaction. */
export interface ConsumerRound {
  /** Runs `fn` once the round's transaction has committed (to wake whoever acts on what it wrote). */
  afterCommit(fn: () => void): Promise<void>;
}

/**
 * Something that handles outbox events, each exactly once: `handle` gets the next batch, in consumer order,
 * inside the transaction that then moves the consumer's position past it. It must only write to the database
 * (a throw rolls the round back and the same batch comes again next round); slow work such as HTTP calls goes
 * through a queue of its own (webhook deliveries), since an open round holds back every consumer's horizon on
 * PostgreSQL.
 */
export interface EventConsumer {
  /** Its row in `event_consumers` (lower-case letters, digits, `.`, `_`, `-`). */
  readonly name: string;
  /** Where it starts the first time it runs on a database. */
  readonly start: ConsumerStart;
  /** Only events of these types (absent: all). */
  readonly types?: readonly string[];
  handle(trx: Kysely<Database>, events: readonly OutboxEvent[], round: ConsumerRound): Promise<void>;
}

export interface ConsumerRunnerOptions {
  handle: Pick<DatabaseHandle, 'db' | 'afterCommit'>;
  consumers: readonly EventConsumer[];
  /** Events per round and consumer. */
  batchSize?: number;
  /** Pause between rounds when nothing woke the runner. */
  pollIntervalMs?: number;
  clock?: Clock;
  /** Told about rounds that failed (database unavailable, handler error); the runner keeps going. */
  onError?: (err: unknown, consumer: string) => void;
}

/** What one round of one consumer did. */
export interface RoundResult {
  /** Events handed to the consumer. */
  handled: number;
  /** Whether more readable events may be waiting (the round stopped at its batch size). */
  more: boolean;
  /**
   * Whether committed events after its position are not readable yet (PostgreSQL: an older transaction is
   * still writing): they will be soon, so the runner looks again shortly rather than at its next poll.
   */
  waiting: boolean;
}

const idle: RoundResult = { handled: 0, more: false, waiting: false };
/** First pause while events wait for older transactions; doubled up to the poll interval. */
const firstWaitMs = 5;

/**
 * Runs event consumers: a round every `pollIntervalMs`, at once when `wake()` is called (the outbox's
 * `onCommitted` after a local commit), and again shortly (5 ms, doubling) while committed events wait for
 * older transactions to end (PostgreSQL, see outbox-dialect.ts). A round of one consumer: a cheap check for
 * readable events after its position; if there are, in one transaction, claim its row (skipped if another
 * process holds it), read the next batch, hand it to the consumer, move the position, commit. Several
 * processes may each run one.
 * Example: `const runner = new EventConsumerRunner({ handle, consumers: [fanOut] }); outbox.onCommitted(() =>
 * runner.wake()); runner.start(); ... await runner.stop();`
 */
export class EventConsumerRunner {
  private readonly positions: EventConsumers;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly ensured = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private started = false;
  private woken = false;
  private waitMs = firstWaitMs;

  constructor(private readonly options: ConsumerRunnerOptions) {
    const names = new Set<string>();
    for (const consumer of options.consumers) {
      checkConsumerName(consumer.name);
      if (names.has(consumer.name)) throw new Error(`Two event consumers are named '${consumer.name}'`);
      names.add(consumer.name);
    }
    this.positions = new EventConsumers(options.handle.db, options.clock ?? systemClock);
    this.batchSize = options.batchSize ?? 200;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
  }

  /** Runs rounds until `stop()`. The timer does not keep the process alive. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /** Stops the timer and waits for the rounds in progress. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs a round soon (after the one in progress, if any). */
  wake(): void {
    this.woken = true;
    if (this.started && !this.running) this.schedule(0);
  }

  /** One round of every consumer; returns how many events they handled in all. */
  async runOnce(): Promise<number> {
    let handled = 0;
    for (const consumer of this.options.consumers) handled += (await this.round(consumer)).handled;
    return handled;
  }

  /** Rounds until no consumer has a readable event left (for tests and tools); returns the events handled. */
  async drain(): Promise<number> {
    let handled = 0;
    for (const consumer of this.options.consumers) {
      for (;;) {
        const result = await this.round(consumer);
        handled += result.handled;
        if (!result.more) break;
      }
    }
    return handled;
  }

  /** One round of one consumer (see the class comment). */
  async round(consumer: EventConsumer): Promise<RoundResult> {
    const { db } = this.options.handle;
    await this.ensure(consumer);
    // Outside a transaction first: an idle round takes no lock and writes nothing.
    const seen = await this.positions.position(db, consumer.name);
    if (!seen) return idle;
    if (!isBefore(seen, await lastReadablePosition(db))) {
      return { ...idle, waiting: isBefore(seen, await lastCommittedPosition(db)) };
    }
    return db.transaction().execute(async (trx): Promise<RoundResult> => {
      const position = await this.positions.claim(trx, consumer.name);
      if (!position) return idle;
      const upTo = await lastReadablePosition(trx);
      if (!isBefore(position, upTo)) return idle;
      const events = await readEventsAfter(trx, position, {
        upTo,
        limit: this.batchSize,
        types: consumer.types,
      });
      if (events.length > 0) {
        await consumer.handle(trx, events, {
          afterCommit: (fn) => this.options.handle.afterCommit(trx, fn),
        });
      }
      const full = events.length === this.batchSize;
      // Short of a full batch, every event up to `upTo` has been read: those of other types are skipped too.
      const next: EventPosition = full ? (events.at(-1)?.position ?? upTo) : upTo;
      await this.positions.advance(trx, consumer.name, next);
      return { handled: events.length, more: full, waiting: false };
    });
  }

  private ensure(consumer: EventConsumer): Promise<void> {
    let done = this.ensured.get(consumer.name);
    if (!done) {
      done = this.positions.ensure(consumer.name, consumer.start);
      // A failure (database unavailable) is retried by the next round.
      done.catch(() => this.ensured.delete(consumer.name));
      this.ensured.set(consumer.name, done);
    }
    return done;
  }

  private schedule(delayMs: number): void {
    if (!this.started) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.woken = false;
      const round = this.tick();
      this.running = round;
      void round.then(({ more, waiting }) => {
        this.running = undefined;
        if (more || this.woken) return this.schedule(0);
        if (!waiting) return this.schedule(this.pollIntervalMs);
        this.schedule(Math.min(this.waitMs, this.pollIntervalMs));
        this.waitMs = Math.min(this.waitMs * 2, this.pollIntervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** One round of every consumer: whether one of them may have more readable events, or waits for some. */
  private async tick(): Promise<{ more: boolean; waiting: boolean }> {
    let more = false;
    let waiting = false;
    for (const consumer of this.options.consumers) {
      try {
        const result = await this.round(consumer);
        more ||= result.more;
        waiting ||= result.waiting;
      } catch (err) {
        this.options.onError?.(err, consumer.name);
      }
    }
    if (!waiting) this.waitMs = firstWaitMs;
    return { more, waiting };
  }
}
