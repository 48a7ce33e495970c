import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../shared/index.js';
import { validatePipeline } from '../spec/index.js';
import { loadResourceClassesFile, parseResourceClasses, ResourceClasses } from './resource-classes.js';
import { checkResourceClasses, hourlyPrice, runsOnSpot, stepClassName } from './step-class.js';
import { makeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

const FILE = `
classes:
  - name: cpu.small
    price_per_hour: 0.1
    capacity: on-demand
    spot_price_per_hour: 0.03
    labels: { cpu: 2, memory: 8Gi }
  - name: gpu.spot
    price_per_hour: 3
    spot_price_per_hour: 0.9
    capacity: spot
    kubernetes:
      node_selector: { cloud.google.com/gke-spot: "true" }
      tolerations:
        - { key: cloud.google.com/gke-spot, operator: Equal, value: "true", effect: NoSchedule }
        - { operator: Exists }
`;

function problemOf(text: string): string {
  try {
    parseResourceClasses(text, 'rc.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidParameterError);
    return (err as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('resource classes file', () => {
  it('parses classes with prices, capacity, placement and labels', () => {
    const classes = parseResourceClasses(FILE, 'rc.yaml');
    expect(classes.list().map((c) => c.name)).toEqual(['cpu.small', 'gpu.spot']);
    expect(classes.get('cpu.small')).toEqual({
      name: 'cpu.small',
      pricePerHour: 0.1,
      capacity: 'on-demand',
      spotPricePerHour: 0.03,
      labels: { cpu: '2', memory: '8Gi' },
    });
    expect(classes.get('gpu.spot')?.kubernetes).toEqual({
      nodeSelector: { 'cloud.google.com/gke-spot': 'true' },
      tolerations: [
        { key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
        { operator: 'Exists' },
      ],
    });
  });

  it('reads JSON too', () => {
    const json = JSON.stringify({ classes: [{ name: 'a', price_per_hour: 1, capacity: 'spot' }] });
    expect(parseResourceClasses(json, 'rc.json').require('a').capacity).toBe('spot');
  });

  it.each([
    ['not YAML', 'classes: [', "'rc.yaml' is not valid YAML or JSON"],
    ['no classes list', 'kinds: []', 'classes: expected a list of resource classes'],
    ['a class that is not a map', 'classes: [3]', 'classes[0]: expected a class'],
    ['a bad name', 'classes: [{name: "a b", price_per_hour: 1, capacity: spot}]', 'classes[0].name'],
    [
      'a negative price',
      'classes: [{name: a, price_per_hour: -1, capacity: spot}]',
      'classes[0].price_per_hour: expected a price in USD per hour, a number of 0 or more (got -1)',
    ],
    [
      'a price as text',
      'classes: [{name: a, price_per_hour: "1$", capacity: spot}]',
      'classes[0].price_per_hour',
    ],
    [
      'an unknown capacity',
      'classes: [{name: a, price_per_hour: 1, capacity: reserved}]',
      'classes[0].capacity: expected on-demand or spot (got "reserved")',
    ],
    [
      'a bad spot price',
      'classes: [{name: a, price_per_hour: 1, capacity: spot, spot_price_per_hour: x}]',
      'classes[0].spot_price_per_hour',
    ],
    [
      'an unknown field',
      'classes: [{name: a, price_per_hour: 1, capacity: spot, gpu: 1}]',
      'classes[0].gpu: unknown field',
    ],
    [
      'a bad toleration effect',
      'classes: [{name: a, price_per_hour: 1, capacity: spot, kubernetes: {tolerations: [{key: k, effect: Never}]}}]',
      'classes[0].kubernetes.tolerations[0].effect: expected NoSchedule, PreferNoSchedule, NoExecute',
    ],
    [
      'a node selector that is not a map',
      'classes: [{name: a, price_per_hour: 1, capacity: spot, kubernetes: {node_selector: [x]}}]',
      'classes[0].kubernetes.node_selector: expected a map',
    ],
    [
      'labels that are not strings',
      'classes: [{name: a, price_per_hour: 1, capacity: spot, labels: {gpu: [1]}}]',
      'classes[0].labels.gpu: expected a string',
    ],
    [
      'a class defined twice',
      'classes: [{name: a, price_per_hour: 1, capacity: spot}, {name: a, price_per_hour: 2, capacity: spot}]',
      "classes[1].name: 'a' is defined twice",
    ],
    ['a duplicate key', 'classes: []\nclasses: []', 'is not valid YAML or JSON'],
  ])('refuses %s, naming the file and field', (_what, text, expected) => {
    const message = problemOf(text);
    expect(message).toContain("'rc.yaml'");
    expect(message).toContain(expected);
  });

  it('reports every problem at once', () => {
    const message = problemOf('classes: [{name: a, capacity: x}, {name: b, price_per_hour: 1}]');
    expect(message).toContain('classes[0].price_per_hour');
    expect(message).toContain('classes[0].capacity');
    expect(message).toContain('classes[1].capacity');
  });

  it('loads a file and names a missing one', async () => {
    const dir = makeTestTempDir('bosun-rc-');
    const path = join(dir, 'rc.yaml');
    writeFileSync(path, FILE);
    expect((await loadResourceClassesFile(path)).list()).toHaveLength(2);
    await expect(loadResourceClassesFile(join(dir, 'none.yaml'))).rejects.toThrow(
      `Cannot read the resource classes file '${join(dir, 'none.yaml')}' (ENOENT)`,
    );
  });
});

describe('a step and its class', () => {
  const classes = parseResourceClasses(FILE, 'rc.yaml');
  const spec = (doc: Record<string, unknown>) => {
    const result = validatePipeline({ apiVersion: 'bosun.dev/v1', kind: 'Pipeline', name: 'p', ...doc });
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    return result.spec;
  };

  it('takes the default class unless the step sets resources of its own', () => {
    const p = spec({
      defaults: { resources: { class: 'cpu.small' } },
      steps: { a: { command: ['true'] }, b: { command: ['true'], resources: { cpu: 1 } } },
      on_exit: { c: { command: ['true'], resources: { class: 'gpu.spot' } } },
    });
    expect(stepClassName(p, 'a')).toBe('cpu.small');
    expect(stepClassName(p, 'b')).toBeUndefined();
    expect(stepClassName(p, 'c')).toBe('gpu.spot');
    expect(() => checkResourceClasses(p, classes)).not.toThrow();
  });

  it('refuses an unknown class, naming the step and the known classes', () => {
    const p = spec({ steps: { train: { command: ['true'], resources: { class: 'tpu' } } } });
    expect(() => checkResourceClasses(p, classes)).toThrow(
      "Pipeline 'p' step 'train': unknown resource class 'tpu': the server defines 'cpu.small', 'gpu.spot'",
    );
    expect(() => checkResourceClasses(p, ResourceClasses.none)).toThrow(
      'this server defines no resource classes (start it with --resource-classes FILE)',
    );
  });

  it('prices spot runs at the spot price', () => {
    const small = classes.require('cpu.small');
    const gpu = classes.require('gpu.spot');
    expect(runsOnSpot(small, undefined)).toBe(false);
    expect(runsOnSpot(small, true)).toBe(true);
    expect(runsOnSpot(gpu, false)).toBe(true);
    expect(hourlyPrice(small, false)).toBe(0.1);
    expect(hourlyPrice(small, true)).toBe(0.03);
    expect(hourlyPrice(gpu, true)).toBe(0.9);
  });
});
