import { cpus, totalmem } from 'node:os';
import { InvalidParameterError } from '../../shared/index.js';
import type { ResourcesSpec } from '../spec/index.js';

/**
 * What a worker offers: CPUs, memory in bytes, GPUs, and whether it is spot (preemptible) capacity. Parsed from
 * `--labels cpu=8,memory=32Gi,gpu=1,spot=true`; what is not given comes from the machine (its CPUs and memory),
 * no GPUs and on-demand capacity.
 */
export interface WorkerLabels {
  cpu: number;
  memoryBytes: number;
  gpu: number;
  spot: boolean;
}

/** What a step asks of the worker that runs it (from its `resources`): the queue it waits in is named for it. */
export interface StepRequirement {
  /** Millicores, so that `cpu: 0.5` stays an integer in a queue name. */
  milliCpu: number;
  memoryBytes: number;
  gpu: number;
  /** The step may run on spot capacity (`resources.spot: true`). */
  spotOk: boolean;
}

const units: Record<string, number> = {
  '': 1,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** `512Mi`, `32Gi`, `1.5G`, `1000` as bytes; undefined when the text is not a quantity. */
export function memoryBytes(text: string): number | undefined {
  const m = /^([0-9]{1,12}(?:\.[0-9]{1,6})?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(text.trim());
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * (units[m[2] ?? ''] ?? 1));
}

/** The labels of this machine when none are given. */
export function machineLabels(): WorkerLabels {
  return { cpu: cpus().length, memoryBytes: totalmem(), gpu: 0, spot: false };
}

/**
 * Parses `--labels`: comma-separated `key=value` with keys cpu, memory, gpu and spot; refuses anything else with
 * a message naming the entry.
 *
 * @example parseWorkerLabels('cpu=8,memory=32Gi,gpu=1,spot=true')
 */
export function parseWorkerLabels(
  text: string | undefined,
  base: WorkerLabels = machineLabels(),
): WorkerLabels {
  const labels = { ...base };
  if (text === undefined || text.trim() === '') return labels;
  for (const entry of text.split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq).trim();
    const value = eq < 0 ? '' : entry.slice(eq + 1).trim();
    const bad = (rule: string) =>
      new InvalidParameterError(`Invalid --labels entry '${entry}': ${key} must be ${rule}`);
    switch (key) {
      case 'cpu': {
        const n = /^[0-9]{1,6}(\.[0-9]{1,3})?$/.test(value) ? Number(value) : NaN;
        if (!(n > 0)) throw bad('a positive number of CPUs, such as 8 or 0.5');
        labels.cpu = n;
        break;
      }
      case 'memory': {
        const n = memoryBytes(value);
        if (n === undefined || n <= 0) throw bad('a quantity such as 32Gi or 512Mi');
        labels.memoryBytes = n;
        break;
      }
      case 'gpu': {
        if (!/^[0-9]{1,4}$/.test(value)) throw bad('a whole number of GPUs, such as 1');
        labels.gpu = Number(value);
        break;
      }
      case 'spot': {
        if (value !== 'true' && value !== 'false') throw bad('true or false');
        labels.spot = value === 'true';
        break;
      }
      default:
        throw new InvalidParameterError(
          `Invalid --labels entry '${entry}': expected cpu=N, memory=QUANTITY, gpu=N or spot=true|false`,
        );
    }
  }
  return labels;
}

/** What a step's `resources` ask of a worker (nothing asked: any worker that is not spot, or any if spot is fine). */
export function stepRequirement(resources: ResourcesSpec | undefined): StepRequirement {
  return {
    milliCpu: Math.ceil((resources?.cpu ?? 0) * 1000),
    memoryBytes: resources?.memory !== undefined ? (memoryBytes(resources.memory) ?? 0) : 0,
    gpu: resources?.gpu ?? 0,
    spotOk: resources?.spot === true,
  };
}

/**
 * Whether a worker may run a step: enough CPUs, memory and GPUs, and spot capacity only for a step that allows
 * it (`resources.spot: true`); an on-demand worker runs steps of either kind.
 */
export function satisfies(labels: WorkerLabels, need: StepRequirement): boolean {
  return (
    Math.round(labels.cpu * 1000) >= need.milliCpu &&
    labels.memoryBytes >= need.memoryBytes &&
    labels.gpu >= need.gpu &&
    (!labels.spot || need.spotOk)
  );
}

const QUEUE_PREFIX = 'bosun_steps';

/**
 * The pg-boss queue a step waits in: one per distinct requirement, so that a worker fetches only from the queues
 * it satisfies, e.g. `bosun_steps_c2000_m4294967296_g1_s` (2 CPUs, 4Gi, 1 GPU, spot allowed).
 */
export function queueName(need: StepRequirement): string {
  return `${QUEUE_PREFIX}_c${need.milliCpu}_m${need.memoryBytes}_g${need.gpu}${need.spotOk ? '_s' : ''}`;
}

/** The requirement a queue name stands for; undefined for queues that are not Bosun's step queues. */
export function queueRequirement(name: string): StepRequirement | undefined {
  const m = /^bosun_steps_c(\d+)_m(\d+)_g(\d+)(_s)?$/.exec(name);
  if (m === null) return undefined;
  return { milliCpu: Number(m[1]), memoryBytes: Number(m[2]), gpu: Number(m[3]), spotOk: m[4] !== undefined };
}

/** Labels as the CLI and the API show them: `cpu=8,memory=32Gi,gpu=1,spot=true`. */
export function formatLabels(labels: WorkerLabels): string {
  const gi = labels.memoryBytes / 2 ** 30;
  const memory = Number.isInteger(gi) ? `${gi}Gi` : `${Math.round(labels.memoryBytes / 2 ** 20)}Mi`;
  return `cpu=${labels.cpu},memory=${memory},gpu=${labels.gpu},spot=${labels.spot}`;
}

/**
 * What a worker has left once the steps it runs have their share: its CPUs, memory and GPUs minus the sum of
 * the running steps' requirements (never below zero). A step that asks for nothing takes nothing.
 */
export function capacityLeft(labels: WorkerLabels, running: readonly StepRequirement[]): WorkerLabels {
  let milliCpu = Math.round(labels.cpu * 1000);
  let memory = labels.memoryBytes;
  let gpu = labels.gpu;
  for (const need of running) {
    milliCpu -= need.milliCpu;
    memory -= need.memoryBytes;
    gpu -= need.gpu;
  }
  return {
    cpu: Math.max(0, milliCpu) / 1000,
    memoryBytes: Math.max(0, memory),
    gpu: Math.max(0, gpu),
    spot: labels.spot,
  };
}

/**
 * How many more steps of one requirement fit in what is left (bin-packing by CPU, memory and GPUs), at most
 * `slots` (the free `--concurrency` slots): 0 when the worker may not run it at all (spot) or it does not fit now.
 */
export function howManyFit(left: WorkerLabels, need: StepRequirement, slots: number): number {
  if (slots <= 0 || !satisfies(left, need)) return 0;
  const per = (have: number, want: number) => (want > 0 ? Math.floor(have / want) : Infinity);
  return Math.min(
    slots,
    per(Math.round(left.cpu * 1000), need.milliCpu),
    per(left.memoryBytes, need.memoryBytes),
    per(left.gpu, need.gpu),
  );
}
