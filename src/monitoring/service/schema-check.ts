import { parse as parseYaml } from 'yaml';
import type { FeatureValue, SchemaCheck, SignatureColumn, SignatureColumnType } from './monitoring-types.js';

const TYPES: ReadonlySet<string> = new Set<SignatureColumnType>([
  'double',
  'float',
  'long',
  'integer',
  'boolean',
  'string',
  'datetime',
  'binary',
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The input schema of the signature in an MLmodel file (YAML; MLflow writes `signature.inputs` as a JSON string of
 * column specs). Undefined when the file has no signature, an unreadable one, or a tensor-based one (tensors
 * have no named columns to check). Column types other than MLflow's scalar ones (array, object, map) are kept
 * with type `null`: their presence is checked, not their values.
 *
 * Example: `signatureInputs("signature:\n  inputs: '[{\"type\": \"double\", \"name\": \"x\"}]'\n")`
 *          → `[{ name: 'x', type: 'double', required: true }]`.
 */
export function signatureInputs(mlmodel: string): SignatureColumn[] | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(mlmodel);
  } catch {
    return undefined;
  }
  if (!isRecord(doc) || !isRecord(doc.signature)) return undefined;
  const raw = doc.signature.inputs;
  if (typeof raw !== 'string') return undefined;
  let specs: unknown;
  try {
    specs = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(specs) || specs.length === 0) return undefined;
  const columns: SignatureColumn[] = [];
  for (const spec of specs) {
    if (!isRecord(spec) || spec.type === 'tensor' || typeof spec.name !== 'string') return undefined;
    columns.push({
      name: spec.name,
      type: typeof spec.type === 'string' && TYPES.has(spec.type) ? (spec.type as SignatureColumnType) : null,
      required: spec.required !== false,
    });
  }
  return columns;
}

const INT32 = 2 ** 31;

/** Whether a logged JSON value fits a MLflow column type (null, a missing value, always does). */
export function fitsSignatureType(value: FeatureValue, type: SignatureColumnType): boolean {
  if (value === null) return true;
  switch (type) {
    case 'double':
    case 'float':
      return typeof value === 'number';
    case 'long':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= -INT32 && value < INT32;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
    case 'binary':
      return typeof value === 'string';
    case 'datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value));
  }
}

/**
 * Checks a window's feature records against a signature's input schema: required columns absent from records,
 * feature columns the schema does not name, and values whose JSON type does not fit the column's MLflow type
 * (numbers for double/float, whole numbers for long/integer, booleans, strings for string/binary, ISO-8601 text
 * for datetime). Each finding counts the records it was seen in. Pure.
 */
export function checkSchema(
  version: string,
  columns: readonly SignatureColumn[],
  records: readonly Readonly<Record<string, FeatureValue>>[],
): SchemaCheck {
  const named = new Map(columns.map((c) => [c.name, c]));
  const missing = new Map<string, number>();
  const unexpected = new Map<string, number>();
  const mismatched = new Map<string, { rows: number; example: string }>();
  for (const record of records) {
    for (const column of columns) {
      if (column.required && !Object.prototype.hasOwnProperty.call(record, column.name)) {
        missing.set(column.name, (missing.get(column.name) ?? 0) + 1);
      }
    }
    for (const [name, value] of Object.entries(record)) {
      const column = named.get(name);
      if (column === undefined) {
        unexpected.set(name, (unexpected.get(name) ?? 0) + 1);
        continue;
      }
      if (column.type === null || fitsSignatureType(value, column.type)) continue;
      const seen = mismatched.get(name);
      if (seen) seen.rows++;
      else mismatched.set(name, { rows: 1, example: JSON.stringify(value).slice(0, 100) });
    }
  }
  const byCount = <T extends { column: string; rows: number }>(list: T[]): T[] =>
    list.sort((a, b) => b.rows - a.rows || (a.column < b.column ? -1 : 1));
  const missingColumns = byCount([...missing].map(([column, rows]) => ({ column, rows })));
  const unexpectedColumns = byCount([...unexpected].map(([column, rows]) => ({ column, rows })));
  const typeMismatches = byCount(
    [...mismatched].map(([column, m]) => ({
      column,
      expected: named.get(column)!.type!,
      rows: m.rows,
      example: m.example,
    })),
  );
  return {
    version,
    columns: columns.length,
    missingColumns,
    unexpectedColumns,
    typeMismatches,
    violations: missingColumns.length + unexpectedColumns.length + typeMismatches.length,
  };
}
