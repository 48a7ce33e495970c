/**
 * MLflow reads request bodies with protobuf's JSON mapping, where a member set to `null` is "not set"; Bosun's
 * MLflow routes do the same (src/server/mlflow/json-body.ts drops `null` members before validation). The
 * OpenAPI document says so: every optional member of an MLflow JSON request body, at any depth, is
 * `nullable`. A required member sent as `null` is missing, and refused with 400 as the document implies.
 */

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The path prefixes whose JSON bodies are read MLflow's way (the `/ajax-api` copies are hidden from the document). */
export const nullAbsentPrefixes: readonly string[] = ['/api/2.0/mlflow/', '/api/3.0/mlflow/'];

/** Marks the optional properties of an object schema, and of the object schemas inside it, `nullable`. */
function markOptionalNullable(schema: unknown, depth: number): void {
  if (!isObject(schema) || depth > 32) return;
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) for (const branch of branches) markOptionalNullable(branch, depth + 1);
  }
  markOptionalNullable(schema.items, depth + 1);
  if (!isObject(schema.properties)) return;
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  for (const [name, property] of Object.entries(schema.properties)) {
    if (!isObject(property)) continue;
    if (!required.has(name)) property.nullable = true;
    markOptionalNullable(property, depth + 1);
  }
}

/**
 * Marks, in place, the optional request-body members of the operations under `nullAbsentPrefixes` as
 * `nullable` (OpenAPI 3.0) and returns the document; run from @fastify/swagger's `transformObject`.
 * Example: `documentNullMembers(openapiObject).paths['/api/2.0/mlflow/runs/create'].post.requestBody`.
 */
export function documentNullMembers<T extends object>(document: T): T {
  const paths = (document as JsonObject).paths;
  if (!isObject(paths)) return document;
  for (const [url, item] of Object.entries(paths)) {
    if (!isObject(item) || !nullAbsentPrefixes.some((prefix) => url.startsWith(prefix))) continue;
    for (const operation of Object.values(item)) {
      if (!isObject(operation) || !isObject(operation.requestBody)) continue;
      const content = operation.requestBody.content;
      if (!isObject(content)) continue;
      for (const media of Object.values(content)) {
        if (isObject(media)) markOptionalNullable(media.schema, 0);
      }
    }
  }
  return document;
}
