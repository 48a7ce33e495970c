import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import { WrongMasterKeyError } from '../../security/secrets/index.js';
import { type Clock, systemClock } from '../../shared/index.js';
import { resolveSigningSecret, type WebhookSecretStore } from './signing-secrets.js';
import { webhookDispatchStore, type ClaimedDeliveryRow } from './webhook-dispatch-store.js';
import { webhookBodyIn } from './webhook-formats.js';
import { signWebhook } from './webhook-signature.js';
import type { WebhookTransport } from './webhook-transport.js';
import {
  checkRetrySchedule,
  defaultRetrySchedule,
  retryDelayMs,
  type RetrySchedule,
} from './retry-schedule.js';

export interface WebhookDispatcherOptions {
  db: Kysely<Database>;
  transport: WebhookTransport;
  /**
   * Where signing secrets are read from. Without it only subscriptions created before migration 0009 (whose
   * plain-text secret has not been moved yet) can be signed; other deliveries fail their attempt, unsent.
   */
  secrets?: Pick<WebhookSecretStore, 'get'>;
  clock?: Clock;
  retry?: RetrySchedule;
  /** Source of jitter (0 to 1); tests pin it. */
  random?: () => number;
  /** Deliveries claimed per round. */
  batchSize?: number;
  /** Requests in flight at once within a round. */
  concurrency?: number;
  /** Per-request limit, connection to response headers. */
  timeoutMs?: number;
  /**
   * How long a claimed delivery belongs to this process before another may take it over; by default long
   * enough for a whole batch of timeouts.
   */
  leaseMs?: number;
  /** Pause between rounds when there was nothing (or little) to send. */
  pollIntervalMs?: number;
  /** Told about rounds that failed (database unavailable...); the dispatcher keeps going. */
  onError?: (err: unknown) => void;
}

/** What happened to one attempt. */
interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** Not attempted: this process's master key was rotated away, so it cannot sign; another process may. */
const staleKey = Symbol('stale master key');

/**
 * Sends queued webhook deliveries: claims a bounded batch of due pending rows, POSTs each signed event,
 * logs the attempt and either marks the delivery done or schedules a retry with backoff. Several server
 * processes may run one each on the same database: a row is claimed by a conditional UPDATE that stamps a
 * lease (owner token and a pushed-forward `next_attempt_at`), so only one process sends it; a process that
 * dies mid-send leaves a lease that expires and the row is sent again (at-least-once delivery). A process whose
 * master key another process rotated away cannot sign: it hands what it claimed back without spending attempts.
 * Example: `const d = new WebhookDispatcher({ db, transport: new HttpWebhookTransport(policy) }); d.start();`
 */
