import type { Generated, Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/index.js';

/** One evaluated window's dataset sketch (migration 0029), keyed by the window's result. */
export type MonitorWindowSketchesTable = {
  sketch_id: Generated<number>;
  result_id: number;
  monitor_id: number;
  version: number | null;
  window_start: number;
  window_end: number;
  row_count: number;
  /** JSON: a dataset sketch (src/monitoring/sketches, `version` 1). */
  sketch: string;
};

/** The tables migration 0029-monitoring-sketches creates or extends. */
export type SketchTables = {
  monitor_window_sketches: MonitorWindowSketchesTable;
  /** The reference's sketch (JSON), null for references stored before 0029. */
  monitoring_references: { reference_id: Generated<number>; sketch: string | null };
};

export type WindowSketchRow = Selectable<MonitorWindowSketchesTable>;
type SketchDb = Kysely<Database & SketchTables>;

const typed = (db: Kysely<Database>): SketchDb => db.withTables<SketchTables>();

/** Queries on the stored sketches of references and windows. */
export const sketchStore = {
  async saveReferenceSketch(db: Kysely<Database>, referenceId: number, sketch: string): Promise<void> {
    await typed(db)
      .updateTable('monitoring_references')
      .set({ sketch })
      .where('reference_id', '=', referenceId)
      .execute();
  },

  /** The stored sketch of a reference: its JSON, null when it has none yet, undefined when no such reference. */
  async referenceSketch(db: Kysely<Database>, referenceId: number): Promise<string | null | undefined> {
    const row = await typed(db)
      .selectFrom('monitoring_references')
      .select('sketch')
      .where('reference_id', '=', referenceId)
      .executeTakeFirst();
    return row?.sketch;
  },

  async insertWindowSketch(db: Kysely<Database>, row: Omit<WindowSketchRow, 'sketch_id'>): Promise<void> {
    await typed(db).insertInto('monitor_window_sketches').values(row).execute();
  },

  async deleteForMonitor(db: Kysely<Database>, monitorId: number): Promise<void> {
    await typed(db).deleteFrom('monitor_window_sketches').where('monitor_id', '=', monitorId).execute();
  },

  /** A monitor's window sketches inside `[from, to)`, oldest first (ties by result), `limit` at most. */
  async windowSketches(
    db: Kysely<Database>,
    q: { monitorId: number; from: number; to: number; limit: number },
  ): Promise<WindowSketchRow[]> {
    return typed(db)
      .selectFrom('monitor_window_sketches')
      .selectAll()
      .where('monitor_id', '=', q.monitorId)
      .where('window_start', '>=', q.from)
      .where('window_end', '<=', q.to)
      .orderBy('window_start')
      .orderBy('result_id')
      .limit(q.limit)
      .execute();
  },
};
