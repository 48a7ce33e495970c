import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * The logged models a run used as inputs (`runs/log-inputs {models: [{model_id}]}`, MLflow 3's
 * `run.inputs.model_inputs`). One row per run and model; `position` keeps the order they were first logged in.
 * A model id is kept as given, whether or not such a logged model exists (MLflow does not check either).
 */
export function runModelInputsMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('run_model_inputs')
        .addColumn('run_uuid', 'text', (c) => c.notNull())
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('position', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_model_inputs_pk', ['run_uuid', 'model_id'])
        .execute();
      await db.schema
        .createIndex('run_model_inputs_model')
        .on('run_model_inputs')
        .column('model_id')
        .execute();
    },
  };
}
