import { sql, type Kysely } from 'kysely';
import { artifactUriToStorePath, isProxiedArtifactUri } from '../artifacts/index.js';
import type { Database } from '../db/index.js';

/** A model version whose files live at (or around) an artifact path. */
export interface VersionUsingArtifactPath {
  name: string;
  version: number;
  /** The version's storage location as recorded, e.g. `mlflow-artifacts:/1/3f2a/artifacts/model`. */
  storageLocation: string;
}

/**
 * Which versions a change at a store path touches:
 * - `write` (a file written at the path): versions stored at the path or at one of its ancestors;
 * - `delete` (the path removed with everything below it): those, and versions stored below the path.
 */
export type ArtifactChange = 'write' | 'delete';

const STORE_PREFIX = 'mlflow-artifacts:/';
const HTTP_PROXY_MARKER = '%/mlflow-artifacts/artifacts/%';

function ancestorsOrSelf(path: string): string[] {
  const segments = path.split('/');
  return segments.map((_, i) => segments.slice(0, i + 1).join('/'));
}

function touches(stored: string, path: string, change: ArtifactChange): boolean {
  const inside = (outer: string, inner: string): boolean => inner === outer || inner.startsWith(`${outer}/`);
  return inside(stored, path) || (change === 'delete' && inside(path, stored));
}

/**
 * The registered model versions whose files a change at `storePath` (a canonical store path, e.g. from
 * `parseArtifactRequestPath`; never `''`) would alter, by model name and version. Registered artifacts are immutable, so the
 * artifact proxy refuses such changes.
 *
 * A version's `storage_location` is resolved when it is created (source-validation.ts): `runs:/<run>/<path>`
 * becomes the run's artifact URI + path, `models:/m-<id>` the logged model's artifact location,
 * `models:/<name>/<n>` that version's location, and `mlflow-artifacts:/...` is kept in its canonical form
 * (`mlflow-artifacts:/<path>`, no host, no trailing slash). So one column answers for every source form. The SQL
 * matches the canonical form exactly and segment-wise (`1/abc` never matches `1/abcd`); locations written as a
 * proxy URL (`http(s)://host/.../mlflow-artifacts/artifacts/<path>`, or with a host) are read and compared here.
 * Same SQL on SQLite and PostgreSQL (`substr`/`length` count characters on both).
 *
 * Example: `await findVersionsUsingArtifactPath(db, '1/3f2a/artifacts', 'delete')`
 *          → `[{ name: 'churn', version: 3, storageLocation: 'mlflow-artifacts:/1/3f2a/artifacts/model' }]`.
 */
export async function findVersionsUsingArtifactPath(
  db: Kysely<Database>,
  storePath: string,
  change: ArtifactChange,
): Promise<VersionUsingArtifactPath[]> {
  if (storePath === '')
    throw new Error('findVersionsUsingArtifactPath: the store root is not a version path');
  const exact = ancestorsOrSelf(storePath).map((path) => `${STORE_PREFIX}${path}`);
  const below = `${STORE_PREFIX}${storePath}/`;
  const rows = await db
    .selectFrom('model_versions')
    .innerJoin(
      'registered_models',
      'registered_models.registered_model_id',
      'model_versions.registered_model_id',
    )
    .select([
      'registered_models.name as name',
      'model_versions.version as version',
      'model_versions.storage_location as storageLocation',
    ])
    .where((eb) =>
      eb.or([
        eb('model_versions.storage_location', 'in', exact),
        ...(change === 'delete'
          ? [eb(sql`substr(model_versions.storage_location, 1, ${[...below].length})`, '=', below)]
          : []),
        eb('model_versions.storage_location', 'like', 'mlflow-artifacts://%'),
        eb('model_versions.storage_location', 'like', HTTP_PROXY_MARKER),
      ]),
    )
    .orderBy('registered_models.name')
    .orderBy('model_versions.version')
    .execute();
  return rows
    .filter((row) => {
      if (!isProxiedArtifactUri(row.storageLocation)) return false;
      let stored: string;
      try {
        stored = artifactUriToStorePath(row.storageLocation);
      } catch {
        return false;
      }
      return stored !== '' && touches(stored, storePath, change);
    })
    .map((row) => ({ name: row.name, version: Number(row.version), storageLocation: row.storageLocation }));
}
