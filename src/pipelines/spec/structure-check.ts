import type { TSchema } from '@sinclair/typebox';
import { didYouMean, formatPath, type Diagnostic, type DocPath } from './diagnostics.js';
import type { SourceMap } from './read-document.js';
import * as syntax from './syntax.js';

/**
 * Checks a document against the TypeBox schema it must follow and says what is wrong in a person's words ("unknown
 * field 'retires' (did you mean 'retry'?)") rather than a validator's ("must NOT have additional properties").
 * It reads the subset of JSON Schema the pipeline schema uses; `structure-check.test.ts` holds it to the published
 * schema with a general validator (ajv), so the two agree on what is valid.
 */

type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

interface Schema {
  type?: SchemaType;
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: { required: string[] }[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  patternProperties?: Record<string, Schema>;
  minProperties?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  description?: string;
  title?: string;
}

/** What each key pattern means, for "is not a valid name" messages on map keys. */
const keyRules = new Map<string, string>([
  [syntax.NAME_PATTERN, syntax.NAME_RULE],
  [syntax.ENV_NAME_PATTERN, syntax.ENV_NAME_RULE],
  [syntax.LABEL_KEY_PATTERN, syntax.LABEL_KEY_RULE],
]);

export interface StructureResult {
  diagnostics: Diagnostic[];
  /** Formatted paths at or under which something is wrong: later checks skip what they cannot trust. */
  broken: Set<string>;
}

/** Checks `value` against `schema`; `sourceMap` (from the file) adds lines and columns. */
export function checkStructure(schema: TSchema, value: unknown, sourceMap?: SourceMap): StructureResult {
  const diagnostics: Diagnostic[] = [];
  const broken = new Set<string>();

  const report = (
    path: DocPath,
    message: string,
    part: 'key' | 'value' = 'value',
    code: Diagnostic['code'] = 'field',
  ) => {
    broken.add(formatPath(path));
    diagnostics.push({ code, path: formatPath(path), message, ...(sourceMap?.locate(path, part) ?? {}) });
  };

  const check = (s: Schema, v: unknown, path: DocPath): void => {
    if (s.anyOf !== undefined) return checkUnion(s.anyOf, v, path);
    if (s.const !== undefined) {
      if (v !== s.const)
        report(
          path,
          `must be ${show(s.const)}, not ${show(v)}`,
          'value',
          versionField(path) ? 'version' : 'field',
        );
      return;
    }
    switch (s.type) {
      case 'object':
        return checkObject(s, v, path);
      case 'array':
        return checkArray(s, v, path);
      case 'string':
        return checkString(s, v, path);
      case 'integer':
      case 'number':
        return checkNumber(s, v, path);
      case 'boolean':
        if (typeof v !== 'boolean') report(path, `expected true or false, got ${describe(v)}`);
        return;
      case undefined:
        return;
    }
  };

  const checkObject = (s: Schema, v: unknown, path: DocPath): void => {
    if (!isPlainObject(v)) return report(path, `expected a map, got ${describe(v)}`);
    const properties = s.properties ?? {};
    const patterns = Object.entries(s.patternProperties ?? {});
    for (const [key, child] of Object.entries(v)) {
      const known = properties[key];
      if (known !== undefined) {
        check(known, child, [...path, key]);
        continue;
      }
      if (patterns.length > 0) {
        const match = patterns.find(([p]) => new RegExp(p).test(key));
        if (match !== undefined) check(match[1], child, [...path, key]);
        else {
          const rule = keyRules.get(patterns[0]?.[0] ?? '') ?? `keys must match ${patterns[0]?.[0]}`;
          report([...path, key], `'${key}' is not a valid name: ${rule}`, 'key');
        }
        continue;
      }
      if (s.additionalProperties === false) {
        report([...path, key], `unknown field '${key}'${didYouMean(key, Object.keys(properties))}`, 'key');
      }
    }
    for (const name of s.required ?? []) {
      if (!(name in v))
        report(path, `missing field '${name}'`, 'value', versionField([name]) ? 'version' : 'field');
    }
    if (s.minProperties !== undefined && Object.keys(v).length < s.minProperties) {
      report(path, `needs at least ${s.minProperties} ${s.minProperties === 1 ? 'entry' : 'entries'}`);
    }
    if (s.oneOf !== undefined) {
      const choices = s.oneOf.map((branch) => branch.required[0] ?? '');
      const present = choices.filter((name) => name in v);
      const what = path.length === 2 && (path[0] === 'steps' || path[0] === 'on_exit') ? 'a step' : 'this';
      if (present.length === 0) report(path, `${what} needs one of ${orList(choices)}`);
      else if (present.length > 1) {
        report(
          [...path, present[1] ?? ''],
          `${what} has both ${present[0]} and ${present[1]}: give only one of ${orList(choices)}`,
          'key',
        );
      }
    }
  };

  const checkArray = (s: Schema, v: unknown, path: DocPath): void => {
    if (!Array.isArray(v)) return report(path, `expected a list, got ${describe(v)}`);
    if (s.minItems !== undefined && v.length < s.minItems)
      report(path, `needs at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
    if (s.maxItems !== undefined && v.length > s.maxItems)
      report(path, `has ${v.length} items, more than ${s.maxItems}`);
    if (s.items !== undefined) {
      const items = s.items;
      v.forEach((item, index) => check(items, item, [...path, index]));
    }
  };

  const checkString = (s: Schema, v: unknown, path: DocPath): void => {
    if (typeof v !== 'string') return report(path, `expected a string, got ${describe(v)}`);
    if (s.minLength !== undefined && v.length < s.minLength) {
      report(path, s.minLength === 1 ? 'must not be empty' : `must be at least ${s.minLength} characters`);
    } else if (s.maxLength !== undefined && v.length > s.maxLength) {
      report(path, `is longer than ${s.maxLength} characters`);
    } else if (s.pattern !== undefined && !new RegExp(s.pattern).test(v)) {
      report(path, `'${v}' is not valid: ${s.description ?? `must match ${s.pattern}`}`);
    }
  };

  const checkNumber = (s: Schema, v: unknown, path: DocPath): void => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      return report(path, `expected a number, got ${describe(v)}`);
    if (s.type === 'integer' && !Number.isSafeInteger(v))
      return report(path, `expected a whole number, got ${v}`);
    if (s.minimum !== undefined && v < s.minimum) report(path, `must be at least ${s.minimum}, not ${v}`);
    else if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum)
      report(path, `must be more than ${s.exclusiveMinimum}, not ${v}`);
    else if (s.maximum !== undefined && v > s.maximum) report(path, `must be at most ${s.maximum}, not ${v}`);
  };

  const checkUnion = (branches: Schema[], v: unknown, path: DocPath): void => {
    // A choice of constants: `on_reject: fail | continue`.
    if (branches.every((b) => b.const !== undefined)) {
      const allowed = branches.map((b) => String(b.const));
      if (!allowed.includes(v as string)) {
        report(
          path,
          `${show(v)} is not one of ${allowed.join(', ')}${typeof v === 'string' ? didYouMean(v, allowed) : ''}`,
        );
      }
      return;
    }
    // Objects told apart by their `type` field: the seven value types.
    const tagged = branches.map((b) => b.properties?.['type']?.const);
    if (tagged.every((t) => typeof t === 'string')) {
      if (!isPlainObject(v)) return report(path, `expected a map with a type, got ${describe(v)}`);
      const names = tagged as string[];
      if (!('type' in v)) return report(path, `missing field 'type' (one of ${names.join(', ')})`);
      const index = names.indexOf(v['type'] as string);
      if (index < 0) {
        const given = v['type'];
        return report(
          [...path, 'type'],
          `unknown type ${show(given)}: expected one of ${names.join(', ')}${typeof given === 'string' ? didYouMean(given, names) : ''}`,
        );
      }
      return check(branches[index] as Schema, v, path);
    }
    // Anything else (a literal: string, number, boolean or list): pick the branch by the value's own type.
    const fitting = branches.find((b) => fitsType(b, v));
    if (fitting === undefined)
      return report(path, `expected ${orList(branches.map(typeWord))}, got ${describe(v)}`);
    check(fitting, v, path);
  };

  check(schema as unknown as Schema, value, []);
  return { diagnostics, broken };
}

function versionField(path: DocPath): boolean {
  return path.length === 1 && (path[0] === 'apiVersion' || path[0] === 'kind');
}

function fitsType(s: Schema, v: unknown): boolean {
  switch (s.type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
    case 'integer':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isPlainObject(v);
    case undefined:
      return false;
  }
}

function typeWord(s: Schema): string {
  switch (s.type) {
    case 'string':
      return 'a string';
    case 'number':
    case 'integer':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
    case undefined:
      return 'a map';
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string '${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return String(v);
  return typeof v === 'object' ? 'a map' : typeof v;
}

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v));
}

function orList(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}
