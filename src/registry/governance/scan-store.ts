import type { Kysely, Selectable } from 'kysely';
import type { Database, ModelVersionScansTable } from '../../db/index.js';
import type { ScanFinding, ScanStatus } from '../scanning/index.js';
import type { ScanRecord } from './types.js';

type Db = Kysely<Database>;
type ScanRow = Selectable<ModelVersionScansTable>;
type Key = { registeredModelId: number; version: number };

export function scanFromRow(row: ScanRow): ScanRecord {
  return {
    status: row.status as ScanStatus,
    files: Number(row.files),
    findings: JSON.parse(row.findings) as ScanFinding[],
    ...(row.error !== null ? { error: row.error } : {}),
    scannedAt: Number(row.scanned_at),
  };
}

/** SQL for the latest scan verdict of each version. */
export const scanStore = {
  async find(db: Db, key: Key): Promise<ScanRecord | undefined> {
    const row = await db
      .selectFrom('model_version_scans')
      .selectAll()
      .where('registered_model_id', '=', key.registeredModelId)
      .where('version', '=', key.version)
      .executeTakeFirst();
    return row ? scanFromRow(row) : undefined;
  },

  async save(db: Db, key: Key, scan: ScanRecord): Promise<void> {
    const values = {
      status: scan.status,
      findings: JSON.stringify(scan.findings),
      error: scan.error ?? null,
      files: scan.files,
      scanned_at: scan.scannedAt,
    };
    await db
      .insertInto('model_version_scans')
      .values({ registered_model_id: key.registeredModelId, version: key.version, ...values })
      .onConflict((oc) => oc.columns(['registered_model_id', 'version']).doUpdateSet(values))
      .execute();
  },

  async deleteForVersion(db: Db, key: Key): Promise<void> {
    await db
      .deleteFrom('model_version_scans')
      .where('registered_model_id', '=', key.registeredModelId)
      .where('version', '=', key.version)
      .execute();
  },

  async deleteForModel(db: Db, registeredModelId: number): Promise<void> {
    await db.deleteFrom('model_version_scans').where('registered_model_id', '=', registeredModelId).execute();
  },
};
