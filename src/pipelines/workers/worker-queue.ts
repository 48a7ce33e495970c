import PgBoss from 'pg-boss';
import { queueRequirement, type StepRequirement } from './worker-labels.js';

/** The schema pg-boss keeps its jobs in (created on first start, beside Bosun's tables). */
export const QUEUE_SCHEMA = 'bosun_queue';

/** A job as a worker fetched it. */
export interface FetchedJob {
  id: string;
  queue: string;
  data: unknown;
}

/**
 * The step queue on PostgreSQL, through pg-boss: one queue per distinct step requirement (see `queueName`),
 * jobs sent by the server and fetched by the workers with `SKIP LOCKED`, each fetched by exactly one worker.
 * pg-boss retries nothing here (retryLimit 0): whether an attempt is run again is the run driver's decision,
 * under the step's retry budgets.
 */
export class StepQueue {
  readonly #boss: PgBoss;
  readonly #queues = new Map<string, Promise<void>>();
  #started: Promise<void> | undefined;

  /** `maintenance`: whether this process runs pg-boss's upkeep (the server does; workers do not). */
  constructor(connectionString: string, options: { maintenance: boolean; max?: number }) {
    this.#boss = new PgBoss({
      connectionString,
      schema: QUEUE_SCHEMA,
      max: options.max ?? 4,
      supervise: options.maintenance,
      schedule: false,
      application_name: 'bosun-pipeline-queue',
    });
    // A lost connection is reported here; pg-boss reconnects through its pool.
    this.#boss.on('error', () => undefined);
  }

  /** Connects and installs pg-boss's schema when missing (several processes at once: it takes a lock). */
  start(): Promise<void> {
    this.#started ??= this.#boss.start().then(() => undefined);
    return this.#started;
  }

  private async ensureQueue(name: string): Promise<void> {
    let made = this.#queues.get(name);
    if (made === undefined) {
      made = (async () => {
        if ((await this.#boss.getQueue(name)) === null) {
          try {
            await this.#boss.createQueue(name, { name, retryLimit: 0, expireInHours: 23 });
          } catch (err) {
            // Another process created it at the same moment.
            if ((await this.#boss.getQueue(name)) === null) throw err;
          }
        }
      })();
      made.catch(() => this.#queues.delete(name));
      this.#queues.set(name, made);
    }
    return made;
  }

  async send(queue: string, id: string, data: object): Promise<void> {
    await this.start();
    await this.ensureQueue(queue);
    await this.#boss.send(queue, data, { id, retryLimit: 0, expireInHours: 23 });
  }

  /** Bosun's step queues and what each asks of a worker. */
  async stepQueues(): Promise<{ name: string; need: StepRequirement }[]> {
    await this.start();
    const out: { name: string; need: StepRequirement }[] = [];
    for (const q of await this.#boss.getQueues()) {
      const need = queueRequirement(q.name);
      if (need !== undefined) out.push({ name: q.name, need });
    }
    return out;
  }

  /** How many jobs wait in a queue (not yet fetched). */
  async waiting(queue: string): Promise<number> {
    return this.#boss.getQueueSize(queue);
  }

  async fetch(queue: string, max: number): Promise<FetchedJob[]> {
    const jobs = await this.#boss.fetch<unknown>(queue, { batchSize: max });
    return jobs.map((j) => ({ id: j.id, queue, data: j.data }));
  }

  async complete(queue: string, id: string, output: object): Promise<void> {
    await this.#boss.complete(queue, id, output);
  }

  /** A job's pg-boss state (`created`, `active`, `completed`...); undefined once archived or unknown. */
  async jobState(queue: string, id: string): Promise<string | undefined> {
    return (await this.#boss.getJobById(queue, id))?.state;
  }

  /** Cancels a job nobody fetched yet (a fetched one is stopped through its attempt row). */
  async cancel(queue: string, id: string): Promise<void> {
    await this.#boss.cancel(queue, id);
  }

  async stop(): Promise<void> {
    if (this.#started === undefined) return;
    await this.#started.catch(() => undefined);
    await this.#boss.stop({ graceful: false, wait: true, close: true });
  }
}
