import { posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { pathWithin, realLocalPath } from './local-source.js';
import { storageLocationDialectOf } from './storage-location-dialect.js';

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
const FILE_PREFIX = 'file:///';

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
 * `parseArtifactRequestPath`; never `''`) would alter, by model name and version. Registered artifacts are
 * immutable, so the artifact proxy refuses such changes.
 *
 * A version's `storage_location` is resolved when it is created (source-validation.ts): `runs:/<run>/<path>`
 * becomes the run's artifact URI + path, `models:/m-<id>` the logged model's artifact location,
 * `models:/<name>/<n>` that version's location, and every location in this server's store is kept in one
 * canonical form, `mlflow-artifacts:/<path>` (no host, no trailing slash). So one column answers for every source
 * form, by exact matches: the path and its ancestors (`in`), and for deletes the locations below it (a range of
 * byte-ordered strings from `<path>/` to `<path>0`, segment-wise: `1/abc` never matches `1/abcd`). Both parts are
 * served by the index `model_versions_storage_location` (storage-location-dialect.ts has the one engine
 * difference: PostgreSQL compares in the "C" collation). Locations recorded as remote (`s3://...`, `https://...`) are not this store's files, as
 * for get-artifact and scanning.
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
  return findVersionsAt(db, STORE_PREFIX, storePath, change);
}

/**
 * The registered versions a change at an absolute local path would alter, for the routes that write to local
 * folders themselves (the web UI's upload into a run kept in a folder). Versions registered from a local source
 * are recorded as `file://<real path>` (model-version-source-resolver.ts), or as `mlflow-artifacts:/<path>` when
 * the folder lies in the server's store (`storeFolder`); the path is matched in both forms, as written and with
 * symbolic links resolved (`realLocalPath`), so no spelling of the same folder escapes the check.
 *
 * Example: `await findVersionsUsingLocalPath(db, '/mnt/runs/1/3f2a/artifacts/model/model.pkl', 'write')`
 *          → `[{ name: 'churn', version: 2, storageLocation: 'file:///mnt/runs/1/3f2a/artifacts/model' }]`.
 */
export async function findVersionsUsingLocalPath(
  db: Kysely<Database>,
  absolutePath: string,
  change: ArtifactChange,
  storeFolder?: string,
): Promise<VersionUsingArtifactPath[]> {
  const lexical = posix.resolve('/', absolutePath);
  const spellings = [...new Set([lexical, await realLocalPath(lexical)])];
  const stores =
    storeFolder === undefined
      ? []
      : [...new Set([posix.resolve('/', storeFolder), await realLocalPath(posix.resolve('/', storeFolder))])];
  const found = new Map<string, VersionUsingArtifactPath>();
  for (const path of spellings) {
    const asUrl = pathToFileURL(path).href.slice(FILE_PREFIX.length);
    const lookups: [string, string][] = asUrl === '' ? [] : [[FILE_PREFIX, asUrl]];
    for (const store of stores) {
      if (path !== store && pathWithin(store, path))
        lookups.push([STORE_PREFIX, path.slice(store.length + 1)]);
    }
    for (const [prefix, rest] of lookups) {
      for (const version of await findVersionsAt(db, prefix, rest, change)) {
        found.set(`${version.name}\u0000${version.version}`, version);
      }
    }
  }
  return [...found.values()].sort((a, b) =>
    a.name === b.name ? a.version - b.version : a.name < b.name ? -1 : 1,
  );
}

/** Versions whose location is `<prefix><path>`, an ancestor of it, or (deletes) below it. */
async function findVersionsAt(
  db: Kysely<Database>,
  prefix: string,
  storePath: string,
  change: ArtifactChange,
): Promise<VersionUsingArtifactPath[]> {
  const exact = ancestorsOrSelf(storePath).map((path) => `${prefix}${path}`);
  // Locations below the path are the strings starting with `<path>/`: in byte order, exactly those from `<path>/`
  // (inclusive) to `<path>0` (exclusive), '0' being the byte right after '/'. A sibling sharing the first letters
  // (`<path>d`, `<path>-x`) does not start with `<path>/` and sorts outside the range.
  const below = `${prefix}${storePath}/`;
  const belowEnd = `${prefix}${storePath}0`;
  const location = storageLocationDialectOf(db).byteOrdered(sql.ref('model_versions.storage_location'));
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
        eb(location, 'in', exact),
        ...(change === 'delete' ? [eb.and([eb(location, '>=', below), eb(location, '<', belowEnd)])] : []),
      ]),
    )
    .orderBy('registered_models.name')
    .orderBy('model_versions.version')
    .execute();
  return rows
    .filter(
      (row) =>
        row.storageLocation.startsWith(prefix) &&
        touches(row.storageLocation.slice(prefix.length), storePath, change),
    )
    .map((row) => ({ name: row.name, version: Number(row.version), storageLocation: row.storageLocation }));
}
