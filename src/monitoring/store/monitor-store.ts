import type { Insertable, Selectable } from 'kysely';
import type {
  MonitorAlertsTable,
  MonitorResultsTable,
  MonitoringDb,
  MonitorSegmentResultsTable,
  MonitorsTable,
} from './monitoring-tables.js';

export type MonitorRow = Selectable<MonitorsTable>;
export type MonitorResultRow = Selectable<MonitorResultsTable>;
export type MonitorAlertRow = Selectable<MonitorAlertsTable>;
export type MonitorSegmentResultRow = Selectable<MonitorSegmentResultsTable>;

/** Queries on `monitors`, `monitor_results` and `monitor_alerts`. */
export const monitorStore = {
  async insert(db: MonitoringDb, row: Insertable<MonitorsTable>): Promise<number> {
    const inserted = await db
      .insertInto('monitors')
      .values(row)
      .returning('monitor_id')
      .executeTakeFirstOrThrow();
    return inserted.monitor_id;
  },

  async list(db: MonitoringDb, modelId: number): Promise<MonitorRow[]> {
    return db
      .selectFrom('monitors')
      .selectAll()
      .where('registered_model_id', '=', modelId)
      .orderBy('monitor_id')
      .execute();
  },

  async all(db: MonitoringDb): Promise<MonitorRow[]> {
    return db.selectFrom('monitors').selectAll().orderBy('monitor_id').execute();
  },

  async find(db: MonitoringDb, modelId: number, id: number): Promise<MonitorRow | undefined> {
    return db
      .selectFrom('monitors')
      .selectAll()
      .where('registered_model_id', '=', modelId)
      .where('monitor_id', '=', id)
      .executeTakeFirst();
  },

  async referenceInUse(db: MonitoringDb, referenceId: number): Promise<boolean> {
    const row = await db
      .selectFrom('monitors')
      .select('monitor_id')
      .where('reference_id', '=', referenceId)
      .executeTakeFirst();
    return row !== undefined;
  },

  /** Deletes a monitor with its results and alerts (inside the caller's transaction). */
  async delete(db: MonitoringDb, id: number): Promise<void> {
    await db.deleteFrom('monitor_alerts').where('monitor_id', '=', id).execute();
    await db.deleteFrom('monitor_segment_results').where('monitor_id', '=', id).execute();
    await db.deleteFrom('monitor_results').where('monitor_id', '=', id).execute();
    await db.deleteFrom('monitors').where('monitor_id', '=', id).execute();
  },

  /** Monitors with a schedule whose last run is older than their schedule (or that never ran). */
  async due(db: MonitoringDb, now: number): Promise<MonitorRow[]> {
    return db
      .selectFrom('monitors')
      .selectAll()
      .where('schedule_ms', 'is not', null)
      .where((eb) =>
        eb.or([eb('last_run_at', 'is', null), eb(eb('last_run_at', '+', eb.ref('schedule_ms')), '<=', now)]),
      )
      .orderBy('monitor_id')
      .execute();
  },

  /**
   * Claims a due monitor's run for this process: sets its last run to `now` only if it is still due, so that of
   * several servers sharing the database exactly one runs it.
   */
  async claim(db: MonitoringDb, row: MonitorRow, now: number): Promise<boolean> {
    const result = await db
      .updateTable('monitors')
      .set({ last_run_at: now })
      .where('monitor_id', '=', row.monitor_id)
      .where((eb) =>
        row.last_run_at === null ? eb('last_run_at', 'is', null) : eb('last_run_at', '=', row.last_run_at),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  /** Marks a run; inside a transaction on PostgreSQL this also locks the monitor's row until commit. */
  async touchRun(db: MonitoringDb, id: number, now: number): Promise<boolean> {
    const result = await db
      .updateTable('monitors')
      .set({ last_run_at: now })
      .where('monitor_id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  async insertResult(db: MonitoringDb, row: Insertable<MonitorResultsTable>): Promise<number> {
    const inserted = await db
      .insertInto('monitor_results')
      .values(row)
      .returning('result_id')
      .executeTakeFirstOrThrow();
    return inserted.result_id;
  },

  /** The newest results first; `judgedOnly` leaves out windows with too few rows. */
  async results(
    db: MonitoringDb,
    monitorId: number,
    q: { limit: number; judgedOnly?: boolean },
  ): Promise<MonitorResultRow[]> {
    let query = db.selectFrom('monitor_results').selectAll().where('monitor_id', '=', monitorId);
    if (q.judgedOnly) query = query.where('status', '!=', 'insufficient_data');
    return query.orderBy('result_id', 'desc').limit(q.limit).execute();
  },

  async insertSegmentResults(
    db: MonitoringDb,
    rows: readonly Insertable<MonitorSegmentResultsTable>[],
  ): Promise<void> {
    if (rows.length > 0)
      await db
        .insertInto('monitor_segment_results')
        .values([...rows])
        .execute();
  },

  /** One segment's rows with their windows, newest first; `judgedOnly` leaves out windows with too few rows. */
  async segmentResults(
    db: MonitoringDb,
    monitorId: number,
    segment: string,
    q: { limit: number; judgedOnly?: boolean },
  ): Promise<{ segment: MonitorSegmentResultRow; window: MonitorResultRow }[]> {
    let query = db
      .selectFrom('monitor_segment_results')
      .selectAll()
      .where('monitor_id', '=', monitorId)
      .where('segment', '=', segment);
    if (q.judgedOnly) query = query.where('status', '!=', 'insufficient_data');
    const segments = await query.orderBy('result_id', 'desc').limit(q.limit).execute();
    if (segments.length === 0) return [];
    const windows = new Map(
      (
        await db
          .selectFrom('monitor_results')
          .selectAll()
          .where(
            'result_id',
            'in',
            segments.map((s) => s.result_id),
          )
          .execute()
      ).map((w) => [w.result_id, w]),
    );
    return segments.flatMap((s) => {
      const window = windows.get(s.result_id);
      return window ? [{ segment: s, window }] : [];
    });
  },

  /** The segments of one window, largest first. */
  async segmentResultsOf(db: MonitoringDb, resultId: number): Promise<MonitorSegmentResultRow[]> {
    return db
      .selectFrom('monitor_segment_results')
      .selectAll()
      .where('result_id', '=', resultId)
      .orderBy('segment_result_id')
      .execute();
  },

  /** The segments of several windows. */
  async segmentResultsOfMany(
    db: MonitoringDb,
    resultIds: readonly number[],
  ): Promise<MonitorSegmentResultRow[]> {
    if (resultIds.length === 0) return [];
    return db
      .selectFrom('monitor_segment_results')
      .selectAll()
      .where('result_id', 'in', [...resultIds])
      .orderBy('segment_result_id')
      .execute();
  },

  /** The segments a monitor's windows had, with how many windows each. */
  async segments(db: MonitoringDb, monitorId: number): Promise<{ segment: string; windows: number }[]> {
    const rows = await db
      .selectFrom('monitor_segment_results')
      .select((eb) => ['segment', eb.fn.countAll<number | string>().as('windows')])
      .where('monitor_id', '=', monitorId)
      .groupBy('segment')
      .orderBy('segment')
      .execute();
    return rows.map((r) => ({ segment: r.segment, windows: Number(r.windows) }));
  },

  async findResult(
    db: MonitoringDb,
    monitorId: number,
    resultId: number,
  ): Promise<MonitorResultRow | undefined> {
    return db
      .selectFrom('monitor_results')
      .selectAll()
      .where('monitor_id', '=', monitorId)
      .where('result_id', '=', resultId)
      .executeTakeFirst();
  },

  /** The newest result of each monitor. */
  async latestResults(db: MonitoringDb): Promise<MonitorResultRow[]> {
    return db
      .selectFrom('monitor_results')
      .selectAll()
      .where('result_id', 'in', (eb) =>
        eb
          .selectFrom('monitor_results')
          .select((e) => e.fn.max('result_id').as('id'))
          .groupBy('monitor_id'),
      )
      .execute();
  },

  async insertAlert(db: MonitoringDb, row: Insertable<MonitorAlertsTable>): Promise<number> {
    const inserted = await db
      .insertInto('monitor_alerts')
      .values(row)
      .returning('alert_id')
      .executeTakeFirstOrThrow();
    return inserted.alert_id;
  },

  async resolveAlert(db: MonitoringDb, alertId: number, resultId: number, now: number): Promise<void> {
    await db
      .updateTable('monitor_alerts')
      .set({ state: 'resolved', resolved_at: now, resolved_result_id: resultId })
      .where('alert_id', '=', alertId)
      .where('state', '=', 'firing')
      .execute();
  },

  async findAlert(db: MonitoringDb, alertId: number): Promise<MonitorAlertRow | undefined> {
    return db.selectFrom('monitor_alerts').selectAll().where('alert_id', '=', alertId).executeTakeFirst();
  },

  /** Alerts, newest first, of some monitors (all when `monitorIds` is undefined), optionally in one state. */
  async alerts(
    db: MonitoringDb,
    q: { monitorIds?: readonly number[]; state?: string; limit: number; segment?: string | null },
  ): Promise<MonitorAlertRow[]> {
    if (q.monitorIds?.length === 0) return [];
    let query = db.selectFrom('monitor_alerts').selectAll();
    if (q.segment !== undefined) {
      query = query.where('segment', q.segment === null ? 'is' : '=', q.segment);
    }
    if (q.monitorIds !== undefined) query = query.where('monitor_id', 'in', [...q.monitorIds]);
    if (q.state !== undefined) query = query.where('state', '=', q.state);
    return query.orderBy('alert_id', 'desc').limit(q.limit).execute();
  },
};
