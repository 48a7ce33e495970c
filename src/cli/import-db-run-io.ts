import { integer, keyValuesOf, text, type MlflowDatabase } from './import-db.js';
import type { WireObject } from './import-http.js';

/** An MLflow database and which of its optional tables exist (older MLflow versions lack some). */
export interface MlflowTables {
  db: MlflowDatabase;
  has(table: string): Promise<boolean>;
}

/** `inputs.dataset_inputs` as MLflow's REST API sends them: `{tags: [{key, value}], dataset: {...}}`. */
async function datasetInputs(tables: MlflowTables, runId: string): Promise<WireObject[]> {
  if (!(await tables.has('inputs')) || !(await tables.has('datasets'))) return [];
  const rows = await tables.db.rows(
    'select i.input_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source, d.dataset_schema, ' +
      'd.dataset_profile from inputs i join datasets d on d.dataset_uuid = i.source_id ' +
      "where i.source_type = 'DATASET' and i.destination_type = 'RUN' and i.destination_id = ? " +
      'order by d.name, d.digest, i.input_uuid',
    [runId],
  );
  const withTags = await tables.has('input_tags');
  const inputs: WireObject[] = [];
  for (const row of rows) {
    const tags = withTags
      ? await tables.db.rows('select name, "value" from input_tags where input_uuid = ? order by name', [
          text(row, 'input_uuid'),
        ])
      : [];
    const schema = row.dataset_schema;
    const profile = row.dataset_profile;
    inputs.push({
      tags: keyValuesOf(tags, 'name', 'value'),
      dataset: {
        name: text(row, 'name'),
        digest: text(row, 'digest'),
        source_type: text(row, 'dataset_source_type'),
        source: text(row, 'dataset_source'),
        ...(typeof schema === 'string' && schema !== '' ? { schema } : {}),
        ...(typeof profile === 'string' && profile !== '' ? { profile } : {}),
      },
    });
  }
  return inputs;
}

/** The logged models a run took as inputs (`inputs.model_inputs`). */
async function modelInputs(tables: MlflowTables, runId: string): Promise<string[]> {
  if (!(await tables.has('inputs'))) return [];
  const rows = await tables.db.rows(
    "select distinct destination_id from inputs where source_type = 'RUN_INPUT' and source_id = ? " +
      "and destination_type = 'MODEL_INPUT' order by destination_id",
    [runId],
  );
  return rows.map((r) => text(r, 'destination_id')).filter((id) => id !== '');
}

/** The logged models a run output (`outputs.model_outputs`: `{model_id, step}`). */
async function modelOutputs(tables: MlflowTables, runId: string): Promise<WireObject[]> {
  if (!(await tables.has('inputs'))) return [];
  const rows = await tables.db.rows(
    "select destination_id, step from inputs where source_type = 'RUN_OUTPUT' and source_id = ? " +
      "and destination_type = 'MODEL_OUTPUT' order by destination_id, step",
    [runId],
  );
  return rows.map((r) => ({ model_id: text(r, 'destination_id'), step: integer(r, 'step') ?? 0 }));
}

/**
 * What a run took in and put out, as MLflow's REST API answers it in `inputs` and `outputs`: dataset inputs with
 * their tags (`inputs` rows `DATASET → RUN`), logged model inputs (`RUN_INPUT → MODEL_INPUT`) and outputs
 * (`RUN_OUTPUT → MODEL_OUTPUT`, with their step). Empty where MLflow's schema has no `inputs` table yet.
 */
export async function runInputsAndOutputs(
  tables: MlflowTables,
  runId: string,
): Promise<{ datasetInputs: WireObject[]; modelInputs: string[]; modelOutputs: WireObject[] }> {
  return {
    datasetInputs: await datasetInputs(tables, runId),
    modelInputs: await modelInputs(tables, runId),
    modelOutputs: await modelOutputs(tables, runId),
  };
}
