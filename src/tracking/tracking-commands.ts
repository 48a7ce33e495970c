/**
 * The changes other domains make to tracking's tables, as named commands: the registry, when a version it
 * creates belongs to a logged model. Tracking's tables stay tracking's; a caller outside this folder asks here.
 * Every function takes the caller's transaction, so the change commits or rolls back with the one it belongs to.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';

type Db = Kysely<Database>;

/** The logged-model tag MLflow keeps the registered versions of a logged model in, as a JSON list. */
export const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';

/** A registered model version, as listed in the `mlflow.modelVersions` tag. */
export interface RegisteredVersionRef {
  name: string;
  version: number;
}

/** A string as Python's `json.dumps` writes it (ASCII only: other characters as `\uXXXX`). */
function pythonJsonString(text: string): string {
  return JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * A JSON value as Python's `json.dumps` writes it with its default separators (`", "` and `": "`), which is
 * how MLflow spells the tag; clients compare the text.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return pythonJsonString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${pythonJsonString(k)}: ${pythonJsonDumps(v)}`);
    return `{${members.join(', ')}}`;
  }
  return 'null';
}

/** The entries already in the tag; a value that is not a JSON list counts as none (it is replaced). */
function parseEntries(value: string | undefined): unknown[] {
  if (value === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

function isSameRef(entry: unknown, ref: RegisteredVersionRef): boolean {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return false;
  const keys = Object.keys(entry);
  const record = entry as Record<string, unknown>;
  return keys.length === 2 && record['name'] === ref.name && record['version'] === ref.version;
}

/**
 * Tracking's named commands for other domains.
 *
 * Example: `await trackingCommands.recordModelVersion(trx, modelId, { name: 'model', version: 1 });`
 */
export const trackingCommands = {
  /**
   * Appends `ref` to the logged model's `mlflow.modelVersions` tag (`[{"name": "model", "version": 1}]`), as
   * MLflow's server does when a version is created with a `model_id`; an entry already listed is not repeated.
   * A logged model that is absent or deleted is left alone (answers false).
   */
  async recordModelVersion(db: Db, modelId: string, ref: RegisteredVersionRef): Promise<boolean> {
    const model = await db
      .selectFrom('logged_models')
      .select('model_id')
      .where('model_id', '=', modelId)
      .where('lifecycle_stage', '=', 'active')
      .executeTakeFirst();
    if (!model) return false;
    const current = await db
      .selectFrom('logged_model_tags')
      .select('value')
      .where('model_id', '=', modelId)
      .where('key', '=', MODEL_VERSIONS_TAG)
      .executeTakeFirst();
    const entries = parseEntries(current?.value);
    if (!entries.some((entry) => isSameRef(entry, ref)))
      entries.push({ name: ref.name, version: ref.version });
    await db
      .insertInto('logged_model_tags')
      .values({ model_id: modelId, key: MODEL_VERSIONS_TAG, value: pythonJsonDumps(entries) })
      .onConflict((oc) =>
        oc.columns(['model_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
      )
      .execute();
    return true;
  },
};
