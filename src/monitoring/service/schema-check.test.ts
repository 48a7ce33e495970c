import { describe, expect, it } from 'vitest';
import { checkSchema, fitsSignatureType, signatureInputs } from './schema-check.js';

/** An MLmodel as mlflow 2.x/3.x writes it: the signature's inputs are a single-quoted JSON string. */
const mlmodel = `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name":
    "city", "required": true}, {"type": "long", "name": "n", "required": true}, {"type":
    "boolean", "name": "vip", "required": false}, {"type": "array", "items": {"type": "double"},
    "name": "hist", "required": false}]'
  outputs: '[{"type": "long", "required": true}]'
  params: null
mlflow_version: 2.22.0
`;

describe('signatureInputs', () => {
  it("reads a column-based signature's input schema, keeping non-scalar types unchecked", () => {
    expect(signatureInputs(mlmodel)).toEqual([
      { name: 'x', type: 'double', required: true },
      { name: 'city', type: 'string', required: true },
      { name: 'n', type: 'long', required: true },
      { name: 'vip', type: 'boolean', required: false },
      { name: 'hist', type: null, required: false },
    ]);
  });

  it('has nothing to check without a signature, with a tensor one, or with unreadable YAML', () => {
    expect(signatureInputs('flavors: {}\n')).toBeUndefined();
    expect(
      signatureInputs(
        `signature:\n  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}]'\n`,
      ),
    ).toBeUndefined();
    expect(signatureInputs('signature: [unclosed')).toBeUndefined();
    expect(signatureInputs("signature:\n  inputs: 'not json'\n")).toBeUndefined();
  });
});

describe('checkSchema', () => {
  const columns = signatureInputs(mlmodel)!;

  it('counts missing required columns, unexpected columns and mistyped values per column', () => {
    const check = checkSchema('3', columns, [
      { x: 1.5, city: 'a', n: 2 },
      { x: 'oops', city: 'b', n: 2.5, extra: 1 },
      { x: 2, city: 7, extra: 2 },
      { x: null, city: null, n: null, vip: 'yes', hist: [1] as unknown as null },
    ]);
    expect(check).toEqual({
      version: '3',
      columns: 5,
      missingColumns: [{ column: 'n', rows: 1 }],
      unexpectedColumns: [{ column: 'extra', rows: 2 }],
      typeMismatches: [
        { column: 'city', expected: 'string', rows: 1, example: '7' },
        { column: 'n', expected: 'long', rows: 1, example: '2.5' },
        { column: 'vip', expected: 'boolean', rows: 1, example: '"yes"' },
        { column: 'x', expected: 'double', rows: 1, example: '"oops"' },
      ],
      violations: 6,
    });
  });

  it('finds nothing in records that fit, optional columns left out', () => {
    const check = checkSchema('1', columns, [
      { x: 1, city: 'a', n: 3 },
      { x: 0.5, city: 'b', n: -1, vip: true },
    ]);
    expect(check.violations).toBe(0);
    expect(check.missingColumns).toEqual([]);
  });

  it("fits values to MLflow's types", () => {
    expect(fitsSignatureType(3, 'integer')).toBe(true);
    expect(fitsSignatureType(2 ** 31, 'integer')).toBe(false);
    expect(fitsSignatureType(2 ** 31, 'long')).toBe(true);
    expect(fitsSignatureType(1.5, 'float')).toBe(true);
    expect(fitsSignatureType('2026-01-02T03:04:05Z', 'datetime')).toBe(true);
    expect(fitsSignatureType('yesterday', 'datetime')).toBe(false);
    expect(fitsSignatureType('aGVsbG8=', 'binary')).toBe(true);
    expect(fitsSignatureType(true, 'string')).toBe(false);
    expect(fitsSignatureType(null, 'double')).toBe(true);
  });
});
