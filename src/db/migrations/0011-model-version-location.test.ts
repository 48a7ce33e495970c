import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { findVersionsUsingArtifactPath } from '../../registry/index.js';
import type { DatabaseHandle } from '../engine.js';
import { migrateTo, migrateToLatest } from '../migrate.js';
import { openUnmigratedTestDatabase, testEngines } from '../test-support/test-databases.js';

async function indexNames(handle: DatabaseHandle): Promise<string[]> {
  const query =
    handle.engine === 'sqlite'
      ? sql<{
          name: string;
        }>`select name from sqlite_master where type = 'index' and tbl_name = 'model_versions'`
      : sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'model_versions'`;
  return (await query.execute(handle.db)).rows.map((r) => r.name);
}

describe.each(testEngines)('migration 0011 (model version storage location index) on %s', (engine) => {
  it('indexes existing versions by storage location and keeps them', async () => {
    const { handle, dispose } = await openUnmigratedTestDatabase(engine, '0011');
    try {
      expect((await migrateTo(handle, '0010-event-outbox')).at(-1)).toBe('0010-event-outbox');
      expect(await indexNames(handle)).not.toContain('model_versions_storage_location');
      await sql`insert into registered_models (name, creation_time, last_updated_time, last_version)
        values ('churn', 1, 1, 1)`.execute(handle.db);
      await sql`insert into model_versions (registered_model_id, version, creation_time, last_updated_time, source,
          storage_location, current_stage, status)
        select registered_model_id, 1, 1, 1, 'runs:/r1/model', 'mlflow-artifacts:/1/r1/artifacts/model', 'None', 'READY'
        from registered_models`.execute(handle.db);

      expect(await migrateToLatest(handle)).toContain('0011-model-version-location');
      expect(await indexNames(handle)).toContain('model_versions_storage_location');
      const found = await findVersionsUsingArtifactPath(handle.db, '1/r1/artifacts', 'delete');
      expect(found).toEqual([
        { name: 'churn', version: 1, storageLocation: 'mlflow-artifacts:/1/r1/artifacts/model' },
      ]);
    } finally {
      await dispose();
    }
  });
});
