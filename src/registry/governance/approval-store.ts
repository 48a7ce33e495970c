import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, ModelVersionApprovalsTable } from '../../db/index.js';
import type { Approval, ApprovalStatus } from './types.js';

type Db = Kysely<Database>;
export type ApprovalRow = Selectable<ModelVersionApprovalsTable>;

export function approvalFromRow(row: ApprovalRow, modelName: string): Approval {
  return {
    id: Number(row.id),
    modelName,
    version: String(row.version),
    target: row.target,
    status: row.status as ApprovalStatus,
    requestedBy: row.requested_by,
    requestedAt: Number(row.requested_at),
    comment: row.comment,
    ...(row.decided_by !== null ? { decidedBy: row.decided_by } : {}),
    ...(row.decided_at !== null ? { decidedAt: Number(row.decided_at) } : {}),
    ...(row.decision_comment !== null ? { decisionComment: row.decision_comment } : {}),
  };
}

/** SQL for approval requests and their decisions. Callers validate. */
export const approvalStore = {
  async insert(db: Db, row: Insertable<ModelVersionApprovalsTable>): Promise<number> {
    const inserted = await db
      .insertInto('model_version_approvals')
      .values(row)
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(inserted.id);
  },

  async find(db: Db, id: number): Promise<ApprovalRow | undefined> {
    return db.selectFrom('model_version_approvals').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** The name of the registered model an approval request belongs to; undefined when there is no such request. */
  async modelNameOf(db: Db, id: number): Promise<string | undefined> {
    const row = await db
      .selectFrom('model_version_approvals as a')
      .innerJoin('registered_models as m', 'm.registered_model_id', 'a.registered_model_id')
      .select('m.name')
      .where('a.id', '=', id)
      .executeTakeFirst();
    return row?.name;
  },

  /** A version's approvals (of one target when given), oldest first. */
  async listForVersion(
    db: Db,
    key: { registeredModelId: number; version: number },
    target?: string,
  ): Promise<ApprovalRow[]> {
    let query = db
      .selectFrom('model_version_approvals')
      .selectAll()
      .where('registered_model_id', '=', key.registeredModelId)
      .where('version', '=', key.version);
    if (target !== undefined) query = query.where('target', '=', target);
    return query.orderBy('id').execute();
  },

  /** Decides a request that is still open; false when it was decided meanwhile. */
  async decide(
    db: Db,
    id: number,
    decision: { status: 'approved' | 'rejected'; by: string; at: number; comment: string | null },
  ): Promise<boolean> {
    const result = await db
      .updateTable('model_version_approvals')
      .set({
        status: decision.status,
        decided_by: decision.by,
        decided_at: decision.at,
        decision_comment: decision.comment,
      })
      .where('id', '=', id)
      .where('status', '=', 'requested')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  async deleteForVersion(db: Db, key: { registeredModelId: number; version: number }): Promise<void> {
    await db
      .deleteFrom('model_version_approvals')
      .where('registered_model_id', '=', key.registeredModelId)
      .where('version', '=', key.version)
      .execute();
  },

  async deleteForModel(db: Db, registeredModelId: number): Promise<void> {
    await db
      .deleteFrom('model_version_approvals')
      .where('registered_model_id', '=', registeredModelId)
      .execute();
  },
};
