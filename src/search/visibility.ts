import { sql, type RawBuilder, type SqlBool } from 'kysely';

/**
 * The SQL condition that keeps only the rows a caller may read: `column` holds the resource identifier
 * (experiment id or registered model name). `toValue` maps a resource identifier to the column's type and
 * drops identifiers that cannot match (e.g. a non-numeric experiment id). Example:
 * `query.where(visibilityCondition(sql.ref('experiments.experiment_id'), v, Number))`.
 */
export function visibilityCondition<T extends string | number>(
  column: RawBuilder<unknown>,
  visibility: Visibility,
  toValue: (resource: string) => T | undefined,
): RawBuilder<SqlBool> {
  if (visibility.kind === 'all') return sql<SqlBool>`1 = 1`;
  const values = visibility.resources.map(toValue).filter((v): v is T => v !== undefined);
  if (values.length === 0) return visibility.kind === 'only' ? sql<SqlBool>`1 = 0` : sql<SqlBool>`1 = 1`;
  const list = sql.join(values.map((v) => sql`${v}`));
  return visibility.kind === 'only'
    ? sql<SqlBool>`${column} in (${list})`
    : sql<SqlBool>`${column} not in (${list})`;
}

/** An experiment id as the experiments table stores it; undefined for one that cannot exist. */
export function experimentIdValue(resource: string): number | undefined {
  return /^\d{1,15}$/.test(resource) ? Number(resource) : undefined;
}

/** A registered model name as stored. */
export function modelNameValue(resource: string): string {
  return resource;
}

/**
 * Which resources of one kind a caller may read, as a search can apply it in SQL: every one, every one but
 * some (the default permission reads, some grants say NO_PERMISSIONS), or only some (the default does not read).
 */
export type Visibility =
  { kind: 'all' } | { kind: 'except'; resources: string[] } | { kind: 'only'; resources: string[] };

/** Whether a visibility lets the caller read one resource (the in-memory twin of the SQL filter). */
export function isVisible(visibility: Visibility, resource: string): boolean {
  switch (visibility.kind) {
    case 'all':
      return true;
    case 'except':
      return !visibility.resources.includes(resource);
    case 'only':
      return visibility.resources.includes(resource);
  }
}
