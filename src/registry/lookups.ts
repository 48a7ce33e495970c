import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { NotFoundError } from '../shared/index.js';
import { modelVersionStore, type ModelVersionRow } from './model-version-store.js';
import { registeredModelStore, type RegisteredModelRow } from './registered-model-store.js';
import { parseVersion, validateModelName } from './validation.js';

/** A registered model by name, or MLflow's RESOURCE_DOES_NOT_EXIST. */
export async function findModel(db: Kysely<Database>, name: string): Promise<RegisteredModelRow> {
  const row = await registeredModelStore.findByName(db, validateModelName(name));
  if (!row) throw new NotFoundError(`Registered Model with name=${name} not found`);
  return row;
}

/** A model version by model name and version text, or MLflow's RESOURCE_DOES_NOT_EXIST. */
export async function findVersion(
  db: Kysely<Database>,
  name: string,
  version: string,
): Promise<{ model: RegisteredModelRow; row: ModelVersionRow }> {
  const number = parseVersion(version);
  const model = await findModel(db, name);
  const row = await modelVersionStore.find(db, {
    registeredModelId: model.registered_model_id,
    version: number,
  });
  if (!row) throw new NotFoundError(`Model Version (name=${name}, version=${number}) not found`);
  return { model, row };
}
