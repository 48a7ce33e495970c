import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { ModelStage } from '../types.js';

type Db = Kysely<Database>;

/**
 * SQL for finding which version holds a stage, for policies that make a candidate beat the current holder (the
 * alias holder is the registered model store's `findAlias`).
 *
 * Example: `const holder = await targetHolderStore.highestInStage(db, modelId, 'Production', 7);`
 */
export const targetHolderStore = {
  /** The highest version of the model in `stage` other than `except`, or undefined when there is none. */
  async highestInStage(
    db: Db,
    registeredModelId: number,
    stage: ModelStage,
    except: number,
  ): Promise<number | undefined> {
    const row = await db
      .selectFrom('model_versions')
      .select(sql<number | null>`max(version)`.as('version'))
      .where('registered_model_id', '=', registeredModelId)
      .where('current_stage', '=', stage)
      .where('version', '!=', except)
      .executeTakeFirst();
    return row?.version === null || row?.version === undefined ? undefined : Number(row.version);
  },
};
