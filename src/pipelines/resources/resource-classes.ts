import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { InvalidParameterError } from '../../shared/index.js';
import { RESOURCE_CLASS_PATTERN } from '../spec/syntax.js';

/** Whether a class's machines are kept (on-demand) or may be taken back at any time (spot, preemptible). */
export type ResourceCapacity = 'on-demand' | 'spot';

/** The capacities a class may name. */
export const RESOURCE_CAPACITIES: readonly ResourceCapacity[] = ['on-demand', 'spot'];

/** A Kubernetes toleration, as in a Pod spec. */
export interface ResourceToleration {
  key?: string;
  operator: 'Equal' | 'Exists';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/**
 * A resource class defined on the server: what a step that names it (`resources: {class: NAME}`) costs per
 * hour, on which capacity it runs, and where it runs (Kubernetes node selector and tolerations; worker labels).
 *
 * @example
 * { name: 'cpu.small', pricePerHour: 0.1, capacity: 'on-demand', spotPricePerHour: 0.03, labels: { cpu: '2' } }
 */
export interface ResourceClass {
  name: string;
  /** USD per hour of wall time (the on-demand price). */
  pricePerHour: number;
  capacity: ResourceCapacity;
  /** USD per hour on spot capacity; without it a spot run is priced at `pricePerHour`. */
  spotPricePerHour?: number;
  /** How a Kubernetes Job of this class is placed. */
  kubernetes?: { nodeSelector: Record<string, string>; tolerations: ResourceToleration[] };
  /** The worker labels a step of this class needs (`bosun worker --label`). */
  labels: Record<string, string>;
}

/**
 * The server's resource classes, by name (`bosun server --resource-classes FILE`, BOSUN_RESOURCE_CLASSES_FILE).
 * Empty when no file is given: then a pipeline that names a class is refused.
 *
 * @example
 * const classes = await loadResourceClassesFile('resource-classes.yaml');
 * classes.require('gpu.small').pricePerHour; // 2.5, or a 400 listing the known classes
 */
export class ResourceClasses {
  readonly #byName: ReadonlyMap<string, ResourceClass>;

  constructor(classes: readonly ResourceClass[] = []) {
    this.#byName = new Map(classes.map((c) => [c.name, c]));
  }

  /** No classes (no file given). */
  static readonly none = new ResourceClasses();

  /** The classes, in the file's order. */
  list(): ResourceClass[] {
    return [...this.#byName.values()];
  }

  get(name: string): ResourceClass | undefined {
    return this.#byName.get(name);
  }

  /** The class, or an InvalidParameterError (400) that names the known ones. */
  require(name: string, where = ''): ResourceClass {
    const found = this.#byName.get(name);
    if (found !== undefined) return found;
    const known = [...this.#byName.keys()];
    throw new InvalidParameterError(
      `${where}unknown resource class '${name}': ` +
        (known.length === 0
          ? 'this server defines no resource classes (start it with --resource-classes FILE)'
          : `the server defines ${known.map((k) => `'${k}'`).join(', ')}`),
    );
  }
}

/** Where a value sits in the file, for error messages: `classes[1].kubernetes.tolerations[0].effect`. */
type Problems = string[];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownFields(obj: Record<string, unknown>, allowed: readonly string[], at: string, out: Problems) {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) out.push(`${at}.${key}: unknown field (expected ${allowed.join(', ')})`);
  }
}

function price(value: unknown, at: string, out: Problems): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    out.push(`${at}: expected a price in USD per hour, a number of 0 or more (got ${JSON.stringify(value)})`);
    return undefined;
  }
  return value;
}

function stringMap(value: unknown, at: string, out: Problems): Record<string, string> {
  if (!isObject(value)) {
    out.push(`${at}: expected a map of names to strings`);
    return {};
  }
  const map: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '' || k.length > 253) out.push(`${at}: key '${k}' must have 1 to 253 characters`);
    if (typeof v === 'string') map[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') map[k] = String(v);
    else out.push(`${at}.${k}: expected a string`);
  }
  return map;
}

const TOLERATION_OPERATORS = ['Equal', 'Exists'] as const;
const TOLERATION_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

function toleration(value: unknown, at: string, out: Problems): ResourceToleration | undefined {
  if (!isObject(value)) {
    out.push(`${at}: expected {key, operator, value, effect}`);
    return undefined;
  }
  unknownFields(value, ['key', 'operator', 'value', 'effect'], at, out);
  const t: ResourceToleration = { operator: 'Equal' };
  const { key, operator, value: v, effect } = value;
  if (key !== undefined) {
    if (typeof key === 'string') t.key = key;
    else out.push(`${at}.key: expected a string`);
  }
  if (operator !== undefined) {
    if (TOLERATION_OPERATORS.includes(operator as 'Equal')) t.operator = operator as 'Equal' | 'Exists';
    else out.push(`${at}.operator: expected Equal or Exists (got ${JSON.stringify(operator)})`);
  }
  if (v !== undefined) {
    if (typeof v === 'string') t.value = v;
    else out.push(`${at}.value: expected a string (quote "true")`);
  }
  if (effect !== undefined) {
    if (TOLERATION_EFFECTS.includes(effect as 'NoSchedule'))
      t.effect = effect as ResourceToleration['effect'];
    else out.push(`${at}.effect: expected ${TOLERATION_EFFECTS.join(', ')} (got ${JSON.stringify(effect)})`);
  }
  if (t.operator === 'Exists' && t.value !== undefined)
    out.push(`${at}.value: not allowed with operator Exists`);
  if (t.operator === 'Equal' && t.key === undefined) out.push(`${at}.key: required with operator Equal`);
  return t;
}