export class WebhookDispatcher {
  private readonly clock: Clock;
  private readonly retry: RetrySchedule;
  private readonly random: () => number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly leaseMs: number;
  private readonly pollIntervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private started = false;
  private woken = false;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.clock = options.clock ?? systemClock;
    this.retry = checkRetrySchedule(options.retry ?? defaultRetrySchedule);
    this.random = options.random ?? Math.random;
    this.batchSize = options.batchSize ?? 20;
    this.concurrency = options.concurrency ?? 4;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    // A claimed row must stay ours until the whole batch has been sent, even when every request times out.
    this.leaseMs = options.leaseMs ?? Math.ceil(this.batchSize / this.concurrency) * this.timeoutMs + 30_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 2_000;
  }

  /** Sends what is due every `pollIntervalMs` until `stop()`. The timer does not keep the process alive. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /** Stops the timer and waits for the round in progress. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * Sends what is due soon rather than at the next poll (after the round in progress, if any): called once
   * new deliveries are committed.
   */
  wake(): void {
    this.woken = true;
    if (this.started && !this.running) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (!this.started) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.woken = false;
      const round = this.runOnce().then(
        (sent) => sent,
        (err: unknown) => {
          this.options.onError?.(err);
          return 0;
        },
      );
      this.running = round;
      void round.then((sent) => {
        this.running = undefined;
        this.schedule(sent >= this.batchSize || this.woken ? 0 : this.pollIntervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** One round: claims due deliveries, sends them, records the outcomes. Returns how many were attempted. */
  async runOnce(): Promise<number> {
    const claimed = await this.claim();
    // One secret-store read per subscription and round, however many of its deliveries are due.
    const secrets = new Map<string, Promise<string>>();
    let next = 0;
    const worker = async () => {
      while (next < claimed.length) {
        const delivery = claimed[next++];
        if (delivery) await this.deliver(delivery, secrets);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, claimed.length) }, worker));
    return claimed.length;
  }

  private async claim(): Promise<(ClaimedDeliveryRow & { token: string })[]> {
    const token = randomUUID();
    const rows = await webhookDispatchStore.claimDue(this.options.db, {
      now: this.clock.nowMs(),
      limit: this.batchSize,
      leaseMs: this.leaseMs,
      token,
    });
    return rows.map((r) => ({ ...r, token }));
  }

  private async deliver(
    d: ClaimedDeliveryRow & { token: string },
    secrets: Map<string, Promise<string>>,
  ): Promise<void> {
    const result = d.active ? await this.attempt(d, secrets) : inactive;
    const now = this.clock.nowMs();
    if (result === staleKey) {
      // Spending the delivery's attempts here would fail it for good while replicas with the current key could
      // send it: back to the queue, for whichever process claims it next (this one too, until restarted).
      await webhookDispatchStore.handBack(
        this.options.db,
        { id: d.id, token: d.token },
        now + this.pollIntervalMs,
      );
      return;
    }
    const attempt = d.attempts + 1;
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const giveUp = !ok && (attempt >= this.retry.maxAttempts || !d.active);
    const status = ok ? 'succeeded' : giveUp ? 'failed' : 'pending';
    const nextAttemptAt = status === 'pending' ? now + retryDelayMs(this.retry, attempt, this.random) : now;
    await webhookDispatchStore.recordAttempt(
      this.options.db,
      { id: d.id, token: d.token },
      {
        status,
        attempt,
        nextAttemptAt,
        statusCode: result.statusCode,
        error: result.error,
        durationMs: result.durationMs,
        now,
      },
    );
  }

  private async attempt(
    d: ClaimedDeliveryRow,
    secrets: Map<string, Promise<string>>,
  ): Promise<AttemptResult | typeof staleKey> {
    const key = d.secretRef ?? `legacy:${d.id}`;
    let secretRead = secrets.get(key);
    if (!secretRead) {
      secretRead = resolveSigningSecret(d, this.options.secrets);
      secretRead.catch(() => undefined);
      secrets.set(key, secretRead);
    }
    let secret: string;
    try {
      secret = await secretRead;
    } catch (err) {
      if (err instanceof WrongMasterKeyError) return staleKey;
      // Not sent unsigned: the attempt fails and is retried like any other failure. The message never holds
      // the secret (secret-store errors name the path only).
      const message = err instanceof Error ? err.message : String(err);
      return {
        statusCode: null,
        error: `signing secret unavailable: ${message}`.slice(0, 1000),
        durationMs: 0,
      };
    }
    const body = webhookBodyIn(d.format, d, secret);
    const timestamp = Math.floor(this.clock.nowMs() / 1000);
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    try {
      const response = await this.options.transport.send({
        url: d.url,
        body,
        timeoutMs: this.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Bosun-Webhooks/1',
          'x-bosun-event': d.type,
          'x-bosun-delivery': String(d.id),
          'x-bosun-timestamp': String(timestamp),
          'x-bosun-signature': signWebhook(secret, timestamp, body),
        },
      });
      const code = response.statusCode;
      let error: string | null = null;
      if (code >= 300 && code < 400) {
        error = `redirect (${code}${response.location ? ` to ${response.location}` : ''}) not followed`;
      } else if (code < 200 || code >= 300) {
        error = `receiver answered ${code}`;
      }
      return { statusCode: code, error, durationMs: durationMs() };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return {
        statusCode: null,
        error: message.slice(0, 1000) || 'request failed',
        durationMs: durationMs(),
      };
    }
  }
}

const inactive: AttemptResult = { statusCode: null, error: 'subscription is inactive', durationMs: 0 };
