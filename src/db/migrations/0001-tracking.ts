import { sql, type Kysely, type Migration } from 'kysely';
import type { DatabaseHandle } from '../engine.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

async function keyValueTable(db: AnyDb, table: string, owner: string, ownerType: 'text' | 'integer') {
  await db.schema
    .createTable(table)
    .addColumn(owner, ownerType, (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${table}_pk`, [owner, 'key'])
    .execute();
}

/** The tracking schema: experiments, runs and what is logged to them, datasets and logged models. */
export function trackingMigration(handle: Pick<DatabaseHandle, 'autoIncrementType'>): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('experiments')
        .addColumn('experiment_id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('artifact_location', 'text', (c) => c.notNull())
        .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_update_time', 'bigint', (c) => c.notNull())
        .execute();
      await keyValueTable(db, 'experiment_tags', 'experiment_id', 'integer');

      await db.schema
        .createTable('runs')
        .addColumn('run_uuid', 'text', (c) => c.primaryKey())
        .addColumn('experiment_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('end_time', 'bigint')
        .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
        .addColumn('artifact_uri', 'text', (c) => c.notNull())
        .addColumn('deleted_time', 'bigint')
        .execute();
      await db.schema
        .createIndex('runs_experiment_start')
        .on('runs')
        .columns(['experiment_id', 'start_time', 'run_uuid'])
        .execute();

      await keyValueTable(db, 'params', 'run_uuid', 'text');
      await db.schema.createIndex('params_key_value').on('params').columns(['key', 'value']).execute();
      await keyValueTable(db, 'tags', 'run_uuid', 'text');
      await db.schema.createIndex('tags_key_value').on('tags').columns(['key', 'value']).execute();

      await db.schema
        .createTable('metrics')
        .addColumn('id', handle.autoIncrementType, (c) => c.primaryKey())
        .addColumn('run_uuid', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('model_id', 'text')
        .addColumn('dataset_name', 'text')
        .addColumn('dataset_digest', 'text')
        .execute();
      await db.schema
        .createIndex('metrics_run_key_step')
        .on('metrics')
        .columns(['run_uuid', 'key', 'step'])
        .execute();

      await db.schema
        .createTable('latest_metrics')
        .addColumn('run_uuid', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('latest_metrics_pk', ['run_uuid', 'key'])
        .execute();
      await db.schema
        .createIndex('latest_metrics_key_value')
        .on('latest_metrics')
        .columns(['key', 'value'])
        .execute();

      await db.schema
        .createTable('datasets')
        .addColumn('dataset_uuid', 'text', (c) => c.primaryKey())
        .addColumn('experiment_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('source_type', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('schema', 'text')
        .addColumn('profile', 'text')
        .addUniqueConstraint('datasets_experiment_name_digest', ['experiment_id', 'name', 'digest'])
        .execute();
      await db.schema
        .createTable('run_inputs')
        .addColumn('run_uuid', 'text', (c) => c.notNull())
        .addColumn('dataset_uuid', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_inputs_pk', ['run_uuid', 'dataset_uuid'])
        .execute();
      await db.schema.createIndex('run_inputs_dataset').on('run_inputs').column('dataset_uuid').execute();
      await db.schema
        .createTable('run_outputs')
        .addColumn('run_uuid', 'text', (c) => c.notNull())
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_outputs_pk', ['run_uuid', 'model_id'])
        .execute();

      await db.schema
        .createTable('logged_models')
        .addColumn('model_id', 'text', (c) => c.primaryKey())
        .addColumn('experiment_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('artifact_location', 'text', (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
        .addColumn('source_run_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_message', 'text')
        .addColumn('model_type', 'text')
        .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('logged_models_experiment')
        .on('logged_models')
        .columns(['experiment_id', 'creation_time'])
        .execute();
      await keyValueTable(db, 'logged_model_params', 'model_id', 'text');
      await keyValueTable(db, 'logged_model_tags', 'model_id', 'text');
      await db.schema
        .createTable('logged_model_metrics')
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('dataset_name', 'text')
        .addColumn('dataset_digest', 'text')
        .execute();
      await db.schema
        .createIndex('logged_model_metrics_model')
        .on('logged_model_metrics')
        .columns(['model_id', 'key'])
        .execute();

      const now = Date.now();
      await sql`insert into experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
                values (0, 'Default', 'mlflow-artifacts:/0', 'active', ${now}, ${now})`.execute(db);
    },
  };
}