function kubernetes(value: unknown, at: string, out: Problems): ResourceClass['kubernetes'] {
  if (!isObject(value)) {
    out.push(`${at}: expected {node_selector, tolerations}`);
    return undefined;
  }
  unknownFields(value, ['node_selector', 'tolerations'], at, out);
  const nodeSelector =
    value.node_selector === undefined ? {} : stringMap(value.node_selector, `${at}.node_selector`, out);
  const tolerations: ResourceToleration[] = [];
  if (value.tolerations !== undefined) {
    if (!Array.isArray(value.tolerations)) out.push(`${at}.tolerations: expected a list`);
    else
      for (const [i, t] of (value.tolerations as unknown[]).entries()) {
        const parsed = toleration(t, `${at}.tolerations[${i}]`, out);
        if (parsed !== undefined) tolerations.push(parsed);
      }
  }
  return { nodeSelector, tolerations };
}

const CLASS_FIELDS = ['name', 'price_per_hour', 'capacity', 'spot_price_per_hour', 'kubernetes', 'labels'];

function resourceClass(value: unknown, at: string, out: Problems): ResourceClass | undefined {
  if (!isObject(value)) {
    out.push(`${at}: expected a class {name, price_per_hour, capacity, ...}`);
    return undefined;
  }
  unknownFields(value, CLASS_FIELDS, at, out);
  const before = out.length;
  const { name, capacity } = value;
  if (typeof name !== 'string' || !new RegExp(RESOURCE_CLASS_PATTERN).test(name)) {
    out.push(
      `${at}.name: expected a class name (letters, digits, '_', '.', '-'; up to 63 characters), got ${JSON.stringify(name)}`,
    );
  }
  const pricePerHour = price(value.price_per_hour, `${at}.price_per_hour`, out);
  if (!RESOURCE_CAPACITIES.includes(capacity as ResourceCapacity)) {
    out.push(`${at}.capacity: expected on-demand or spot (got ${JSON.stringify(capacity)})`);
  }
  const spot =
    value.spot_price_per_hour === undefined
      ? undefined
      : price(value.spot_price_per_hour, `${at}.spot_price_per_hour`, out);
  const k8s =
    value.kubernetes === undefined ? undefined : kubernetes(value.kubernetes, `${at}.kubernetes`, out);
  const labels = value.labels === undefined ? {} : stringMap(value.labels, `${at}.labels`, out);
  if (out.length > before || typeof name !== 'string' || pricePerHour === undefined) return undefined;
  return {
    name,
    pricePerHour,
    capacity: capacity as ResourceCapacity,
    ...(spot !== undefined ? { spotPricePerHour: spot } : {}),
    ...(k8s !== undefined ? { kubernetes: k8s } : {}),
    labels,
  };
}

/**
 * Parses a resource classes document (YAML or JSON) read from `source` (named in every error). The document is
 * `{classes: [{name, price_per_hour, capacity, spot_price_per_hour?, kubernetes?, labels?}, ...]}`; every problem
 * is reported at once, each with its field path, in one InvalidParameterError.
 *
 * @example
 * parseResourceClasses('classes:\n  - {name: cpu.small, price_per_hour: 0.1, capacity: on-demand}\n', 'rc.yaml');
 */
export function parseResourceClasses(text: string, source: string): ResourceClasses {
  let document: unknown;
  try {
    document = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new InvalidParameterError(
      `Resource classes file '${source}' is not valid YAML or JSON: ${message}`,
    );
  }
  const out: Problems = [];
  const classes: ResourceClass[] = [];
  if (!isObject(document) || !Array.isArray(document.classes)) {
    out.push(
      'classes: expected a list of resource classes at the top (classes: [{name, price_per_hour, capacity}])',
    );
  } else {
    unknownFields(document, ['classes'], '(top)', out);
    const seen = new Set<string>();
    for (const [i, entry] of (document.classes as unknown[]).entries()) {
      const parsed = resourceClass(entry, `classes[${i}]`, out);
      if (parsed === undefined) continue;
      if (seen.has(parsed.name)) out.push(`classes[${i}].name: '${parsed.name}' is defined twice`);
      seen.add(parsed.name);
      classes.push(parsed);
    }
  }
  if (out.length > 0) {
    const shown = out.slice(0, 20).map((p) => `  ${p}`);
    if (out.length > 20) shown.push(`  ... and ${out.length - 20} more`);
    throw new InvalidParameterError(`Resource classes file '${source}' is not valid:\n${shown.join('\n')}`);
  }
  return new ResourceClasses(classes);
}

/** Reads and parses a resource classes file; an unreadable file is an InvalidParameterError naming it. */
export async function loadResourceClassesFile(path: string): Promise<ResourceClasses> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InvalidParameterError(`Cannot read the resource classes file '${path}' (${code})`);
  }
  return parseResourceClasses(text, path);
}
