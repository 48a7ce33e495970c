import type { Selectable } from 'kysely';
import type { MonitoringDb, MonitoringReferencesTable } from './monitoring-tables.js';

export type ReferenceRow = Selectable<MonitoringReferencesTable>;
/** A reference row without its data (listing references does not load them). */
export type ReferenceHeader = Omit<ReferenceRow, 'data'>;

const header = [
  'reference_id',
  'registered_model_id',
  'name',
  'version',
  'logged_model_id',
  'columns',
  'row_count',
  'profile',
  'source',
  'created_by',
  'created_at',
] as const;

/** Queries on `monitoring_references`. */
export const referenceStore = {
  async insert(db: MonitoringDb, row: Omit<ReferenceRow, 'reference_id'>): Promise<number> {
    const inserted = await db
      .insertInto('monitoring_references')
      .values(row)
      .returning('reference_id')
      .executeTakeFirstOrThrow();
    return inserted.reference_id;
  },

  async list(db: MonitoringDb, modelId: number): Promise<ReferenceHeader[]> {
    return db
      .selectFrom('monitoring_references')
      .select(header)
      .where('registered_model_id', '=', modelId)
      .orderBy('reference_id')
      .execute();
  },

  async find(db: MonitoringDb, modelId: number, id: number): Promise<ReferenceHeader | undefined> {
    return db
      .selectFrom('monitoring_references')
      .select(header)
      .where('registered_model_id', '=', modelId)
      .where('reference_id', '=', id)
      .executeTakeFirst();
  },

  async data(db: MonitoringDb, id: number): Promise<string | undefined> {
    const row = await db
      .selectFrom('monitoring_references')
      .select('data')
      .where('reference_id', '=', id)
      .executeTakeFirst();
    return row?.data;
  },
};
