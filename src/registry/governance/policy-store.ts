import type { Kysely, Selectable } from 'kysely';
import type { Database, PromotionPoliciesTable } from '../../db/index.js';
import type { BeatCurrent, MetricCondition, PromotionPolicy } from './types.js';

type Db = Kysely<Database>;
type PolicyRow = Selectable<PromotionPoliciesTable>;

export function policyFromRow(row: PolicyRow, modelName: string): PromotionPolicy {
  return {
    modelName,
    target: row.target,
    requireCleanScan: Number(row.require_clean_scan) === 1,
    metricConditions: JSON.parse(row.metric_conditions) as MetricCondition[],
    beatCurrent: row.beat_current === null ? null : (JSON.parse(row.beat_current) as BeatCurrent),
    requiredApprovals: Number(row.required_approvals),
    approvers: JSON.parse(row.approvers) as string[],
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** SQL for promotion policies, keyed by (registered model id, target). Callers validate. */
export const policyStore = {
  async list(db: Db, registeredModelId: number): Promise<PolicyRow[]> {
    return db
      .selectFrom('promotion_policies')
      .selectAll()
      .where('registered_model_id', '=', registeredModelId)
      .orderBy('target')
      .execute();
  },

  async find(db: Db, registeredModelId: number, target: string): Promise<PolicyRow | undefined> {
    return db
      .selectFrom('promotion_policies')
      .selectAll()
      .where('registered_model_id', '=', registeredModelId)
      .where('target', '=', target)
      .executeTakeFirst();
  },

  /** Inserts or replaces the policy; `created_at` survives a replacement. */
  async upsert(db: Db, row: PolicyRow): Promise<void> {
    await db
      .insertInto('promotion_policies')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['registered_model_id', 'target']).doUpdateSet({
          require_clean_scan: row.require_clean_scan,
          metric_conditions: row.metric_conditions,
          beat_current: row.beat_current,
          required_approvals: row.required_approvals,
          approvers: row.approvers,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  },

  async delete(db: Db, registeredModelId: number, target: string): Promise<boolean> {
    const result = await db
      .deleteFrom('promotion_policies')
      .where('registered_model_id', '=', registeredModelId)
      .where('target', '=', target)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },

  async deleteForModel(db: Db, registeredModelId: number): Promise<void> {
    await db.deleteFrom('promotion_policies').where('registered_model_id', '=', registeredModelId).execute();
  },
};
