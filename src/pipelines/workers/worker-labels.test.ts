import { describe, expect, it } from 'vitest';
import {
  formatLabels,
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
});
