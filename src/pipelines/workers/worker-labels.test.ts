import { describe, expect, it } from 'vitest';
import {
  capacityLeft,
  formatLabels,
  howManyFit,
  memoryBytes,
  parseWorkerLabels,
  queueName,
  queueRequirement,
  satisfies,
  stepRequirement,
  type WorkerLabels,
} from './worker-labels.js';

const base: WorkerLabels = { cpu: 4, memoryBytes: 8 * 2 ** 30, gpu: 0, spot: false };

describe('worker labels', () => {
  it('parses --labels over the machine defaults', () => {
    expect(parseWorkerLabels('cpu=8,memory=32Gi,gpu=1,spot=true', base)).toEqual({
      cpu: 8,
      memoryBytes: 32 * 2 ** 30,
      gpu: 1,
      spot: true,
    });
    expect(parseWorkerLabels('gpu=2', base)).toEqual({ ...base, gpu: 2 });
    expect(parseWorkerLabels(undefined, base)).toEqual(base);
  });

  it('refuses unknown keys and bad values, naming the entry', () => {
    expect(() => parseWorkerLabels('zone=eu', base)).toThrow(/'zone=eu'.*cpu=N, memory=QUANTITY/);
    expect(() => parseWorkerLabels('cpu=0', base)).toThrow(/'cpu=0': cpu must be a positive number/);
    expect(() => parseWorkerLabels('memory=lots', base)).toThrow(/memory must be a quantity/);
    expect(() => parseWorkerLabels('gpu=1.5', base)).toThrow(/whole number/);
    expect(() => parseWorkerLabels('spot=yes', base)).toThrow(/true or false/);
  });

  it('reads memory quantities as the spec writes them', () => {
    expect(memoryBytes('512Mi')).toBe(512 * 2 ** 20);
    expect(memoryBytes('1.5G')).toBe(1.5e9);
    expect(memoryBytes('1000')).toBe(1000);
    expect(memoryBytes('1Gb')).toBeUndefined();
  });

  it('matches steps to workers: enough cpu, memory and GPUs; spot workers only for steps that allow spot', () => {
    const gpuSpot: WorkerLabels = { cpu: 8, memoryBytes: 32 * 2 ** 30, gpu: 1, spot: true };
    expect(satisfies(base, stepRequirement(undefined))).toBe(true);
    expect(satisfies(base, stepRequirement({ cpu: 4, memory: '8Gi' }))).toBe(true);
    expect(satisfies(base, stepRequirement({ cpu: 4.5 }))).toBe(false);
    expect(satisfies(base, stepRequirement({ memory: '9Gi' }))).toBe(false);
    expect(satisfies(base, stepRequirement({ gpu: 1 }))).toBe(false);
    expect(satisfies(gpuSpot, stepRequirement({ gpu: 1 }))).toBe(false);
    expect(satisfies(gpuSpot, stepRequirement({ gpu: 1, spot: true }))).toBe(true);
    // An on-demand worker runs steps that would also accept spot capacity.
    expect(satisfies(base, stepRequirement({ spot: true }))).toBe(true);
  });

  it('names one queue per requirement and reads it back', () => {
    const need = stepRequirement({ cpu: 0.5, memory: '4Gi', gpu: 1, spot: true });
    expect(queueName(need)).toBe('bosun_steps_c500_m4294967296_g1_s');
    expect(queueRequirement(queueName(need))).toEqual(need);
    expect(queueRequirement(queueName(stepRequirement(undefined)))).toEqual(stepRequirement(undefined));
    expect(queueRequirement('some_other_queue')).toBeUndefined();
  });

  it('formats labels as --labels takes them', () => {
    expect(formatLabels({ cpu: 8, memoryBytes: 32 * 2 ** 30, gpu: 1, spot: true })).toBe(
      'cpu=8,memory=32Gi,gpu=1,spot=true',
    );
    expect(parseWorkerLabels(formatLabels(base), { ...base, cpu: 1 })).toEqual(base);
  });

  it('bin-packs: what is left after the running steps, and how many more of a kind fit', () => {
    const labels: WorkerLabels = { cpu: 4, memoryBytes: 8 * 2 ** 30, gpu: 1, spot: false };
    const twoCpu = stepRequirement({ cpu: 2, memory: '2Gi' });
    const gpuStep = stepRequirement({ cpu: 1, gpu: 1 });
    const nothing = stepRequirement(undefined);
    expect(capacityLeft(labels, [])).toEqual(labels);
    expect(capacityLeft(labels, [twoCpu, nothing])).toEqual({
      cpu: 2,
      memoryBytes: 6 * 2 ** 30,
      gpu: 1,
      spot: false,
    });
    expect(capacityLeft(labels, [twoCpu, twoCpu, gpuStep])).toEqual({
      cpu: 0,
      memoryBytes: 4 * 2 ** 30,
      gpu: 0,
      spot: false,
    });
    // Two 2-CPU steps fit in 4 CPUs, whatever the free slots beyond that; none once they run.
    expect(howManyFit(labels, twoCpu, 10)).toBe(2);
    expect(howManyFit(labels, twoCpu, 1)).toBe(1);
    expect(howManyFit(capacityLeft(labels, [twoCpu, twoCpu]), twoCpu, 10)).toBe(0);
    // Memory can be the tight side: 3Gi steps in 8Gi.
    expect(howManyFit(labels, stepRequirement({ memory: '3Gi' }), 10)).toBe(2);
    // One GPU: one GPU step at a time.
    expect(howManyFit(labels, gpuStep, 10)).toBe(1);
    expect(howManyFit(capacityLeft(labels, [gpuStep]), gpuStep, 10)).toBe(0);
    // A step that asks for nothing is limited by the slots only.
    expect(howManyFit(capacityLeft(labels, [twoCpu, twoCpu, gpuStep]), nothing, 3)).toBe(3);
    expect(howManyFit(labels, nothing, 0)).toBe(0);
    // A spot worker never takes a step that does not allow spot, whatever is left.
    expect(howManyFit({ ...labels, spot: true }, twoCpu, 10)).toBe(0);
    expect(howManyFit({ ...labels, spot: true }, stepRequirement({ cpu: 2, spot: true }), 10)).toBe(2);
  });
});
