import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import { eventQueries } from '../../events/index.js';
import { eventModelName, isMonitorAlertEventType } from './webhook-event-types.js';
import { isWebhookFormat, type WebhookFormat } from './webhook-formats.js';

type Db = Kysely<Database>;

/** A pending delivery claimed by one dispatcher round, with what sending it needs. */
export interface ClaimedDeliveryRow {
  id: number;
  attempts: number;
  url: string;
  secretRef: string | null;
  legacySecret: string | null;
  active: number;
  format: WebhookFormat;
  eventId: number;
  type: string;
  modelName: string;
  version: string | null;
  actor: string | null;
  payload: string;
  createdAt: number;
}

/** How one attempt ended, as the delivery and its log record it. */
export interface AttemptOutcome {
  status: 'succeeded' | 'failed' | 'pending';
  attempt: number;
  nextAttemptAt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  now: number;
}

/**
 * SQL for the webhook dispatcher's queue: claiming due deliveries under a lease and recording each attempt.
 * The dispatcher decides what is due, how long a lease lasts and what follows an attempt; this file only reads
 * and writes rows.
 *
 * Example: `const rows = await webhookDispatchStore.claimDue(db, { now, limit: 20, leaseMs: 60_000, token });`
 */
export const webhookDispatchStore = {
  /**
   * Claims up to `limit` pending deliveries due at `now`, oldest due first, for the lease `token` (their
   * `next_attempt_at` moves to `now + leaseMs`), and answers them with their subscription and event. The claim
   * is a conditional UPDATE whose WHERE both engines re-check on the current row, so a row another process
   * claimed meanwhile (its next_attempt_at moved past now) is skipped.
   */
  async claimDue(
    db: Db,
    claim: { now: number; limit: number; leaseMs: number; token: string },
  ): Promise<ClaimedDeliveryRow[]> {
    const { now, token } = claim;
    const due = await db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(claim.limit)
      .execute();
    if (due.length === 0) return [];
    await db
      .updateTable('webhook_deliveries')
      .set({ lease_owner: token, next_attempt_at: now + claim.leaseMs })
      .where(
        'id',
        'in',
        due.map((r) => r.id),
      )
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .execute();
    const claimed = await db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
      .select([
        'd.id as id',
        'd.attempts as attempts',
        's.url as url',
        's.secret_ref as secretRef',
        's.legacy_secret as legacySecret',
        's.active as active',
        's.format as format',
        'd.event_id as eventId',
      ])
      .where('d.lease_owner', '=', token)
      .where('d.status', '=', 'pending')
      .orderBy('d.id')
      .execute();
    const events = await eventQueries.recordedEvents(
      db,
      claimed.map((d) => d.eventId),
    );
    // Every delivery's event exists (a foreign key): the lookup drops none.
    return claimed.flatMap((d) => {
      const e = events.get(Number(d.eventId));
      if (e === undefined) return [];
      return [
        {
          ...d,
          // A value this version does not know (written by a newer one) is sent in Bosun's own format.
          format: isWebhookFormat(d.format) ? d.format : 'bosun',
          eventId: e.id,
          type: e.type,
          modelName: isMonitorAlertEventType(e.type)
            ? eventModelName(e.type, e.subject, JSON.parse(e.payload) as Record<string, unknown>)
            : e.subject,
          version: e.subjectVersion,
          actor: e.actor,
          payload: e.payload,
          createdAt: e.createdAt,
        },
      ];
    });
  },

  /**
   * Gives a delivery this lease (`token`) holds back to the queue, due at `dueAt`, without counting an attempt
   * or logging one: for a process that cannot send it (its master key was rotated away) while others can.
   */
  async handBack(db: Db, delivery: { id: number; token: string }, dueAt: number): Promise<void> {
    await db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: dueAt, lease_owner: null })
      .where('id', '=', delivery.id)
      .where('lease_owner', '=', delivery.token)
      .where('status', '=', 'pending')
      .execute();
  },

  /**
   * Records an attempt on a delivery this lease (`token`) holds, in one transaction: the delivery's new state
   * (its lease released) and a row in its log.
   */
  async recordAttempt(
    db: Db,
    delivery: { id: number; token: string },
    outcome: AttemptOutcome,
  ): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('webhook_deliveries')
        .set({
          status: outcome.status,
          attempts: outcome.attempt,
          next_attempt_at: outcome.nextAttemptAt,
          lease_owner: null,
          last_status_code: outcome.statusCode,
          last_error: outcome.error,
          updated_at: outcome.now,
        })
        .where('id', '=', delivery.id)
        .where('lease_owner', '=', delivery.token)
        .execute();
      await trx
        .insertInto('webhook_delivery_attempts')
        .values({
          delivery_id: delivery.id,
          attempt: outcome.attempt,
          status_code: outcome.statusCode,
          error: outcome.error,
          duration_ms: outcome.durationMs,
          created_at: outcome.now,
        })
        .execute();
    });
  },
};
